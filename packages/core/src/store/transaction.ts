import { setImmediate as afterThisTurn } from 'node:timers';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Runs `work` in one transaction, again (up to 4 attempts) when the database rolled it back for a
 * deadlock or a serialization conflict. SQLite uses BEGIN IMMEDIATE: a deferred transaction that reads
 * before it writes fails with SQLITE_BUSY when another process wrote in between, instead of
 * waiting its turn.
 *
 * PostgreSQL transactions are pinned to READ COMMITTED, whatever the host's
 * `default_transaction_isolation`: the binding lock (store/attribution.ts) and `forgetUser`
 * (store/privacy.ts) rely on each statement seeing what was committed before it started. Under
 * REPEATABLE READ the whole transaction reads the snapshot of its first statement, so a cycle
 * check that waited for a concurrent binding would not see it, and both bindings would commit.
 * MySQL needs no pin: the reads those rely on there are locking reads, which see the latest
 * committed rows at any isolation level.
 */
export async function transaction<T>(
  db: Kysely<any>,
  d: Dialect,
  work: (trx: Kysely<any>) => Promise<T>,
  shortcut?: Shortcut<T>,
): Promise<T> {
  if (d.name === 'sqlite') return inSqliteGroup(db, work, shortcut);
  if (shortcut) {
    const done = await shortcut(db);
    if (done !== null) return done;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(db, d, work);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

const MAX_ATTEMPTS = 4;

/**
 * A single statement (atomic on its own) that does the whole work in the common case, run before
 * any transaction; `null` means it wrote nothing and the transaction is needed after all.
 */
export type Shortcut<T> = (db: Kysely<any>) => Promise<T | null>;

/**
 * Errors after which the database has rolled the whole transaction back and asks for it to be
 * run again: a deadlock (MySQL 1213, PostgreSQL 40P01), a serialization failure (PostgreSQL
 * 40001), and MariaDB's "record has changed since last read" (1020), which its
 * `innodb_snapshot_isolation` (on by default since 11.6) raises when a locking read meets a row
 * committed after the transaction's snapshot (e.g. the cycle check meeting a concurrent binding).
 * Nothing of the failed attempt was written, so running `work` again is safe.
 */
export function isRetryable(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  return code === '40001' || code === '40P01' || errno === 1213 || errno === 1020 || code === 'ER_LOCK_DEADLOCK' || code === 'ER_CHECKREAD';
}

function once<T>(db: Kysely<any>, d: Dialect, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  if (d.name === 'postgres') return db.transaction().setIsolationLevel('read committed').execute(work);
  return db.transaction().execute(work);
}

// ---- SQLite: group commit ---------------------------------------------------------------------
//
// SQLite runs one write transaction at a time, and with WAL most of a small transaction's cost is
// its COMMIT (writing the changed pages). Calls that arrive in the same turn of the event loop, or
// while a transaction runs (they would wait for it anyway), run together in the next transaction,
// each inside its own SAVEPOINT: a call that fails rolls back to its savepoint and fails alone, and
// every call answers only once the COMMIT that holds its writes has succeeded. A lone call runs
// without savepoint, and a lone call's shortcut statement without BEGIN and COMMIT (SQLite wraps a
// single statement in its own transaction, taking the write lock before it reads).

interface Job {
  work: (trx: Kysely<any>) => Promise<unknown>;
  shortcut: Shortcut<unknown> | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const BEGIN = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');
const SAVEPOINT = CompiledQuery.raw('savepoint promo_track_call');
const RELEASE = CompiledQuery.raw('release promo_track_call');
const ROLLBACK_TO = CompiledQuery.raw('rollback to promo_track_call');
/** Calls per transaction at most, so that no single COMMIT holds the write lock for long. */
const MAX_GROUP = 64;

const waiting = new WeakMap<Kysely<any>, Job[]>();

function inSqliteGroup<T>(db: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>, shortcut?: Shortcut<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const job: Job = { work, shortcut, resolve: resolve as (value: unknown) => void, reject };
    const queue = waiting.get(db);
    if (queue) {
      queue.push(job);
      return;
    }
    const fresh = [job];
    waiting.set(db, fresh);
    // Not at once: a server receives its concurrent requests over one turn of the event loop,
    // and started here the first would run alone, and so would every other. Waiting for the end
    // of this turn lets the calls that arrive in it share one COMMIT (under 50 connections,
    // 1.5x the requests per second); a caller that awaits each call in turn pays one turn.
    // node:timers' own function: a host's test that fakes the global timers must not stall writes.
    afterThisTurn(() => void drain(db, fresh));
  });
}

async function drain(db: Kysely<any>, queue: Job[]): Promise<void> {
  try {
    while (queue.length > 0) await runGroup(db, queue.splice(0, MAX_GROUP));
  } finally {
    waiting.delete(db);
    for (const job of queue.splice(0)) job.reject(new Error('promo-track: the SQLite write queue stopped'));
  }
}

async function runGroup(db: Kysely<any>, group: Job[]): Promise<void> {
  const lone = group.length === 1 ? group[0] : undefined;
  if (lone?.shortcut) {
    // Its own statement: the queue runs one group at a time, so no transaction is open now.
    const done = await lone.shortcut(db).then(
      (value) => value !== null && (lone.resolve(value), true),
      (error: unknown) => (lone.reject(error), true),
    );
    if (done) return;
  }
  const outcomes: Outcome[] = [];
  try {
    await db.connection().execute(async (conn) => {
      await conn.executeQuery(BEGIN);
      try {
        if (lone) {
          outcomes.push({ ok: true, value: await lone.work(conn) });
        } else {
          // A shortcut's error fails the group: one statement fails alone only on a constraint,
          // which these inputs (checked beforehand) cannot break, so it is the disk or the
          // database, and SQLite may have rolled the whole transaction back.
          for (const job of group) {
            const value = job.shortcut ? await job.shortcut(conn) : null;
            outcomes.push(value === null ? await inSavepoint(conn, job) : { ok: true, value });
          }
        }
        await conn.executeQuery(COMMIT);
      } catch (error) {
        await conn.executeQuery(ROLLBACK).catch(() => undefined);
        throw error;
      }
    });
  } catch (error) {
    // The transaction as a whole failed, and nothing of it was written.
    for (const job of group) job.reject(error);
    return;
  }
  group.forEach((job, i) => {
    const outcome = outcomes[i];
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.error);
  });
}

async function inSavepoint(conn: Kysely<any>, job: Job): Promise<Outcome> {
  await conn.executeQuery(SAVEPOINT);
  try {
    const value = await job.work(conn);
    await conn.executeQuery(RELEASE);
    return { ok: true, value };
  } catch (error) {
    try {
      await conn.executeQuery(ROLLBACK_TO);
      await conn.executeQuery(RELEASE);
    } catch {
      // SQLite already rolled the whole transaction back (a full disk, an I/O error): the group
      // fails as one, with the error that caused it.
      throw error;
    }
    return { ok: false, error };
  }
}
