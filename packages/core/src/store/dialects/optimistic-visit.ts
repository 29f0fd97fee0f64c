import type { CounterGuards, RewardCounterRow, VisitAnswer } from './dialect.js';

/** What a first visit's write fails with when a fact it was decided on had moved: nothing of it stays. */
export const MOVED = 'promo-track: the binding lock moved';

export const isMoved = (error: unknown) => error instanceof Error && error.message.includes(MOVED);

/**
 * An optimistic visit run inside a caller's transaction (a batch's) found a fact moved, or its
 * stored statement gone: the statement failed and aborted the transaction, which must run again
 * without optimistic visits.
 */
export class OptimisticAborted extends Error {
  constructor(cause: unknown) {
    super('promo-track: an optimistic visit inside a transaction wrote nothing', { cause });
  }
}

/** Nothing read (a deadlock, or a server without the statements): as if the user had been seen, the transaction runs instead. */
export const NOTHING_READ: VisitAnswer = {
  written: null,
  owner: null,
  seen: true,
  referring: false,
  version: 0,
  counts: {},
  checks: { device_at: null, ip_at: null, recent: 0, cluster: 0 },
  rewards: { review: null, counters: [] },
};

/** The reward counter rows a first statement read, as the driver answers them (JSON, or its text). */
export function rewardCountersOf(read: unknown): RewardCounterRow[] {
  const rows = (typeof read === 'string' ? JSON.parse(read) : (read ?? [])) as Record<string, unknown>[];
  return rows.map((r) => ({
    rule_id: String(r.rule_id),
    user_id: Number(r.user_id),
    period: String(r.period),
    facts: Number(r.facts),
    entries: Number(r.entries),
  }));
}

/** The guard rows' counts by name (0: no row yet), from the facts' `owner_count`, `user_count` and `device_count`. */
export function countsOf(g: CounterGuards, owner: number | string, row: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = { [g.ownerPrefix + owner]: Number(row.owner_count ?? 0), [g.user]: Number(row.user_count ?? 0) };
  if (g.device) counts[g.device] = Number(row.device_count ?? 0);
  return counts;
}

/**
 * The track id a first visit's outbox messages are built with before the write knows the real one:
 * the write puts the id in place of `"track_id":<this>`, a key with its value, which no JSON
 * string's content can hold (a quote inside a string is escaped).
 */
export const PENDING_TRACK_ID = Number.MAX_SAFE_INTEGER;
export const PENDING_TRACK_ID_TEXT = `"track_id":${PENDING_TRACK_ID}`;
export const TRACK_ID_KEY = '"track_id":';
/** The same stand-in in a track's own payload (`track.recorded`: `"id":…`; `"track_id"` does not hold it, its quote is a `_`). */
export const PENDING_ID_TEXT = `"id":${PENDING_TRACK_ID}`;
/** A later visit's referrer, the code's owner, found by its statement: `"referrer":…` in the payload, `,…,` in `names`. */
export const PENDING_REFERRER = Number.MAX_SAFE_INTEGER - 1;
export const PENDING_REFERRER_TEXT = `"referrer":${PENDING_REFERRER}`;
export const PENDING_REFERRER_NAME = `,${PENDING_REFERRER},`;
/** A binding's reward entry's id in its `reward.created` message (its payload's first key), which the write replaces. */
export const PENDING_REWARD_ID = Number.MAX_SAFE_INTEGER - 2;
export const PENDING_REWARD_ID_TEXT = `"id":${PENDING_REWARD_ID}`;
