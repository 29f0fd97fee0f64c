import type { DatabaseIntrospector, DialectAdapter, Kysely, QueryCompiler, RawBuilder } from 'kysely';
import type { VisitorFacts } from '../../model/attribution.js';
import type { TableNames } from '../../schema/table-names.js';
import type { ClaimedMessage, ClaimParams } from './claims.js';

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
  /** Kysely's own parts for this database, to compile SQL without a connection (`promo-track sql`). */
  kysely: { adapter: new () => DialectAdapter; introspector: new (db: Kysely<any>) => DatabaseIntrospector; compiler: new () => QueryCompiler };
  /** The expression `count(distinct …)` of stats counts users by. */
  distinctUsers: RawBuilder<unknown>;
  /** Runs a write: `shortcut` first where the database has one, else `work` in a transaction. */
  write<T>(db: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>, shortcut?: Shortcut<T>): Promise<T>;
  /**
   * Leases due webhook messages to one sender without waiting on the others (SKIP LOCKED where the
   * database has it, a lease-only UPDATE where it does not, the write queue on SQLite).
   */
  claimMessages(db: Kysely<any>, t: TableNames, p: ClaimParams): Promise<ClaimedMessage[]>;
  /**
   * The schema the migrator's own tables live in, where the database has schemas: Kysely's Migrator
   * otherwise takes a table of that name in any schema for its own (two unprefixed trackers in two
   * PostgreSQL schemas of one database).
   */
  migrationSchema?(db: Kysely<any>): Promise<string | undefined>;
  /** Runs the migrator so that several processes starting at once take turns. */
  migrate(db: Kysely<any>, run: (db: Kysely<any>) => Promise<void>): Promise<void>;
  /**
   * A visit's owner (share-locked) and the user's visitor row, inserted when absent, in one round
   * trip: `owner: null` for an unknown code, `visitor: null` when the row a concurrent first visit
   * committed is not visible to this statement (the caller reads it then).
   */
  claimVisit?(
    trx: Kysely<any>,
    t: TableNames,
    v: { promocode: string; userId: number; at: number; arrivedNew: boolean },
  ): Promise<{ owner: number | null; visitor: VisitorFacts | null }>;
  /**
   * A later visit (the user has a visitor row) without eventId as one statement: the track with the
   * outcome its user's state selects, or `null` (nothing written) when the statement cannot decide.
   */
  laterVisit?(
    db: Kysely<any>,
    t: TableNames,
    p: LaterVisitParams,
  ): Promise<{ id: number; referrer: number; outcome: string } | null>;
}
