import Database from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTracker, withStatementCache } from '@promo-track/core';
import { SALT } from './support.js';

/** A better-sqlite3 database that counts what it is asked to prepare. */
function counting() {
  const database = new Database(':memory:');
  const prepared: string[] = [];
  const spy: SqliteDatabase = {
    close: () => database.close(),
    prepare: (text: string) => {
      prepared.push(text);
      return database.prepare(text);
    },
  };
  return { spy, prepared };
}

describe('withStatementCache', () => {
  it('prepares each SQL text once, for the tracker and the host alike', async () => {
    const { spy, prepared } = counting();
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(spy) }) });
    const tracker = createTracker({ db, salt: SALT });
    await tracker.migrate();
    const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
    const before = prepared.length;
    for (let u = 2; u < 50; u++) {
      await tracker.recordTrack({ userId: u, promocode, scene: 1047 });
      await tracker.recordTrack({ userId: u, promocode, scene: 1089 });
      await sql`select count(*) as n from track where user_id = ${u}`.execute(db);
    }
    const texts = prepared.slice(before);
    expect(new Set(texts).size).toBe(texts.length);
    expect((await tracker.stats()).visits).toBe(96);
    await db.destroy();
  });

  it('streams through its statements, and keeps at most `max` of them (least recently used goes first)', async () => {
    const { spy, prepared } = counting();
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(spy, 2) }) });
    await sql`create table t (n integer)`.execute(db);
    await sql`insert into t values (1), (2), (3)`.execute(db);
    const seen: number[] = [];
    for await (const row of db.selectFrom('t').select('n').orderBy('n').stream()) seen.push(Number(row.n));
    expect(seen).toEqual([1, 2, 3]);
    const select = (n: number) => db.selectFrom('t').select('n').where('n', '=', n).execute();
    await select(1);
    await select(1);
    const count = prepared.length;
    await sql`select 1`.execute(db);
    await sql`select 2`.execute(db);
    await select(1); // pushed out by the two newer texts: prepared again
    expect(prepared.length).toBe(count + 3);
    await db.destroy();
  });
});
