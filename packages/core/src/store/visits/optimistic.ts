import type { Kysely } from 'kysely';
import { HOUR_MS } from '../../model/abuse.js';
import { laterVisitOutcomes, settle, type Settled, type VisitFacts, type VisitorFacts } from '../../model/attribution.js';
import { UnknownPromocodeError } from '../../model/errors.js';
import type { DecisionOutcome } from '../../model/types.js';
import { referralBound, trackRecorded } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { checkAhead, guardCounters, storeLater } from '../abuse/index.js';
import { bindingPeriods, planRewardsOfBinding } from '../rewards/index.js';
import { PENDING_TRACK_ID } from '../dialects/optimistic-visit.js';
import { messagesOf, wants } from '../outbox/index.js';
import { num } from '../rows.js';
import { bindingOf, trackOf, trackTypeOf, type TrackWrite, type VisitInput } from './records.js';
import { laterVisitMessages } from './track-messages.js';

/** `settle` asked for a fact the first statement did not read: the transaction decides. */
const UNREAD = Symbol('unread');

/** A first visit asks only whether the user sits above the owner: never so when no one is bound to them. */
function decided(ctx: StoreContext, facts: VisitFacts, referring: boolean): Settled | null {
  try {
    return settle(ctx.rules, facts, (need) => {
      if (need === 'cycle' && !referring) return false;
      throw UNREAD;
    }) as Settled;
  } catch (error) {
    if (error === UNREAD) return null;
    throw error;
  }
}

/**
 * The guard rows a binding's write compares: those it counts one in (its referrer's and device's),
 * and the user's own, counted zero (a binding to the user meanwhile could close a cycle).
 */
function guardRows(counts: Record<string, number>, counted: string[]): { name: string; count: number; add: 0 | 1 }[] {
  return Object.keys(counts)
    .sort()
    .map((name) => ({ name, count: counts[name]!, add: counted.includes(name) ? 1 : 0 }));
}

/**
 * One visit in a few statements (PostgreSQL 2, MariaDB 3), no transaction held across the network,
 * where the dialect can (`optimisticVisit`; docs/concurrency.md, "Round trips"). A later visit is
 * written by the first statement, as `laterVisit` does. A first visit is decided by the same
 * `settle` on the facts read without locks, checked by the same abuse checks, and written by one
 * last statement, which writes nothing if a fact changed meanwhile. `null`: nothing was written,
 * and the transaction runs instead. `inTransaction`: run in a batch's transaction (where the
 * dialect can, `optimisticVisit.inTransaction`), each visit seeing the batch's earlier writes; a
 * fact that moved there aborts it (`OptimisticAborted`).
 */
export async function writeVisitOptimistically(
  ctx: StoreContext,
  db: Kysely<any>,
  v: VisitInput,
  inTransaction = false,
): Promise<TrackWrite | null> {
  const statements = ctx.dialect.optimisticVisit!;
  const outcomes = laterVisitOutcomes(ctx.rules, v);
  const signals = { device: v.device ?? '', ip: v.ip ?? '', since: v.at - HOUR_MS };
  const { promocode, scene, detail, userId, at } = v;
  const guards = guardCounters(ctx.abuse, userId, v.device);
  // A later visit written by the first statement writes its track.recorded messages there.
  const laterMessages = laterVisitMessages(ctx, v, outcomes);
  const bindingRules = ctx.rewards.filter((rule) => rule.on === 'referral.bound').map((rule) => rule.id);
  const answer = await statements.visit(
    db,
    ctx.tables,
    {
      ...{ promocode, scene, detail, userId, at, ...outcomes, ...signals, guards },
      rewardCounters: { rules: bindingRules, periods: bindingRules.length > 0 ? bindingPeriods(ctx, at) : [] },
      messages: laterMessages,
    },
    inTransaction,
  );

  if (answer.written) {
    const outcome = answer.written.outcome as DecisionOutcome;
    const track = trackOf(v, { id: answer.written.id, trackType: 2, referrerId: num(answer.written.referrer), outcome });
    // A later visit binds no one: its signals are written with the others of the moment (store/abuse/).
    if (v.ip || v.device) storeLater(ctx, { userId, at, ip: v.ip, device: v.device, newUser: false });
    return { track, created: true, outcome, binding: null };
  }
  // Seen, or nothing read (`NOTHING_READ`: a deadlock, or MySQL without the statements): the
  // transaction decides, an unknown code included.
  if (answer.seen) return null;
  if (answer.owner === null) throw new UnknownPromocodeError(promocode);

  const owner = answer.owner;
  const visitor: VisitorFacts = { firstVisit: true, arrivedNew: v.trackType !== 2, firstSeenAt: at };
  const verdict = decided(ctx, { userId, candidateId: owner, scene, at, visitor }, answer.referring);
  if (!verdict) return null;

  const trackType = trackTypeOf(visitor);
  const newUser = trackType === 1;
  const checked = { userId, at, ip: v.ip, device: v.device, newUser };
  const ahead = checkAhead(ctx, { ...checked, binding: verdict.bind ? { referrerId: owner, trackId: 0 } : null }, answer.checks);
  if (!ahead) return null;

  // The visit's messages, those wanted, built with a stand-in for the track's id that the write replaces.
  const pendingTrack = trackOf(v, { id: PENDING_TRACK_ID, trackType, referrerId: owner, outcome: verdict.outcome });
  const pending = verdict.bind && wants(ctx, 'referral.bound') ? bindingOf(pendingTrack, verdict) : null;
  const messagesAt = Date.now();
  // The binding's reward rows and messages, decided by the same rules from the counters read (store/rewards/).
  const rewarded = verdict.bind && bindingRules.length > 0;
  const binding = { referrerId: owner, refereeId: userId, at };
  const rewards = rewarded ? await planRewardsOfBinding(ctx, answer.rewards, binding, messagesAt) : null;
  if (rewarded && rewards === null) return null;
  const events = [trackRecorded(pendingTrack), ...(pending ? [referralBound(pending.referral, pending.previousReferrerId)] : [])];
  const messages = messagesOf(ctx, events, messagesAt);
  const id = await statements.firstVisit(
    db,
    ctx.tables,
    {
      promocode,
      owner,
      userId,
      at,
      arrivedNew: visitor.arrivedNew,
      trackType,
      scene,
      detail: v.detail,
      outcome: verdict.outcome,
      binding: verdict.bind ? { version: answer.version, guards: guards && guardRows(answer.counts, ahead.counters) } : null,
      counters: ahead.counters,
      signals: ahead.signals,
      newUser,
      messages,
      messagesAt,
      rewards: rewards && rewards.counters.length + rewards.entries.length + rewards.decisions.length > 0 ? rewards : null,
    },
    inTransaction,
  );
  if (id === null) return null;
  if (ahead.later) storeLater(ctx, checked);
  const track = trackOf(v, { id, trackType, referrerId: owner, outcome: verdict.outcome });
  return { track, created: true, outcome: verdict.outcome, binding: bindingOf(track, verdict), flagged: null };
}
