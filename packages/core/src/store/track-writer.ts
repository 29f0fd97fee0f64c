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
import { writeVisitUpfront } from './visits-upfront.js';

export type { TrackWrite, VisitInput } from './visit-records.js';

/**
 * The one track writer: `recordTrack` and `recordTracks` on every database. Each visit is decided by
 * `decide` (model/attribution.ts); a dialect only supplies faster ways to gather its facts and
 * write the result (docs/architecture.md, "How a visit is recorded").
 */

/**
 * One visit: the dialect's one-statement later visit where it has one (outside a transaction, or
 * as one call of a shared SQLite transaction), else the transaction. An endpoint that wants
 * `track.recorded` needs the event in the track's transaction, so then the transaction runs.
 */
export function recordVisit(ctx: StoreContext, v: VisitInput): Promise<TrackWrite> {
  const { laterVisit } = ctx.d;
  const oneStatement =
    laterVisit && !v.eventId && !wants(ctx, 'track.recorded') ? (db: Kysely<any>) => writeLaterVisit(ctx, db, v, laterVisit.bind(ctx.d)) : undefined;
  // When the statement ran and wrote nothing, the transaction does not try it again.
  return ctx.d.write(ctx.db, (trx) => writeVisits(ctx, trx, [v], !oneStatement).then((w) => w[0]!), oneStatement);
}

/** Several visits, in order, in one transaction. */
export function recordVisits(ctx: StoreContext, visits: VisitInput[]): Promise<TrackWrite[]> {
  return ctx.d.write(ctx.db, (trx) => writeVisits(ctx, trx, visits, true));
}

/** The visits one after the other, then their events (tracks and bindings), in the caller's transaction. */
async function writeVisits(ctx: StoreContext, trx: Kysely<any>, visits: VisitInput[], laterFirst: boolean): Promise<TrackWrite[]> {
  const writes: TrackWrite[] = [];
  for (const v of visits) writes.push(await writeVisit(ctx, trx, v, laterFirst));
  if (ctx.outbox.wants.size > 0) await writeEvents(ctx, trx, writes.flatMap(eventsOf));
  return writes;
}

/**
 * Where writes are serialized a failed statement fails alone, so the one-statement later visit may
 * run inside the transaction; elsewhere it would abort it, so each fact is read under its lock.
 */
async function writeVisit(ctx: StoreContext, trx: Kysely<any>, v: VisitInput, laterFirst: boolean): Promise<TrackWrite> {
  if (!ctx.d.serializedWrites || v.eventId) return writeVisitStepwise(ctx, trx, v);
  const { laterVisit } = ctx.d;
  const later = laterFirst && laterVisit ? await writeLaterVisit(ctx, trx, v, laterVisit.bind(ctx.d)) : null;
  return later ?? writeVisitUpfront(ctx, trx, v);
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

