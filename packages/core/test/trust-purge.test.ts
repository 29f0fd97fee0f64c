import Database from 'better-sqlite3';
import { Kysely, type LogEvent, SqliteDialect, sql } from 'kysely';
import { afterEach, expect, it, vi } from 'vitest';
import { createTracker, type Tracker } from '@promo-track/core';
import { dropTables, SALT, uniquePrefix } from '../../../test/support/databases.js';
import { DAY, eachDatabase, freezeTime, type TestDatabase, volume } from './support.js';
import { recordFigures } from './trust-figures.js';

const OLD = Date.parse('2025-01-01T00:00:00.000Z');
const SEEDED_SHARES = 5_000;
const BATCH = 1000;

interface PurgeWorld {
  /** The tracker that purges, over a database whose every statement is logged while `capture`. */
  purger: Tracker;
  /** Another tracker on the same tables: a host that keeps writing during the purge. */
  writer: Tracker;
  writerDb: Kysely<any>;
  prefix: string;
  statements: string[];
  capture(on: boolean): void;
  close(): Promise<void>;
}

/**
 * On PostgreSQL and MySQL the writer has a pool of its own, so the log holds the purge's
 * statements only. SQLite has one connection (Kysely queues its users), so the writer shares it
 * and its transactions appear in the log too, each between its BEGIN and COMMIT.
 */
async function openWorld(database: TestDatabase): Promise<PurgeWorld> {
  const statements: string[] = [];
  let capturing = false;
  const log = (event: LogEvent) => {
    if (capturing) statements.push(event.query.sql);
  };
  let db: Kysely<any>;
  let writerDb: Kysely<any>;
  if (database.name === 'sqlite') {
    db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }), log });
    writerDb = db;
  } else {
    db = database.connect!({ max: 4, log });
    writerDb = database.connect!();
  }
  const prefix = database.name === 'sqlite' ? '' : uniquePrefix();
  const purger = createTracker({ db, salt: SALT, tablePrefix: prefix });
  await purger.migrate();
  return {
    purger,
    writer: createTracker({ db: writerDb, salt: SALT, tablePrefix: prefix }),
    writerDb,
    prefix,
    statements,
    capture: (on) => void (capturing = on),
    async close() {
      if (database.name !== 'sqlite') {
        await dropTables(writerDb, prefix).catch(() => undefined);
        await writerDb.destroy();
      }
      await db.destroy();
    },
  };
}

/**
 * Seeds `count` rows fast: multi-row INSERTs of 2,000 rows (16,000 parameters, within every
 * dialect's limit); on PostgreSQL, where binding that many parameters is the slow part, one
 * INSERT … SELECT FROM unnest(arrays) per 20,000 rows.
 */
async function seed(
  db: Kysely<any>,
  dialect: TestDatabase['name'],
  table: string,
  count: number,
  row: (i: number) => Record<string, unknown>,
) {
  await db.transaction().execute(async (trx) => {
    const chunk = dialect === 'postgres' ? 20_000 : 2000;
    for (let start = 0; start < count; start += chunk) {
      const rows = Array.from({ length: Math.min(chunk, count - start) }, (_, k) => row(start + k));
      if (dialect !== 'postgres') {
        await trx.insertInto(table).values(rows).execute();
        continue;
      }
      const columns = Object.keys(rows[0]!);
      const arrays = columns.map((c) => {
        const values = rows.map((r) => r[c]);
        const type = typeof values.find((v) => v !== null) === 'number' ? 'bigint[]' : 'text[]';
        return sql`${values}::${sql.raw(type)}`;
      });
      await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})`.execute(
        trx,
      );
    }
  });
}

interface TransactionView {
  deletes: number;
  /** The most purge DELETEs that ran inside one explicit transaction. */
  mostDeletesInOneTransaction: number;
  /** Purge DELETEs that ran inside an explicit transaction at all. */
  /** The most rows one DELETE could remove (its id list). */
  largestBatch: number;
}

/** Reads the statement log as a sequence of transactions. */
function transactions(statements: string[], tables: string[]): TransactionView {
  const view: TransactionView = { deletes: 0, mostDeletesInOneTransaction: 0, largestBatch: 0 };
  let open = false;
  let inThis = 0;
  for (const statement of statements) {
    const s = statement.trim().toLowerCase();
    if (/^(begin|start transaction)/.test(s)) {
      open = true;
      inThis = 0;
    } else if (/^(commit|rollback)/.test(s)) {
      open = false;
    } else if (tables.some((t) => s.startsWith(`delete from "${t}"`) || s.startsWith(`delete from \`${t}\``))) {
      view.deletes++;
      if (open) {
        inThis++;
        view.mostDeletesInOneTransaction = Math.max(view.mostDeletesInOneTransaction, inThis);
      }
      const list = /\bin \(([^)]*)\)/.exec(s)?.[1] ?? '';
      view.largestBatch = Math.max(view.largestBatch, list.split(',').length);
    }
  }
  return view;
}

eachDatabase((database) => {
  const SEEDED_TRACKS = volume(database, 100_000, 10_000);
  let world: PurgeWorld | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await world?.close();
    world = undefined;
  });

  it(`purge on ${SEEDED_TRACKS.toLocaleString('en')} old tracks keeps every binding and decision, one short batch at a time`, async () => {
    world = await openWorld(database);
    const { purger, writer, writerDb, prefix } = world;

    // A year ago: 5 promoters, 40 users bound through the API (tracks, bindings, decisions), shares.
    freezeTime(OLD - DAY);
    const promoters = await Promise.all([1, 2, 3, 4, 5].map((userId) => writer.getOrCreatePromo({ userId })));
    for (let u = 0; u < 40; u++) {
      const p = promoters[u % 5]!;
      await writer.recordTrack({ userId: 100 + u, promocode: p.promocode, scene: '1047' });
      await writer.recordTrack({ userId: 100 + u, promocode: promoters[(u + 1) % 5]!.promocode, scene: '1089' });
    }
    for (let s = 0; s < 10; s++) await writer.recordShare({ userId: 100 + s, promocode: promoters[0]!.promocode });
    vi.useRealTimers();

    const seedStarted = performance.now();
    await seed(writerDb, database.name, prefix + 'track', SEEDED_TRACKS, (i) => {
      const p = promoters[i % 5]!;
      return {
        track_type: 2,
        scene: '1047',
        detail: null,
        user_id: 1_000_000 + i,
        promocode: p.promocode,
        referrer: p.userId,
        event_id: null,
        created_at: OLD + i,
      };
    });
    await seed(writerDb, database.name, prefix + 'share', SEEDED_SHARES, (i) => ({
      share_type: i % 3,
      page: null,
      user_id: 1_000_000 + i,
      promocode: promoters[i % 5]!.promocode,
      event_id: null,
      created_at: OLD + i,
    }));
    const seedMs = Math.round(performance.now() - seedStarted);

    // Recent activity, which the purge must not touch.
    for (let u = 0; u < 10; u++) await writer.recordTrack({ userId: 500 + u, promocode: promoters[u % 5]!.promocode, scene: '1047' });
    await writer.recordShare({ userId: 500, promocode: promoters[1]!.promocode });

    const everything = async (table: string) =>
      (
        await writerDb
          .selectFrom(prefix + table)
          .selectAll()
          .execute()
      ).map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, String(v)])));
    const bindingsBefore = await everything('referral');
    const visitors = [...Array.from({ length: 40 }, (_, u) => 100 + u), ...Array.from({ length: 10 }, (_, u) => 500 + u)];
    const explainAll = () => Promise.all(visitors.map((u) => writer.explainReferral(u)));
    expect(bindingsBefore).toHaveLength(50);
    const explainedBefore = await explainAll();
    expect(explainedBefore.flatMap((e) => e.decisions)).toHaveLength(90);
    const seeded = await writerDb
      .selectFrom(prefix + 'track')
      .select((eb) => [eb.fn.min('id').as('lo'), eb.fn.max('id').as('hi')])
      .where('created_at', '<', OLD)
      .executeTakeFirstOrThrow();
    const [lo, hi] = [Number(seeded.lo), Number(seeded.hi)];

    // A host that keeps writing during the purge: new visits (with bindings) and updates of old
    // tracks, some already purged, some not yet. If a transaction spanned batches, an update of
    // a row deleted by an earlier batch would wait for the end of the whole purge (and on
    // SQLite, whose one connection such a transaction would hold, every write would).
    let purging = true;
    const latencies: number[] = [];
    const writerErrors: unknown[] = [];
    const writing = (async () => {
      for (let n = 0; purging; n++) {
        const started = performance.now();
        try {
          await Promise.all([
            writer.recordTrack({ userId: 2_000_000 + n, promocode: promoters[n % 5]!.promocode, scene: '1047' }),
            writerDb
              .updateTable(prefix + 'track')
              .set({ detail: 'touched' })
              .where('id', '=', lo + Math.floor(Math.random() * (hi - lo)))
              .execute(),
          ]);
        } catch (error) {
          writerErrors.push(error);
        }
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const cutoff = new Date(Date.now() - DAY);
    world.capture(true);
    const purgeStarted = performance.now();
    const purged = await purger.purge({ before: cutoff });
    const purgeMs = Math.round(performance.now() - purgeStarted);
    world.capture(false);
    purging = false;
    await writing;

    expect(purged).toEqual({ tracks: SEEDED_TRACKS + 80, shares: SEEDED_SHARES + 10 });
    const remaining = async (table: string, old: boolean) =>
      Number(
        (
          await writerDb
            .selectFrom(prefix + table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('created_at', old ? '<' : '>=', cutoff.getTime())
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await remaining('track', true)).toBe(0);
    expect(await remaining('share', true)).toBe(0);
    expect(await remaining('track', false)).toBe(10 + latencies.length);
    expect(await remaining('share', false)).toBe(1);

    // Every binding and every decision is still there, as it was.
    expect(await everything('referral')).toEqual(expect.arrayContaining(bindingsBefore));
    expect(await explainAll()).toEqual(explainedBefore);
    expect(explainedBefore[0]!.referral).toMatchObject({ userId: 100, referrerId: 1 });
    expect(explainedBefore[0]!.decisions.map((d) => d.outcome)).toEqual(['bound', 'kept']);
    // A purged track's decision keeps its visit's scene.
    expect(explainedBefore[0]!.decisions.map((d) => d.scene)).toEqual(['1047', '1089']);

    // No transaction held more than one batch: each DELETE ran alone, or (tracks) in one short
    // transaction with the insert that keeps its decisions.
    const view = transactions(world.statements, [prefix + 'track', prefix + 'share']);
    expect(view.deletes).toBeGreaterThanOrEqual(Math.ceil(SEEDED_TRACKS / BATCH) + Math.ceil(SEEDED_SHARES / BATCH));
    expect(view.mostDeletesInOneTransaction).toBeLessThanOrEqual(1);
    expect(view.largestBatch).toBeLessThanOrEqual(BATCH);

    // … and the writer was never held up for more than a moment.
    const maxLatency = Math.round(Math.max(...latencies));
    const figures = {
      dialect: database.name,
      seeded: SEEDED_TRACKS,
      seedMs,
      purgeMs,
      deletes: view.deletes,
      largestBatch: view.largestBatch,
      writes: latencies.length,
      writerErrors: writerErrors.length,
      maxWriteMs: maxLatency,
      medianWriteMs: Math.round(latencies.sort((a, b) => a - b)[Math.floor(latencies.length / 2)] ?? 0),
    };
    recordFigures('writer during purge', figures);
    expect(writerErrors).toEqual([]);
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(maxLatency).toBeLessThan(Math.max(500, purgeMs / 4));
  }, 180_000);
});
