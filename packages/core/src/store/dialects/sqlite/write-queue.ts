import { nextTick } from 'node:process';
import { setImmediate as afterThisTurn } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Shortcut } from '../dialect.js';

// SQLite's group commit: calls that arrive together, or while a transaction runs, share the next
// BEGIN IMMEDIATE … COMMIT, each in its own SAVEPOINT, so one failing call fails alone. When a
// call finds nothing queued it starts at once (on a microtask, so calls made in the same tick still
// join), unless writes already ran in this turn of the event loop from other callbacks (a server's
// requests): then it waits for the turn's end, so the requests of one turn share one COMMIT.
// Why and how: README ("SQLite writes").

interface Job {
  work: (trx: Kysely<any>) => Promise<unknown>;
  shortcut: Shortcut<unknown> | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** When the call was made (performance's clock): its wait for the lock counts from then. */
  queuedAt: number;
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

/**
 * Per database: `chained` while the microtasks that follow a finished group run (a caller awaiting
 * one write and making the next); `busyTurn` until this turn of the event loop ends once a group
 * has run in it. node:process / node:timers' own functions, which a host's fake timers do not replace.
 */
const recent = new WeakMap<Kysely<any>, { chained: boolean; busyTurn: boolean }>();

function markFinished(db: Kysely<any>): void {
  let state = recent.get(db);
  if (!state) recent.set(db, (state = { chained: false, busyTurn: false }));
  if (!state.chained) nextTick(() => (state.chained = false));
  if (!state.busyTurn) afterThisTurn(() => (state.busyTurn = false));
  state.chained = true;
  state.busyTurn = true;
}

export function inSqliteGroup<T>(db: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>, shortcut?: Shortcut<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const job: Job = {
      work,
      shortcut,
      resolve: (value) => (markFinished(db), resolve(value as T)),
      reject: (error) => (markFinished(db), reject(error)),
      queuedAt: performance.now(),
    };
    const queue = waiting.get(db);
    if (queue) {
      queue.push(job);
      return;
    }
    const fresh = [job];
    waiting.set(db, fresh);
    const state = recent.get(db);
    if (state?.busyTurn && !state.chained) afterThisTurn(() => void drain(db, fresh));
    else void Promise.resolve().then(() => drain(db, fresh));
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
  // The deadline is the earliest call's: time spent queued behind a group that waited counts too.
  const deadline = Math.min(...group.map((job) => job.queuedAt)) + BUSY_DEADLINE_MS;
  if (lone?.shortcut) {
    // Its own statement: the queue runs one group at a time, so no transaction is open now.
    const done = await whileBusy(
      () => lone.shortcut!(db),
      () => true,
      deadline,
    ).then(
      (value) => value !== null && (lone.resolve(value), true),
      (error: unknown) => (lone.reject(error), true),
    );
    if (done) return;
  }
  const outcomes: Outcome[] = [];
  let begun = false;
  try {
    // Only a BEGIN that met another process's write lock is tried again: nothing was written.
    await whileBusy(
      () =>
        db.connection().execute(async (conn) => {
          await conn.executeQuery(BEGIN);
          begun = true;
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
        }),
      () => !begun,
      deadline,
    );
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

/** How long a write waits for another process's write lock, from the call on, before it fails (503). */
const BUSY_DEADLINE_MS = 5000;

/**
 * Runs `attempt` again while another process holds SQLite's write lock, waiting without blocking
 * the event loop (the host's busy timeout, kept short, would block it): reads and health checks
 * go on meanwhile, until `deadline`. The clock is performance's: a host's fake Date must not stop it.
 */
async function whileBusy<T>(attempt: () => Promise<T>, retryable: () => boolean, deadline: number): Promise<T> {
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      return await attempt();
    } catch (error) {
      const left = deadline - performance.now();
      if (!isBusy(error) || !retryable() || left <= 0) throw error;
      await sleep(Math.min(wait, left));
    }
  }
}

const isBusy = (error: unknown) => /^SQLITE_BUSY/.test(String((error as { code?: unknown } | null)?.code ?? ''));

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
