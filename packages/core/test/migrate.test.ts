import Database from 'better-sqlite3';
import { Kysely, type Migration, type MigrationResultSet, Migrator, MysqlDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { createTracker } from '@promo-track/core';
import { dropTables, droppedMeanwhile, MYSQL_URL, uniquePrefix } from '../../../test/support/databases.js';
import { eachDatabase, listColumns, listTables, MIGRATIONS, OWN_TABLES, SALT, type TestDatabase, useTracker } from './support.js';

/**
 * A whole namespace of its own (a PostgreSQL schema, a MySQL database, a `:memory:` SQLite) so
 * that the tracker can run with the default, empty `tablePrefix` beside a host that uses Kysely's
 * default migration tables.
 */
async function openNamespace(database: TestDatabase): Promise<{ db: Kysely<any>; tables(): Promise<string[]>; close(): Promise<void> }> {
  const name = uniquePrefix() + 'host';
  const tables = (db: Kysely<any>) => () => listTables(db, database.name);
  if (database.name === 'sqlite') {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    return { db, tables: tables(db), close: () => db.destroy() };
  }
  if (database.name === 'postgres') {
    const admin = database.connect!({ max: 1 });
    await sql.raw(`create schema ${name}`).execute(admin);
    const db = database.connect!({ max: 4, settings: { search_path: name } });
    return {
      db,
      tables: tables(db),
      async close() {
        await db.destroy();
        await sql.raw(`drop schema ${name} cascade`).execute(admin);
        await admin.destroy();
      },
    };
  }
  const admin = createPool({ uri: MYSQL_URL!, connectionLimit: 1 }).promise();
  await admin.query(`create database ${name}`);
  const url = new URL(MYSQL_URL!);
  url.pathname = `/${name}`;
  const db = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri: url.toString(), connectionLimit: 4 }) }) });
  return {
    db,
    tables: tables(db),
    async close() {
      await db.destroy();
      await admin.query(`drop database ${name}`);
      await admin.end();
    },
  };
}

/**
 * The host's own Kysely Migrator, to the latest. Its first step lists every table of the server
 * (Kysely's introspection), which fails with "… does not exist" when another test file drops a table
 * or schema at that moment: try again, as `dropTables` does. Any other error is the answer.
 */
async function migrateHost(migrator: Migrator): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt++) {
    const result = await migrator.migrateToLatest();
    if (!result.error || attempt >= 10 || !droppedMeanwhile(result.error)) return result;
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
  }
}

const hostMigrations = (names: string[]): Record<string, Migration> =>
  Object.fromEntries(
    names.map((name) => [
      name,
      {
        up: (db: Kysely<any>) =>
          db.schema
            .createTable(`host_${name}`)
            .addColumn('id', 'integer', (c) => c.primaryKey())
            .execute(),
      },
    ]),
  );

eachDatabase((database) => {
  const f = useTracker(database);
  // A schema of its own needs the session's search_path, which pgbouncer's transaction pooling does
  // not pass on (a host behind it sets search_path on the role); the host's own Kysely Migrator
  // takes a session lock there besides.
  const inNamespace = it.skipIf(database.name === 'postgres' && !database.sessionSettings);

  it('creates every table, with the seed column names, and records its migrations in its own prefixed table', async () => {
    const own = (await listTables(f.db, database.name, f.prefix)).filter((n) => !n.startsWith(`${f.prefix}b_`));
    expect(own).toEqual(OWN_TABLES.map((t) => f.prefix + t).sort());
    expect(await listColumns(f.db, database.name, `${f.prefix}promo`)).toEqual([
      'appid',
      'created_at',
      'id',
      'page',
      'promo_type',
      'promocode',
      'user_id',
      'wxbcode',
    ]);
    expect(await listColumns(f.db, database.name, `${f.prefix}track`)).toEqual(
      ['created_at', 'detail', 'event_id', 'id', 'outcome', 'promocode', 'referrer', 'scene', 'track_type', 'user_id'].sort(),
    );
    expect(await listColumns(f.db, database.name, `${f.prefix}share`)).toEqual([
      'created_at',
      'event_id',
      'id',
      'page',
      'promocode',
      'share_type',
      'user_id',
    ]);
    const done = await f.db.selectFrom(`${f.prefix}promo_track_migration`).select('name').execute();
    expect(done.map((r) => r.name)).toEqual(MIGRATIONS);
  });

  it('is idempotent: later calls, from this and from new trackers, change nothing and keep the data', async () => {
    const promo = await f.tracker.getOrCreatePromo({ userId: 7 });
    await f.tracker.recordTrack({ userId: 8, promocode: promo.promocode, scene: 1047 });
    const before = await f.counts();
    await f.tracker.migrate();
    await f.tracker.migrate();
    const other = createTracker({ db: f.db, salt: SALT, tablePrefix: f.prefix });
    await Promise.all([other.migrate(), other.migrate(), f.tracker.migrate()]);
    expect(await f.counts()).toEqual(before);
    expect(await other.findPromo(promo.promocode)).toEqual(promo);
    const done = await f.db.selectFrom(`${f.prefix}promo_track_migration`).select('name').execute();
    expect(done).toHaveLength(MIGRATIONS.length);
  });

  it('keeps trackers with different prefixes apart on one database', async () => {
    const second = createTracker({ db: f.db, salt: SALT, tablePrefix: `${f.prefix}b_` });
    await second.migrate();
    await second.getOrCreatePromo({ userId: 1 });
    await second.getOrCreatePromo({ userId: 2 });
    await f.tracker.getOrCreatePromo({ userId: 1 });
    expect((await f.counts()).promo).toBe(1);
    const { n } = await f.db
      .selectFrom(`${f.prefix}b_promo`)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(2);
  });

  it('takes the longest tablePrefix (32 characters): every table, index and constraint name fits', async () => {
    const prefix = `${f.prefix}${'x'.repeat(32 - f.prefix.length - 1)}_`;
    expect(prefix).toHaveLength(32);
    const tracker = createTracker({ db: f.db, salt: SALT, tablePrefix: prefix });
    try {
      await tracker.migrate();
      await tracker.migrate();
      const promo = await tracker.getOrCreatePromo({ userId: 1 });
      await tracker.recordTrack({ userId: 2, promocode: promo.promocode, scene: 1047 });
      expect((await tracker.getReferrer(2))?.referrerId).toBe(1);
      expect(await listTables(f.db, database.name, prefix)).toEqual(OWN_TABLES.map((t) => prefix + t).sort());
    } finally {
      if (database.name !== 'sqlite') await dropTables(f.db, prefix);
    }
  });

  inNamespace('migrates an unprefixed tracker beside another one in another schema of the same database', async () => {
    const [a, b] = [await openNamespace(database), await openNamespace(database)];
    try {
      for (const ns of [a, b]) {
        const tracker = createTracker({ db: ns.db, salt: SALT });
        await tracker.migrate();
        await tracker.migrate();
        expect(await ns.tables()).toEqual(expect.arrayContaining(OWN_TABLES));
        expect((await tracker.getOrCreatePromo({ userId: 1 })).userId).toBe(1);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  inNamespace('leaves the host’s own Kysely migrations (default kysely_migration tables) untouched', async () => {
    const ns = await openNamespace(database);
    try {
      const host = new Migrator({ db: ns.db, provider: { getMigrations: async () => hostMigrations(['001_users']) } });
      expect((await migrateHost(host)).error).toBeUndefined();

      const tracker = createTracker({ db: ns.db, salt: SALT }); // the default, empty prefix
      await tracker.migrate();
      await tracker.migrate();

      const names = await ns.tables();
      expect(names).toEqual(expect.arrayContaining([...OWN_TABLES, 'kysely_migration', 'kysely_migration_lock', 'host_001_users']));
      const hostRows = await ns.db.selectFrom('kysely_migration').select('name').execute();
      expect(hostRows.map((r) => r.name)).toEqual(['001_users']);

      // The host keeps migrating as before: our migration is not in its way, nor its in ours.
      const later = new Migrator({ db: ns.db, provider: { getMigrations: async () => hostMigrations(['001_users', '002_orders']) } });
      const { error, results } = await migrateHost(later);
      expect(error).toBeUndefined();
      expect(results?.map((r) => r.migrationName)).toEqual(['002_orders']);
      await tracker.migrate();
      const promo = await tracker.getOrCreatePromo({ userId: 3 });
      expect(await tracker.findPromo(promo.promocode)).toEqual(promo);
    } finally {
      await ns.close();
    }
  });

  inNamespace('does not create Kysely’s default migration tables when the host has none', async () => {
    const ns = await openNamespace(database);
    try {
      await createTracker({ db: ns.db, salt: SALT }).migrate();
      const names = await ns.tables();
      expect(names).not.toContain('kysely_migration');
      expect(names).not.toContain('kysely_migration_lock');
      expect(names.sort()).toEqual([...OWN_TABLES].sort());
    } finally {
      await ns.close();
    }
  });

  describe('schema constraints, held by the database itself', () => {
    const table = (name: string) => sql.table(f.prefix + name);
    const promoRow = (userId: number, code: string, appid = '') =>
      sql`insert into ${table('promo')} (user_id, promo_type, appid, promocode, created_at) values (${userId}, 1, ${appid}, ${code}, 0)`.execute(
        f.db,
      );
    const trackRow = (userId: number, eventId: string | null) =>
      sql`insert into ${table('track')} (track_type, scene, user_id, promocode, event_id, created_at) values (1, '1047', ${userId}, 'Code1234', ${eventId}, 0)`.execute(
        f.db,
      );
    const shareRow = (userId: number | null, eventId: string | null) =>
      sql`insert into ${table('share')} (share_type, user_id, event_id, created_at) values (0, ${userId}, ${eventId}, 0)`.execute(f.db);
    const count = async (name: string, where = sql`1 = 1`) =>
      Number((await sql<{ n: number }>`select count(*) as n from ${table(name)} where ${where}`.execute(f.db)).rows[0].n);

    it('the database itself keeps one promo per (user_id, promo_type, appid), also for a missing appid', async () => {
      await promoRow(1, 'AAAAAAAA');
      await expect(promoRow(1, 'BBBBBBBB')).rejects.toThrow();
      await promoRow(1, 'CCCCCCCC', 'wx123');
      await expect(promoRow(1, 'DDDDDDDD', 'wx123')).rejects.toThrow();
      await promoRow(2, 'EEEEEEEE');
      expect(await count('promo')).toBe(3);
    });

    it('the database itself keeps appids case-sensitive in the promo key', async () => {
      await promoRow(1, 'AAAAAAAA', 'wxA');
      await promoRow(1, 'BBBBBBBB', 'wxa');
      expect(await count('promo', sql`appid = ${'wxa'}`)).toBe(1);
    });

    it('the database itself keeps promocodes unique and case-sensitive', async () => {
      await promoRow(1, 'AbCdEfGh');
      await expect(promoRow(2, 'AbCdEfGh')).rejects.toThrow();
      await promoRow(3, 'abcdefgh'); // differs only in case: a different code
      await promoRow(4, 'ABCDEFGH');
      expect(await count('promo')).toBe(3);
      expect(await count('promo', sql`promocode = ${'abcdefgh'}`)).toBe(1);
      const found = await sql<{ user_id: number }>`select user_id from ${table('promo')} where promocode = ${'ABCDEFGH'}`.execute(f.db);
      expect(found.rows.map((r) => Number(r.user_id))).toEqual([4]);
    });

    it('the database itself keeps (user_id, event_id) unique on tracks and shares, and allows many rows without one', async () => {
      await trackRow(1, 'evt-1');
      await expect(trackRow(1, 'evt-1')).rejects.toThrow();
      await trackRow(2, 'evt-1');
      await trackRow(1, 'EVT-1'); // event ids are case-sensitive too
      await trackRow(1, null);
      await trackRow(1, null);
      expect(await count('track')).toBe(5);

      await shareRow(1, 'evt-1');
      await expect(shareRow(1, 'evt-1')).rejects.toThrow();
      await shareRow(null, 'evt-1');
      await shareRow(null, 'evt-1');
      await shareRow(1, null);
      expect(await count('share')).toBe(4);
    });

    it('the database itself keeps one visitor row and one binding per user', async () => {
      await sql`insert into ${table('visitor')} (user_id, first_seen_at) values (1, 0)`.execute(f.db);
      await expect(sql`insert into ${table('visitor')} (user_id, first_seen_at) values (1, 5)`.execute(f.db)).rejects.toThrow();
      const binding = sql`insert into ${table('referral')} (user_id, referrer, promocode, scene, track_id, bound_at) values (5, 6, 'Code1234', '1047', 1, 0)`;
      await binding.execute(f.db);
      await expect(binding.execute(f.db)).rejects.toThrow();
    });
  });
});
