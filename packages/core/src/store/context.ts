import type { Kysely } from 'kysely';
import type { Zone } from '../days/time-zone.js';
import type { AbuseRules } from '../model/abuse.js';
import type { AttributionRules } from '../model/attribution.js';
import type { RewardRule } from '../model/rewards.js';
import type { TableNames } from '../schema/table-names.js';
import type { WebhookEventType } from '../model/types.js';
import type { Dialect } from './dialects/dialect.js';

/** What every query needs, resolved once at `createTracker`. Storage knows rows, not codes or requests. */
export interface StoreContext {
  /** The primary: every write (rollup builds included) and every read that must see the caller's own writes. */
  db: Kysely<any>;
  /**
   * Where this context's heavy reads read (stats over everyone's rows, the leaderboard, exports,
   * the lists that are not one user's): the `readDb` replica in the operators' context, `db` in
   * every other (tracker/parts.ts decides which context a call gets). It may lag `db`: code that
   * reads here never writes here, and never needs to find here what it has just written to `db`.
   */
  readDb: Kysely<any>;
  dialect: Dialect;
  tables: TableNames;
  rules: AttributionRules;
  /** The webhook endpoints, and the event types the write path must put in the outbox. */
  outbox: { endpoints: readonly { key: string; events: ReadonlySet<WebhookEventType> }[]; wants: ReadonlySet<WebhookEventType> };
  /** The zone whose calendar days `stats`, rollups and exports use. */
  zone: Zone;
  /**
   * Runs one heavy read (a statement of stats over raw rows, the leaderboard) when one of the
   * dialect's `heavyReads` slots of `readDb` is free: other reads never queue behind more than that
   * many. Turns are per database: the primary's and the replica's heavy reads queue apart.
   * `key` (the statement and its parameters) lets identical reads still waiting share one run.
   */
  heavyRead: <T>(key: string, read: () => Promise<T>) => Promise<T>;
  /** The `abuse` option's checks (store/abuse/), 0 where one is off. */
  abuse: AbuseRules;
  /** The `rewards` option's rules, checked (store/rewards/). */
  rewards: readonly RewardRule[];
  /** Users this process recorded a visit for: which statement a visit tries first (a hint, store/visits/known-visitors.ts). */
  knownVisitors: KnownVisitors;
}

/** A set of user ids kept by the visits wing (`createKnownVisitors`); never a fact a decision rests on. */
export interface KnownVisitors {
  has(userId: number): boolean;
  add(userId: number): void;
  forget(userId: number): void;
}
