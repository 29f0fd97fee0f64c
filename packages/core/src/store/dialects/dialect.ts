import type { DatabaseIntrospector, DialectAdapter, Kysely, QueryCompiler, RawBuilder } from 'kysely';
import type { VisitorFacts } from '../../model/attribution.js';
import type { TableNames } from '../../schema/table-names.js';
import type { BudgetTake } from './budget-slots.js';
import type { ClaimQueue, QueueClaim } from './claims.js';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

/**
 * A single statement (atomic on its own) that does the whole work in the common case, run before
 * any transaction; `null` means it wrote nothing and the transaction is needed after all.
 */
export type Shortcut<T> = (db: Kysely<any>) => Promise<T | null>;

/** What the one-statement later visit needs: the visit, and the outcome for each state of its user. */
export interface LaterVisitParams {
  promocode: string;
  scene: string;
  detail: string | null;
  userId: number;
  at: number;
  /** For a user who did not arrive as a new user. */
  returning: string;
  /** For a user who arrived new and is bound / is not; `null`: the statement must not decide it. */
  newBound: string | null;
  newUnbound: string | null;
  /**
   * The visit's `track.recorded` messages, where the dialect writes them with its later visit
   * (`writesTrackMessages`): one set per outcome the statement may choose, the one chosen written.
   * Omitted inside a transaction, which writes its own.
   */
  messages?: TrackMessages;
}

/**
 * Outbox messages a visit's statement writes with its track, pending from `at`: each payload holds
 * the stand-ins of optimistic-visit.ts for the track's id and, where the statement finds it, its
 * referrer (`PENDING_REFERRER`, also in `names`); `outcome`: the track's outcome it reports.
 */
export interface TrackMessages {
  at: number;
  rows: { token: string; endpoint: string; type: string; payload: string; names: string; outcome: string }[];
}

/** A later visit's facts as `laterVisit` takes them, and what a first visit's checks read (hashes; `''`: none). */
export interface VisitParams extends LaterVisitParams {
  device: string;
  ip: string;
  /** From when the referrer's bindings count for `velocity` (ms). */
  since: number;
  /** The abuse counter rows whose counts to read (`guardCounters`); `null`: the binding lock's turns only. */
  guards: CounterGuards | null;
  /** The reward counter rows to read, of the owner and the user: these rules' (`referral.bound`), in these periods. */
  rewardCounters: { rules: string[]; periods: string[] };
}

/** A reward counter row (`reward_count`) as read, or as a first visit's write counts in it. */
export interface RewardCounterRow {
  rule_id: string;
  user_id: number;
  period: string;
  facts: number;
  entries: number;
}

/**
 * The rows a binding's reward rules write with it (store/rewards/planned-books.ts): each counter
 * counted once, only if it still has the `facts` read (the write adds one, and `entries`); the
 * `reward` and `reward_decision` rows, each column by name, their `track_id` the binding's track; the
 * entries' messages, pending from the visit's `messagesAt`.
 */
export interface RewardWrites {
  counters: RewardCounterRow[];
  entries: object[];
  decisions: object[];
  /** `reward.created` messages, each of the entry of its rule (`rule_id`), the entry's id a stand-in (`PENDING_REWARD_ID`). */
  messages: { rule_id: string; token: string; endpoint: string; type: string; payload: string; names: string }[];
}

/** Abuse counter rows an optimistic first visit compares (store/abuse/check.ts, `guardCounters`). */
export interface CounterGuards {
  /** The owner's row: this prefix and the owner's id, which the first statement finds. */
  ownerPrefix: string;
  /** The user's own row as a referrer. */
  user: string;
  /** The device's row; `''`: none. */
  device: string;
}

/** What `optimisticVisit.visit` answers: the later visit it wrote, else the facts of a first visit. */
export type VisitAnswer =
  | { written: { id: number; referrer: number; outcome: string } }
  | {
      written: null;
      /** The code's owner; `null`: no promo has this code. */
      owner: number | null;
      /** The user has a visitor row (a later visit the statement could not decide). */
      seen: boolean;
      /** Someone is bound to this user. */
      referring: boolean;
      /** The binding lock's turns so far. */
      version: number;
      /** The counts of the guard rows asked for (0: no row yet); empty without guards. */
      counts: Record<string, number>;
      /** The reads of a binding's checks (`bindingReads`), with the owner as referrer. */
      checks: { device_at: unknown; ip_at: unknown; recent: unknown; cluster: unknown };
      /** The user's review status (`null`: none) and the reward counter rows asked for that exist. */
      rewards: { review: string | null; counters: RewardCounterRow[] };
    };

/** A first visit as `optimisticVisit.firstVisit` writes it: visitor row, track, and for a binding the referral, counters and signals. */
export interface FirstVisitRow {
  promocode: string;
  owner: number;
  userId: number;
  at: number;
  arrivedNew: boolean;
  trackType: 1 | 2;
  scene: string;
  detail: string | null;
  outcome: string;
  /**
   * A new binding, written only if nothing it was decided on moved: each of `guards` still has its
   * count (the write adds `add` to it), or, without guards, the binding lock's `version` is still this one.
   */
  binding: { version: number; guards: { name: string; count: number; add: 0 | 1 }[] | null } | null;
  /** Abuse counter rows to count (sorted), and signal rows of this user to store. */
  counters: string[];
  signals: { kind: string; hash: string }[];
  newUser: boolean;
  /**
   * Outbox messages of the visit (`track.recorded`, `referral.bound`), pending from `messagesAt`;
   * each payload holds the stand-ins of optimistic-visit.ts where the track's id goes.
   */
  messages: { token: string; endpoint: string; type: string; payload: string; names: string }[];
  messagesAt: number;
  /** The binding's reward rows; `null`: none (no rule matched, or none configured). */
  rewards: RewardWrites | null;
}

/** A track row as `insertBoundTrack` writes it (the columns of `track`, no eventId). */
export interface BoundTrackRow {
  track_type: number;
  scene: string;
  detail: string | null;
  user_id: number;
  promocode: string;
  referrer: number;
  created_at: number;
  outcome: string;
}

/**
 * Everything that differs between SQLite, PostgreSQL and MySQL: one object per database, carrying
 * its capabilities and its strategies (Kysely's `DialectAdapter` shape). Nothing outside
 * `store/dialects/` asks which database it is talking to.
 */
export interface Dialect {
  name: DialectName;
  /** INSERT … RETURNING is available. */
  returning: boolean;
  /**
   * Write transactions run one at a time and see everything committed before them (SQLite's
   * single writer): a batch can read its facts up front and decide in memory.
   */
  serializedWrites: boolean;
  /** Suffix of a read that locks its rows against deletion; of one that locks them for writing. */
  shareLock: string;
  updateLock: string;
  /** Suffix of the cycle check's reads, so they see the latest committed edges (docs/concurrency.md). */
  chainLock: string;
  /** SQL integer division (`/` is decimal on MySQL). */
  intDiv: string;
  /** CREATE and ALTER take part in transactions (not on MySQL). */
  transactionalDdl: boolean;
  /** Parameters are `$1, $2…` (PostgreSQL), else `?`. */
  numberedParameters: boolean;
  /** A quoted identifier. */
  quote(name: string): string;
  /**
   * The tail of an `INSERT INTO table …` that, on a conflict on `key`, updates the existing row:
   * each column of `set` to the greater of its old and new values (`max`), or to their sum (`add`).
   * An upsert also locks the row for writing until the transaction ends.
   */
  upsertTail(table: string, key: readonly string[], set: Readonly<Record<string, 'max' | 'add'>>): string;
  /** Kysely's own parts for this database, to compile SQL without a connection (`promo-track sql`). */
  kysely: {
    adapter: new () => DialectAdapter;
    introspector: new (db: Kysely<any>) => DatabaseIntrospector;
    compiler: new () => QueryCompiler;
  };
  /**
   * How many heavy reads (stats, the leaderboard) a tracker runs at once; more wait in memory, so
   * that other reads never queue behind a flood of them (1 on SQLite: one connection, one statement
   * at a time; a few on a server, whose pool the host sizes, 10 by default with pg).
   */
  heavyReads: number;
  /** The expression `count(distinct …)` of stats counts users by. */
  distinctUsers: RawBuilder<unknown>;
  /** Runs a write: `shortcut` first where the database has one, else `work` in a transaction. */
  write<T>(db: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>, shortcut?: Shortcut<T>): Promise<T>;
  /**
   * Leases due rows of a queue (webhook messages, code jobs) to one worker without waiting on the
   * others (SKIP LOCKED where the database has it, a lease-only UPDATE where it does not, the write
   * queue on SQLite); answers the claimed rows' `q.columns`.
   */
  claim(db: Kysely<any>, q: ClaimQueue, p: QueueClaim): Promise<Record<string, unknown>[]>;
  /**
   * Spends one call of the shared code budget, in one statement: a slot among `1…slots` whose last
   * use is at or before `cutoff` is held until `until` under `claim`. Answers whether one was free (docs/wxacode.md).
   */
  takeBudgetSlot(db: Kysely<any>, t: TableNames, p: BudgetTake): Promise<boolean>;
  /**
   * The schema the migrator's own tables live in, where the database has schemas: Kysely's Migrator
   * otherwise takes a table of that name in any schema for its own (two unprefixed trackers in two
   * PostgreSQL schemas of one database).
   */
  migrationSchema?(db: Kysely<any>): Promise<string | undefined>;
  /** Runs the migrator so that several processes starting at once take turns. */
  migrate(db: Kysely<any>, run: (db: Kysely<any>) => Promise<void>): Promise<void>;
  /**
   * Hot statements kept on the server, planned once per connection (PostgreSQL's functions,
   * postgres-functions.ts): `install` creates this version's, after the migrations and under their
   * lock; `find` notes which the database has, before a tracker's first call. Without them, the text.
   */
  storedStatements?: {
    install(db: Kysely<any>, t: TableNames): Promise<void>;
    find(db: Kysely<any>, t: TableNames): Promise<void>;
  };
  /**
   * A visit's owner (share-locked) and the user's visitor row, inserted when absent, in one round
   * trip: `owner: null` for an unknown code, `visitor: null` when the row a concurrent first visit
   * committed is not visible to this statement (the caller reads it then). `locked`: the statement
   * also took the binding lock (`takeBindingLock`), as a first visit that may bind needs it.
   */
  claimVisit?(
    trx: Kysely<any>,
    t: TableNames,
    v: { promocode: string; userId: number; at: number; arrivedNew: boolean },
  ): Promise<{ owner: number | null; visitor: VisitorFacts | null; locked?: boolean }>;
  /**
   * Inserts a track (no eventId) and the new binding it makes in one round trip; answers the
   * track's id. Where absent, the two inserts run one after the other.
   */
  insertBoundTrack?(trx: Kysely<any>, t: TableNames, row: BoundTrackRow): Promise<number>;
  /**
   * A later visit (the user has a visitor row) without eventId as one statement: the track with the
   * outcome its user's state selects, or `null` (nothing written) when the statement cannot decide.
   */
  laterVisit?(
    db: Kysely<any>,
    t: TableNames,
    p: LaterVisitParams,
    /** Run inside a transaction: a failure is thrown (it aborted the transaction), never answered with `null`. */
    inTransaction?: boolean,
  ): Promise<{ id: number; referrer: number; outcome: string } | null>;
  /**
   * `laterVisit` for many visits at once, in a batch's transaction (no two of them of one user):
   * each visit's track as `laterVisit` would write it, or `null` where it would write nothing.
   */
  laterVisits?(
    trx: Kysely<any>,
    t: TableNames,
    visits: LaterVisitParams[],
  ): Promise<({ id: number; referrer: number; outcome: string } | null)[]>;
  /**
   * A visit in a few statements, no transaction held across the network (docs/concurrency.md,
   * "Round trips"): `visit` is `laterVisit` that, when the user has no visitor row, answers the facts
   * of a first visit instead (read without locks; PostgreSQL in the same statement, MariaDB in a
   * second); `firstVisit` then writes it in one statement, checking under the transaction path's
   * locks that nothing it was decided on has changed: `null` when something had (nothing written;
   * the transaction runs instead).
   */
  /**
   * `laterVisit` and `optimisticVisit.visit` write a visit's `track.recorded` messages themselves
   * (`LaterVisitParams.messages`); elsewhere a tracker that wants them records visits in a transaction.
   */
  writesTrackMessages?: boolean;
  optimisticVisit?: {
    visit(db: Kysely<any>, t: TableNames, p: VisitParams, inTransaction?: boolean): Promise<VisitAnswer>;
    firstVisit(db: Kysely<any>, t: TableNames, row: FirstVisitRow, inTransaction?: boolean): Promise<number | null>;
    /**
     * The two statements also run inside a caller's transaction (a batch's, each visit in turn):
     * there a failure is thrown, `OptimisticAborted` when nothing was wrong but a fact that moved.
     */
    inTransaction?: boolean;
  };
}
