import type { Kysely } from 'kysely';
import { laterVisitOutcomes } from '../model/attribution.js';
import { type OutboxEvent, referralBound, trackRecorded } from '../model/webhook-events.js';
import type { DecisionOutcome } from '../model/types.js';
import type { StoreContext } from './context.js';
import type { LaterVisitParams } from './dialects/dialect.js';
import { wants, writeEvents } from './outbox.js';
import { num } from './rows.js';
import { trackOf, type TrackWrite, type VisitInput } from './visit-records.js';
import { writeVisitStepwise } from './visits-stepwise.js';
import { writeVisitsUpfront } from './visits-upfront.js';

export type { TrackWrite, VisitInput } from './visit-records.js';

/**
 * The one track writer: `recordTrack` and `recordTracks` on every database. Each visit is decided by
 * `decide` (model/attribution.ts); a dialect only supplies faster ways to gather its facts and
 * write the result (docs/architecture.md, "How a visit is recorded").
 */

/**
 * One visit: the dialect's one-statement later visit where it has one, else the transaction. An
 * endpoint that wants `track.recorded` needs the event in the track's transaction: where writes are
 * serialized the one statement then runs inside it, with its event; elsewhere the transaction runs
 * (a failed statement would abort the server's transaction).
 */
export function recordVisit(ctx: StoreContext, v: VisitInput): Promise<TrackWrite> {
  const { laterVisit } = ctx.d;
  const whole = (trx: Kysely<any>) => writeVisits(ctx, trx, [v]).then((w) => w[0]!);
  const oneStatement = laterVisit && !v.eventId ? (db: Kysely<any>) => writeLaterVisit(ctx, db, v, laterVisit.bind(ctx.d)) : undefined;
  if (!oneStatement) return ctx.d.write(ctx.db, whole);
  if (!wants(ctx, 'track.recorded')) return ctx.d.write(ctx.db, whole, oneStatement);
  if (!ctx.d.serializedWrites) return ctx.d.write(ctx.db, whole);
  return ctx.d.write(ctx.db, async (trx) => {
    const write = await oneStatement(trx);
    if (!write) return whole(trx);
    await writeEvents(ctx, trx, eventsOf(write));
    return write;
  });
}

/** Several visits, in order, in one transaction. */
export function recordVisits(ctx: StoreContext, visits: VisitInput[]): Promise<TrackWrite[]> {
  return ctx.d.write(ctx.db, (trx) => writeVisits(ctx, trx, visits));
}

/** The visits, then their events (tracks and bindings) in the same transaction. */
async function writeVisits(ctx: StoreContext, trx: Kysely<any>, visits: VisitInput[]): Promise<TrackWrite[]> {
  const writes = ctx.d.serializedWrites
    ? await writeVisitsUpfront(ctx, trx, visits, (v) => writeVisitStepwise(ctx, trx, v))
    : await visits.reduce(async (done, v) => [...(await done), await writeVisitStepwise(ctx, trx, v)], Promise.resolve([] as TrackWrite[]));
  if (ctx.outbox.wants.size > 0) await writeEvents(ctx, trx, writes.flatMap(eventsOf));
  return writes;
}

const eventsOf = (w: TrackWrite): OutboxEvent[] => {
  if (!w.created) return [];
  const track = trackRecorded(w.track);
  return w.binding ? [track, referralBound(w.binding.referral, w.binding.previousReferrerId)] : [track];
};

type LaterVisitStatement = (db: Kysely<any>, t: StoreContext['t'], p: LaterVisitParams) => Promise<{ id: number; referrer: number; outcome: string } | null>;

/** The outcomes `decide` gives each state of a returning user, for the statement to pick from. */
async function writeLaterVisit(ctx: StoreContext, db: Kysely<any>, v: VisitInput, statement: LaterVisitStatement): Promise<TrackWrite | null> {
  const { returning, newBound, newUnbound } = laterVisitOutcomes(ctx.rules, v);
  const { promocode, scene, detail, userId, at } = v;
  const row = await statement(db, ctx.t, { promocode, scene, detail, userId, at, returning, newBound, newUnbound });
  if (!row) return null;
  const track = trackOf(v, { id: row.id, trackType: 2, referrerId: num(row.referrer) });
  return { track, created: true, outcome: row.outcome as DecisionOutcome, binding: null };
}

