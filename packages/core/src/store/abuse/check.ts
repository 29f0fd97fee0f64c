import type { Kysely } from 'kysely';
import { type AbuseRules, anyCheck, type FlaggedReferee, judgeBinding } from '../../model/abuse.js';
import type { StoreContext } from '../context.js';
import type { CounterGuards } from '../dialects/dialect.js';
import { writeFlag } from './flags.js';
import { storeLater, takeWaiting, uncommitted } from './signal-buffer.js';
import { bindingSignalsOf, lockCounters, readBindingSignals, rowsOf, type SignalWrite, storeSignals } from './signals.js';

/** A written visit as the checks see it: its signals (hashed) and the binding it made, if any. */
export interface CheckedVisit extends SignalWrite {
  binding: { referrerId: number; trackId: number } | null;
}

/** The counter row of a referrer's bindings (`velocity`); `''`: its prefix. */
export const referrerCounter = (referrerId: number | '') => `r:${referrerId}`;
const deviceCounter = (device: string) => `d:${device}`;

/** The counter rows a binding's checks lock: its referrer's (velocity) and its device's (device_cluster). */
export function counterNames(rules: AbuseRules, referrerId: number, device: string | null): string[] {
  const names: string[] = [];
  if (rules.maxBindingsPerHour > 0) names.push(referrerCounter(referrerId));
  if (device && rules.maxNewUsersPerDevice > 0) names.push(deviceCounter(device));
  return names;
}

/**
 * The counter rows a first visit decided in two statements compares at its write
 * (docs/concurrency.md, "Round trips"). Every binding counts one in its referrer's row and its
 * device's, so the owner's row (velocity), the user's own (someone bound to them: a cycle) and the
 * device's (device_cluster) move exactly when a binding changed what the visit read. `null` when the
 * rules keep no referrer rows (velocity off): the binding lock's turns stand in for them.
 */
export function guardCounters(rules: AbuseRules, userId: number, device: string | null): CounterGuards | null {
  if (rules.maxBindingsPerHour <= 0) return null;
  const [, deviceRow = ''] = counterNames(rules, userId, device);
  return { ownerPrefix: referrerCounter(''), user: referrerCounter(userId), device: deviceRow };
}

/**
 * The track writer's one call per written visit, in the visit's transaction: a binding is checked
 * under its referrer's and device's counter rows (so concurrent bindings are checked one after the
 * other, exactly), flagged when a check matches; then the visit's signals are stored. Answers the
 * flagged referee's review item, or `null`.
 */
export async function checkVisit(ctx: StoreContext, trx: Kysely<any>, v: CheckedVisit): Promise<FlaggedReferee | null> {
  const rules = ctx.abuse;
  if (!anyCheck(rules)) return null;
  let flagged: FlaggedReferee | null = null;
  if (v.binding) {
    const { referrerId, trackId } = v.binding;
    await lockCounters(ctx, trx, counterNames(rules, referrerId, v.device));
    // The referrer's own signals of a moment ago, still waiting to be written (signal-buffer.ts).
    await takeWaiting(ctx, trx, referrerId);
    const seen = await readBindingSignals(ctx, trx, { refereeId: v.userId, referrerId, at: v.at, ip: v.ip, device: v.device });
    const matches = judgeBinding(rules, seen);
    if (matches.length > 0) flagged = await writeFlag(ctx, trx, { refereeId: v.userId, referrerId, trackId, at: v.at }, matches);
  }
  // A binding's and a new user's signals count in later checks (device_cluster): written now, under
  // the locks. Any other visit's are a hint that may wait a moment (signal-buffer.ts).
  if (v.binding || v.newUser) await storeSignals(ctx, trx, v);
  else storeLater(ctx, v);
  return flagged;
}

/** What a first visit written in one statement adds for the checks: counter rows, its own signals, or signals to write later. */
export interface AheadWrites {
  counters: string[];
  signals: { kind: string; hash: string }[];
  /** The signals wait to be written with the others of the moment (`storeLater`, after the write). */
  later: boolean;
}

/**
 * `checkVisit` for a visit whose facts were read before its write (a one-statement first visit,
 * docs/concurrency.md): the same checks on those reads, counting the referrer's signals not yet
 * committed as `checkVisit` writes them first. Answers what the write adds, or `null` when a check
 * matches: the transaction then writes the visit and its flag.
 */
export function checkAhead(
  ctx: StoreContext,
  v: CheckedVisit,
  reads: { device_at: unknown; ip_at: unknown; recent: unknown; cluster: unknown },
): AheadWrites | null {
  const rules = ctx.abuse;
  if (!anyCheck(rules)) return { counters: [], signals: [], later: false };
  if (v.binding) {
    const { referrerId } = v.binding;
    const seen = bindingSignalsOf(reads, v);
    for (const row of uncommitted(ctx, referrerId)) {
      if (row.kind === 'device' && row.hash === v.device) seen.referrerDeviceAt = Math.max(seen.referrerDeviceAt ?? row.at, row.at);
      if (row.kind === 'ip' && row.hash === v.ip) seen.referrerIpAt = Math.max(seen.referrerIpAt ?? row.at, row.at);
    }
    if (judgeBinding(rules, seen).length > 0) return null;
  }
  const stored = !!v.binding || v.newUser;
  return {
    counters: v.binding ? counterNames(rules, v.binding.referrerId, v.device).sort() : [],
    signals: stored ? rowsOf(v).map(({ kind, hash }) => ({ kind, hash })) : [],
    later: !stored && !!(v.ip || v.device),
  };
}
