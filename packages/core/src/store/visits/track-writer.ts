import type { Kysely } from 'kysely';
import { laterVisitOutcomes } from '../../model/attribution.js';
import { type OutboxEvent, referralBound, trackRecorded } from '../../model/webhook-events.js';
import type { DecisionOutcome } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import type { LaterVisitParams } from '../dialects/dialect.js';
import { referralFlagged } from '../../model/abuse-wire.js';
import { checkVisit, type SignalWrite, storeLater } from '../abuse/index.js';
import { wants, writeEvents } from '../outbox/index.js';
import { num } from '../rows.js';
import { rewardsOfBinding } from '../rewards/index.js';
import { trackOf, type TrackWrite, type VisitInput } from './records.js';
import { OptimisticAborted } from '../dialects/optimistic-visit.js';
import { writeVisitStepwise } from './stepwise.js';
import { writeVisitUpfront } from './upfront.js';
import { writeVisitOptimistically } from './optimistic.js';
import { laterVisitMessages } from './track-messages.js';

export type { TrackWrite, VisitInput } from './records.js';

/**
 * The one track writer: `recordTrack` and `recordTracks` on every database. Each visit is decided by
 * `decide` (model/attribution.ts); a dialect only supplies faster ways to gather its facts and
 * write the result (docs/architecture.md, "How a visit is recorded").
 */

/**
 * One visit: optimistically, in a few statements, where the dialect can (optimistic.ts), else the
 * dialect's one-statement later visit where it has one (outside a transaction, or as one call of a
 * shared SQLite transaction); else, or when those wrote nothing, the transaction. A user this
 * process has recorded before goes straight to the later visit's statement, much cheaper for the
 * server than the optimistic one (known-visitors.ts). An endpoint that wants `track.recorded`
 * needs the event in the track's transaction, so then the transaction runs.
 */
export async function recordVisit(ctx: StoreContext, v: VisitInput): Promise<TrackWrite> {
  const write = await writeOneVisit(ctx, v);
  remember(ctx, [v]);
  return write;
}

/** The hint is read only where a visit has two statements to choose from: elsewhere, nothing to keep. */
function remember(ctx: StoreContext, visits: VisitInput[]): void {
  if (!ctx.dialect.optimisticVisit || !ctx.dialect.laterVisit) return;
  for (const v of visits) ctx.knownVisitors.add(v.userId);
}

function writeOneVisit(ctx: StoreContext, v: VisitInput): Promise<TrackWrite> {
  const { laterVisit, optimisticVisit } = ctx.dialect;
  const oneStatement =
    laterVisit && !v.eventId && (!wants(ctx, 'track.recorded') || ctx.dialect.writesTrackMessages)
      ? async (db: Kysely<any>) => {
          const w = await writeLaterVisit(ctx, db, v, laterVisit.bind(ctx.dialect), /* withMessages */ true);
          // A later visit binds no one: its signals are written with the others of the moment (store/abuse/).
          if (w && (v.ip || v.device)) storeLater(ctx, signalsOf(v, w));
          return w;
        }
      : undefined;
  // A binding's events and rewards are written with it, by the transaction.
  if (optimisticVisit && !v.eventId && !bindingWritesMore(ctx)) {
    const optimistic = (db: Kysely<any>) => writeVisitOptimistically(ctx, db, v);
    const first = oneStatement && ctx.knownVisitors.has(v.userId) ? oneStatement : optimistic;
    return ctx.dialect.write(ctx.db, (trx) => writeVisits(ctx, trx, [v], /* tryLaterVisit */ false).then((w) => w[0]!), first);
  }
  // When the statement ran first and wrote nothing, the transaction does not try it again.
  const tryLaterVisit = oneStatement === undefined;
  return ctx.dialect.write(ctx.db, (trx) => writeVisits(ctx, trx, [v], tryLaterVisit).then((w) => w[0]!), oneStatement);
}

/**
 * Whether a visit's transaction writes more than the optimistic visit can: `track.recorded` where
 * the dialect's later visit cannot write it (its outcome is chosen by the statement). The optimistic
 * visit writes `referral.bound`, a binding's reward rows and their messages itself, and a flagged
 * binding always goes to the transaction; events and rules of other facts leave visits alone.
 */
const bindingWritesMore = (ctx: StoreContext): boolean => wants(ctx, 'track.recorded') && !ctx.dialect.writesTrackMessages;

/**
 * Several visits, in order, in one transaction; where the dialect can, each visit the optimistic
 * visit's statements inside it (`optimisticVisit.inTransaction`). A fact that moved under one of
 * them aborted the transaction: it runs again, the visits then each the transaction's way.
 */
export async function recordVisits(ctx: StoreContext, visits: VisitInput[]): Promise<TrackWrite[]> {
  const run = (optimistic: boolean) =>
    ctx.dialect.write(ctx.db, (trx) => writeVisits(ctx, trx, visits, /* tryLaterVisit */ true, optimistic));
  const optimistic = !!ctx.dialect.optimisticVisit?.inTransaction && !bindingWritesMore(ctx);
  const writes = await run(optimistic).catch((error) => {
    if (optimistic && error instanceof OptimisticAborted) return run(false);
    throw error;
  });
  remember(ctx, visits);
  return writes;
}

/**
 * The visits one after the other, the rewards of their bindings (store/rewards/), then their events,
 * in the caller's transaction. `tryLaterVisit`: each visit may first try the one-statement later
 * visit (a batch's, all at once where the dialect can).
 */
async function writeVisits(
  ctx: StoreContext,
  trx: Kysely<any>,
  visits: VisitInput[],
  tryLaterVisit: boolean,
  optimistic = false,
): Promise<TrackWrite[]> {
  const visitEvents: OutboxEvent[] = [];
  const rewardEvents: OutboxEvent[] = [];
  // A visit written the transaction's way: the abuse checks of its binding and its signals
  // (store/abuse/), then the rewards a binding earns (store/rewards/: held for review when flagged);
  // its events wait, to be written in the batch's order.
  const follow = async (v: VisitInput, w: TrackWrite) => {
    if (!w.created || w.whole) return;
    w.flagged = await checkVisit(ctx, trx, {
      ...signalsOf(v, w),
      binding: w.binding && { referrerId: w.binding.referral.referrerId, trackId: w.track.id },
    });
    if (w.binding && ctx.rewards.length > 0) rewardEvents.push(...(await rewardsOfBinding(ctx, trx, w.binding, !!w.flagged)).events);
    visitEvents.push(...eventsOf(w));
  };
  const flush = async () => {
    const events = [...visitEvents.splice(0), ...rewardEvents.splice(0)];
    if (events.length > 0 && ctx.outbox.wants.size > 0) await writeEvents(ctx, trx, events);
  };
  const early = tryLaterVisit ? await writeLaterVisitsAtOnce(ctx, trx, visits) : new Map<number, TrackWrite | null>();
  // Optimistic visits write their messages as they go: those of the visits written at once first
  // (their tracks took the first ids), then, before each, those of the visits before it.
  if (optimistic) {
    for (const [i, w] of early) if (w) await follow(visits[i]!, w);
    await flush();
  }
  const writes: TrackWrite[] = [];
  for (const [i, v] of visits.entries()) {
    const done = early.get(i);
    if (done) {
      writes.push(done);
      if (!optimistic) await follow(v, done);
      continue;
    }
    if (optimistic && !v.eventId) await flush();
    const w = await writeVisit(ctx, trx, v, tryLaterVisit && !early.has(i), optimistic);
    writes.push(w);
    await follow(v, w);
  }
  await flush();
  return writes;
}

/**
 * A later visit without eventId first tries the dialect's one statement (inside the transaction:
 * on a server database its failure aborts the transaction, which then runs again); anything it
 * cannot decide goes the way of a first visit: facts up front where writes are serialized, else
 * each fact read under its lock.
 */
async function writeVisit(
  ctx: StoreContext,
  trx: Kysely<any>,
  v: VisitInput,
  tryLaterVisit: boolean,
  optimistic: boolean,
): Promise<TrackWrite> {
  // Its first statement is the later visit's too: when it wrote nothing, the statement is not tried again.
  if (optimistic && !v.eventId) {
    const whole = await writeVisitOptimistically(ctx, trx, v, /* inTransaction */ true);
    if (whole) return { ...whole, whole: true };
  }
  const { laterVisit, serializedWrites } = ctx.dialect;
  const later =
    tryLaterVisit && !optimistic && laterVisit && !v.eventId
      ? await writeLaterVisit(ctx, trx, v, (db, t, p) => laterVisit.call(ctx.dialect, db, t, p, /* inTransaction */ true))
      : null;
  if (later) return later;
  return serializedWrites && !v.eventId ? writeVisitUpfront(ctx, trx, v) : writeVisitStepwise(ctx, trx, v);
}

const eventsOf = (w: TrackWrite): OutboxEvent[] => {
  if (!w.created || w.whole) return [];
  const track = trackRecorded(w.track);
  const events = w.binding ? [track, referralBound(w.binding.referral, w.binding.previousReferrerId)] : [track];
  return w.flagged ? [...events, referralFlagged(w.flagged)] : events;
};

const signalsOf = (v: VisitInput, w: TrackWrite): SignalWrite => ({
  userId: v.userId,
  at: v.at,
  ip: v.ip,
  device: v.device,
  newUser: w.track.trackType === 1,
});

type LaterVisitRow = { id: number; referrer: number; outcome: string };
type LaterVisitStatement = (db: Kysely<any>, t: StoreContext['tables'], p: LaterVisitParams) => Promise<LaterVisitRow | null>;

/** The visit, and the outcomes `decide` gives each state of a returning user, for the statement to pick from. */
function laterVisitParams(ctx: StoreContext, v: VisitInput): LaterVisitParams {
  const { promocode, scene, detail, userId, at } = v;
  return { promocode, scene, detail, userId, at, ...laterVisitOutcomes(ctx.rules, v) };
}

function laterVisitWrite(v: VisitInput, row: LaterVisitRow): TrackWrite {
  const outcome = row.outcome as DecisionOutcome;
  const track = trackOf(v, { id: row.id, trackType: 2, referrerId: num(row.referrer), outcome });
  return { track, created: true, outcome, binding: null };
}

async function writeLaterVisit(
  ctx: StoreContext,
  db: Kysely<any>,
  v: VisitInput,
  statement: LaterVisitStatement,
  withMessages = false,
): Promise<TrackWrite | null> {
  const params = laterVisitParams(ctx, v);
  // Alone, the statement writes the visit's track.recorded messages too (in a transaction, the transaction does).
  if (withMessages) params.messages = laterVisitMessages(ctx, v, params);
  const row = await statement(db, ctx.tables, params);
  return row && laterVisitWrite(v, row);
}

/**
 * A batch's later visits in one statement, where the dialect can (`laterVisits`): each user's first
 * visit of the batch without eventId (their others follow in order, after it). Answers, by index in
 * `visits`, the write of each visit tried (`null`: not written, the visit goes its way).
 */
async function writeLaterVisitsAtOnce(ctx: StoreContext, trx: Kysely<any>, visits: VisitInput[]): Promise<Map<number, TrackWrite | null>> {
  const tried = new Map<number, TrackWrite | null>();
  const { laterVisits } = ctx.dialect;
  if (!laterVisits || visits.length < 2) return tried;
  const users = new Set<number>();
  const picked: number[] = [];
  visits.forEach((v, i) => {
    if (!users.has(v.userId) && !v.eventId) picked.push(i);
    users.add(v.userId);
  });
  const rows = await laterVisits.call(
    ctx.dialect,
    trx,
    ctx.tables,
    picked.map((i) => laterVisitParams(ctx, visits[i]!)),
  );
  picked.forEach((i, k) => tried.set(i, rows[k] ? laterVisitWrite(visits[i]!, rows[k]) : null));
  return tried;
}
