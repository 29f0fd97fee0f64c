/**
 * Races between whole processes, as in production where several instances of a host start and
 * serve at once: each child process opens its own pool and runs the BUILT core (bundled once
 * here with tsup, as `npm run build` would, into a private directory so that parallel builds of
 * `dist` cannot interfere).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Conversion, createTracker, type Promo, type RecordConversionInput, type Track, type Tracker } from '@promo-track/core';
import { dropTables, MYSQL_URL, mysqlDb, PG_URL, PGBOUNCER_URL, pgDb, uniquePrefix } from '../../../test/support/databases.js';
import { useBuiltCore } from './built-core.js';
import { startTogether } from './race-processes.js';
import { countRows, listTables, MIGRATIONS, OWN_TABLES, SALT } from './support.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const WORKER = here('./workers/tracker-worker.mjs');
const PROCESSES = 5;

const builtCore = useBuiltCore();

interface Job {
  migrate?: boolean;
  promos?: { count: number; keys: { userId: number; promoType?: number; appid?: string }[] };
  tracks?: { count: number; input: { userId: number; scene: number; eventId: string } };
  conversions?: { count: number; byOrder: RecordConversionInput; once: RecordConversionInput };
}
interface Answer {
  promos?: Promo[][];
  tracks?: Track[];
  conversions?: Conversion[];
  onceConversions?: Conversion[];
  error?: unknown;
}

interface Target {
  name: 'sqlite-file' | 'postgres' | 'postgres through pgbouncer' | 'mysql';
  dialect: 'sqlite' | 'postgres' | 'mysql';
  /** The variable whose URL enables it. */
  env: string;
  enabled: boolean;
  /** A fresh, empty place: a new SQLite file, or a new prefix on a shared server. */
  open(): Promise<{ url: string; db: Kysely<any>; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'sqlite-file',
    dialect: 'sqlite',
    env: '',
    enabled: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'promo-track-'));
      const url = join(dir, 'race.db');
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(url, { timeout: 20_000 }) }) });
      return {
        url,
        db,
        async close() {
          await db.destroy();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  { name: 'postgres', dialect: 'postgres', env: 'PROMO_TRACK_PG_URL', enabled: !!PG_URL, open: async () => server(PG_URL!, pgDb()) },
  // Every process, and the checks after, through pgbouncer in transaction pooling: no migration lock
  // may outlive its transaction, or the next migrate() waits for it forever. (Postgres.js is not
  // raced here: these races are about the database's locks, not the driver.)
  {
    name: 'postgres through pgbouncer',
    dialect: 'postgres',
    env: 'PROMO_TRACK_PGBOUNCER_URL',
    enabled: !!PGBOUNCER_URL,
    open: async () => server(PGBOUNCER_URL!, pgDb(PGBOUNCER_URL)),
  },
  { name: 'mysql', dialect: 'mysql', env: 'PROMO_TRACK_MYSQL_URL', enabled: !!MYSQL_URL, open: async () => server(MYSQL_URL!, mysqlDb()) },
];

async function server(url: string, db: Kysely<any>) {
  return { url, db, close: async () => db.destroy() };
}

/** Runs one job per process, all starting at the same moment; answers what each printed. */
async function race(target: Target, url: string, prefix: string, jobs: Job[]): Promise<Answer[]> {
  const { dialect } = target;
  return startTogether<Answer>(
    WORKER,
    jobs.map((job) => ({ ...job, core: builtCore.url(), dialect, url, prefix, salt: SALT })),
  );
}

const KEY_A = { userId: 42 };
const KEY_B = { userId: 2_147_483_647, promoType: 3, appid: 'wx0123456789abcdef' };

describe.each(targets)('$name, from several processes at once', (target) => {
  describe.skipIf(!target.enabled)(target.enabled ? 'conformance' : `skipped: ${target.env} is not set`, () => {
    let db: Kysely<any>;
    let prefix: string;
    let close: () => Promise<void>;
    let answers: Answer[];

    // One race per database (processes are costly to start): PROCESSES fresh processes each run
    // the first migrate() on an empty database, then 200/PROCESSES getOrCreatePromo calls for
    // each of two keys, then 50/PROCESSES recordTrack calls that all carry one eventId, then
    // 50/PROCESSES recordConversion calls for one (type, orderId) and as many for one (userId, type).
    beforeAll(async () => {
      const opened = await target.open();
      ({ db, close } = opened);
      prefix = target.name === 'sqlite-file' ? '' : uniquePrefix();
      const job: Job = {
        migrate: true,
        promos: { count: 200 / PROCESSES, keys: [KEY_A, KEY_B] },
        tracks: { count: 50 / PROCESSES, input: { userId: 2, scene: 1047, eventId: 'launch-2' } },
        conversions: {
          count: 50 / PROCESSES,
          byOrder: { userId: 2, type: 'first_order', orderId: 'order-2', amount: 990 },
          once: { userId: 2, type: 'phone_verified' },
        },
      };
      answers = await race(
        target,
        opened.url,
        prefix,
        Array.from({ length: PROCESSES }, () => job),
      );
    }, 120_000);
    afterAll(async () => {
      if (target.name !== 'sqlite-file') await dropTables(db, prefix).catch(() => undefined);
      await close?.();
    });

    const tracker = (): Tracker => createTracker({ db, salt: SALT, tablePrefix: prefix });

    it(`a first migrate() raced by ${PROCESSES} processes: every one succeeds and the schema is whole`, async () => {
      expect(answers.map((a) => a.error)).toEqual(answers.map(() => undefined));
      const own = await listTables(db, target.dialect, prefix);
      expect(own).toEqual(OWN_TABLES.map((t) => prefix + t).sort());
      const done = await sql<{ name: string }>`select name from ${sql.table(`${prefix}promo_track_migration`)}`.execute(db);
      expect(done.rows.map((r) => r.name)).toEqual(MIGRATIONS);
      // And more, at once over the pool's connections, change nothing and do not wait on a lock
      // left behind (as Kysely's session lock is behind pgbouncer: they would hang until the timeout).
      await Promise.all(Array.from({ length: 4 }, () => tracker().migrate()));
      await tracker().migrate();
      expect((await db.selectFrom(`${prefix}promo_track_migration`).selectAll().execute()).length).toBe(MIGRATIONS.length);
    }, 20_000);

    it(`200 getOrCreatePromo calls for one key over ${PROCESSES} processes: one row, every caller gets the same promo`, async () => {
      const promos = answers.flatMap((a) => a.promos![0]);
      expect(promos).toHaveLength(200);
      const [first] = promos;
      expect(first).toMatchObject({ userId: 42, promoType: 1, appid: null });
      expect(new Set(promos.map((p) => `${p.id}:${p.promocode}`))).toEqual(new Set([`${first.id}:${first.promocode}`]));
      const rows = await db.selectFrom(`${prefix}promo`).selectAll().where('user_id', '=', 42).execute();
      expect(rows).toHaveLength(1);
      expect((await tracker().findPromo(first.promocode))?.id).toBe(first.id);
    });

    it('the same for a key with an appid and the largest ids: one row', async () => {
      const promos = answers.flatMap((a) => a.promos![1]);
      expect(promos).toHaveLength(200);
      expect(new Set(promos.map((p) => `${p.id}:${p.promocode}:${p.appid}:${p.promoType}`)).size).toBe(1);
      expect((await countRows(db, prefix)).promo).toBe(2);
    });

    it(`50 recordTrack calls with one eventId over ${PROCESSES} processes: one row, every caller gets it`, async () => {
      const tracks = answers.flatMap((a) => a.tracks!);
      expect(tracks).toHaveLength(50);
      expect(new Set(tracks.map((t) => t.id)).size).toBe(1);
      expect(tracks[0]).toMatchObject({ userId: 2, scene: '1047', trackType: 1, referrerId: 42 });
      expect(await countRows(db, prefix)).toMatchObject({ track: 1, visitor: 1, referral: 1, decision: 1 });
      expect((await tracker().getReferrer(2))?.referrerId).toBe(42);
    });

    for (const [kind, key, pick] of [
      ['one (type, orderId)', { type: 'first_order', order_id: 'order-2' }, (a: Answer) => a.conversions!],
      ['one (userId, type) without an order id', { type: 'phone_verified', order_id: null }, (a: Answer) => a.onceConversions!],
    ] as const) {
      it(`50 recordConversion calls for ${kind} over ${PROCESSES} processes: one row, every caller gets the same record`, async () => {
        const records = answers.flatMap(pick);
        expect(records).toHaveLength(50);
        expect(new Set(records.map((c) => JSON.stringify(c)))).toEqual(new Set([JSON.stringify(records[0])]));
        // Credited to the referrer the race's visits bound user 2 to.
        expect(records[0]).toMatchObject({ userId: 2, type: key.type, orderId: key.order_id, referrerId: 42, refundedAmount: 0 });
        const rows = await db.selectFrom(`${prefix}conversion`).selectAll().where('type', '=', key.type).execute();
        expect(rows.map((r) => Number(r.id))).toEqual([records[0]!.id]);
      });
    }
  });
});
