import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createTracker, type TrackerOptions } from '@promo-track/core';
import { SALT } from './support.js';

const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
afterAll(() => db.destroy());

/** The message `createTracker` throws for these options (fails the test when it does not throw). */
function refusal(options: unknown): string {
  try {
    createTracker(options as TrackerOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return (error as Error).message;
  }
  throw new Error(`createTracker accepted ${JSON.stringify(options, (k, v) => (k === 'db' ? '<db>' : v))}`);
}

describe('createTracker options', () => {
  it('accepts the minimal options and every documented option', () => {
    expect(() => createTracker({ db, salt: SALT })).not.toThrow();
    expect(() =>
      createTracker({
        db,
        salt: SALT,
        tablePrefix: 'promo_',
        codeMinLength: 12,
        wxacode: { generate: async () => 'https://example.com/a.png', remove: async () => undefined },
        attribution: { model: 'last-touch', windowDays: 7 },
        excludeScenes: ['1129', 1030],
        timeZone: 'Asia/Shanghai',
        onEvent: () => undefined,
      }),
    ).not.toThrow();
    expect(() => createTracker({ db, salt: SALT, attribution: { model: 'first-touch', windowDays: 0.5 } })).not.toThrow();
    expect(() => createTracker({ db, salt: SALT, excludeScenes: [] })).not.toThrow();
  });

  it.each([['Mars/Olympus'], [''], [8], ['UTC+8 ']])('names `timeZone` when it is not an IANA zone (%j)', (timeZone) => {
    expect(refusal({ db, salt: SALT, timeZone })).toMatch(/`timeZone`.*IANA/);
  });

  it('refuses missing options altogether', () => {
    expect(refusal(undefined)).toMatch(/db|options/);
  });

  it('names `db` when it is missing or not a Kysely instance', () => {
    expect(refusal({ salt: SALT })).toContain('db');
    expect(refusal({ db: {}, salt: SALT })).toContain('db');
    expect(refusal({ db: 'sqlite::memory:', salt: SALT })).toContain('db');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['7 characters', '1234567'],
    ['not a string', 12345678],
  ])('names `salt` when it is %s', (_, salt) => {
    const message = refusal({ db, salt });
    expect(message).toContain('salt');
    expect(message).toMatch(/8 characters/);
  });

  it.each([[12345678], [true], [{ secret: 'abcdefgh' }]])('says `salt` must be a string when it is %j, not that it is short', (salt) => {
    const message = refusal({ db, salt });
    expect(message).toContain('`salt` must be a string');
    expect(message).not.toContain('shorter');
  });

  it('accepts a salt of exactly 8 characters', () => {
    expect(() => createTracker({ db, salt: '12345678' })).not.toThrow();
  });

  it.each([['has-dash'], ['white space'], ['x'.repeat(33)], [42], ['drop;table']])('names `tablePrefix` for %j', (tablePrefix) => {
    expect(refusal({ db, salt: SALT, tablePrefix })).toContain('tablePrefix');
  });

  it.each([[0], [-1], [2.5], ['8'], [NaN], [25], [100]])('names `codeMinLength` for %j', (codeMinLength) => {
    expect(refusal({ db, salt: SALT, codeMinLength })).toContain('codeMinLength');
  });

  it('accepts codeMinLength from 1 to 24', () => {
    expect(() => createTracker({ db, salt: SALT, codeMinLength: 1 })).not.toThrow();
    expect(() => createTracker({ db, salt: SALT, codeMinLength: 24 })).not.toThrow();
  });

  it.each([[{}], ['generator'], [{ generate: 'no' }]])('names `wxacode` for %j', (wxacode) => {
    expect(refusal({ db, salt: SALT, wxacode })).toContain('wxacode');
  });

  it('names `attribution` when it is not an options object, and a misspelt key in it', () => {
    for (const attribution of ['last-touch', null, 30, ['last-touch']]) {
      expect(refusal({ db, salt: SALT, attribution })).toContain('attribution');
    }
    expect(refusal({ db, salt: SALT, attribution: { model: 'last-touch', window: 7 } })).toContain('attribution.window');
  });

  it('names `attribution.model` and `attribution.windowDays`', () => {
    expect(refusal({ db, salt: SALT, attribution: { model: 'linear' } })).toContain('attribution.model');
    for (const windowDays of [0, -1, Infinity, NaN, '30']) {
      expect(refusal({ db, salt: SALT, attribution: { model: 'last-touch', windowDays } })).toContain('attribution.windowDays');
    }
  });

  it('names `excludeScenes`', () => {
    expect(refusal({ db, salt: SALT, excludeScenes: '1129' })).toContain('excludeScenes');
    expect(refusal({ db, salt: SALT, excludeScenes: ['crawler'] })).toContain('excludeScenes');
  });

  it('names `onEvent`', () => {
    expect(refusal({ db, salt: SALT, onEvent: 'log' })).toContain('onEvent');
  });

  it('does not touch the database at creation', async () => {
    createTracker({ db, salt: SALT, tablePrefix: 'untouched_' });
    const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
    expect(tables.filter((t) => t.name.startsWith('untouched_'))).toEqual([]);
  });

  it('reads options once: mutating them afterwards changes nothing', async () => {
    const options: TrackerOptions = { db, salt: SALT, tablePrefix: 'once_' };
    const tracker = createTracker(options);
    options.tablePrefix = 'other_';
    options.salt = 'another-salt-entirely';
    await tracker.migrate();
    const promo = await tracker.getOrCreatePromo({ userId: 1 });
    const again = await createTracker({ db, salt: SALT, tablePrefix: 'once_' }).getOrCreatePromo({ userId: 1 });
    expect(again).toEqual(promo);
    const names = (await db.introspection.getTables()).map((t) => t.name);
    expect(names).toContain('once_promo');
    expect(names.some((n) => n.startsWith('other_'))).toBe(false);
  });
});
