/**
 * Races of whole processes for the rewards ledger: each child (workers/rewards-worker.mjs) opens
 * its own pool over the BUILT core, waits until every child is ready, then starts all its calls at
 * once. One SQLite file, or one fresh prefix on each shared server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { dropTables, MYSQL_URL, mysqlDb, PG_URL, pgDb, uniquePrefix } from '../../../test/support/databases.js';
import { startTogether } from './race-processes.js';
import { SALT } from './support.js';

const WORKER = fileURLToPath(new URL('./workers/rewards-worker.mjs', import.meta.url));

export interface RaceTarget {
  name: 'sqlite-file' | 'postgres' | 'mysql';
  dialect: 'sqlite' | 'postgres' | 'mysql';
  enabled: boolean;
  open(): Promise<{ url: string; db: Kysely<any>; prefix: string; close(): Promise<void> }>;
}

const server = (name: 'postgres' | 'mysql', url: string | undefined, make: () => Kysely<any>): RaceTarget => ({
  name,
  dialect: name,
  enabled: !!url,
  async open() {
    const db = make();
    const prefix = uniquePrefix();
    return { url: url!, db, prefix, close: async () => (await dropTables(db, prefix).catch(() => undefined), await db.destroy()) };
  },
});

export const raceTargets: RaceTarget[] = [
  {
    name: 'sqlite-file',
    dialect: 'sqlite',
    enabled: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'promo-track-rewards-'));
      const url = join(dir, 'race.db');
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(url, { timeout: 20_000 }) }) });
      return { url, db, prefix: '', close: async () => (await db.destroy(), rmSync(dir, { recursive: true, force: true })) };
    },
  },
  // PostgreSQL through pg only: these races are about the database's locks, not the driver, and each
  // costs processes; Postgres.js and pgbouncer run the in-process conformance suite instead.
  server('postgres', PG_URL, () => pgDb()),
  server('mysql', MYSQL_URL, () => mysqlDb()),
];

export type Call = { method: string; args: unknown[] };
export type Answer = { ok: true; value: any } | { ok: false; code: string; message?: string };

/** Runs each process's calls, all processes starting at the same moment; answers every call's result, process by process. */
export async function race(
  target: RaceTarget,
  at: { url: string; prefix: string },
  core: string,
  options: object,
  perProcess: Call[][],
): Promise<Answer[][]> {
  const jobs = perProcess.map((calls) => ({ core, dialect: target.dialect, url: at.url, prefix: at.prefix, salt: SALT, options, calls }));
  return startTogether<Answer[]>(WORKER, jobs);
}

/** `n` items dealt round-robin to `processes` lists. */
export const deal = <T>(items: T[], processes: number): T[][] =>
  Array.from({ length: processes }, (_, p) => items.filter((_, i) => i % processes === p));
