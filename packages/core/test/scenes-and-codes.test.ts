import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, SCENES, sceneLabel, type Tracker } from '@promo-track/core';
import { eachDatabase, SALT, useTracker } from './support.js';

// Spot checks in WeChat's current wording (the full list is the project's copy of WeChat's table).
const official: Record<string, string> = {
  '1007': '单人聊天会话中的小程序消息卡片',
  '1047': '扫描小程序码',
  '1129': '微信爬虫访问',
};

describe('SCENES and sceneLabel', () => {
  it('has all 209 scenes of WeChat’s current list, with its wording', () => {
    expect(Object.keys(SCENES)).toHaveLength(209);
    expect(SCENES).toMatchObject(official);
    for (const [scene, label] of Object.entries(SCENES)) {
      expect(scene).toMatch(/^\d+$/);
      expect(label.length).toBeGreaterThan(0);
    }
  });

  it('covers every scene of the seed’s older list', () => {
    const seed = [
      1001, 1005, 1006, 1007, 1008, 1011, 1012, 1013, 1014, 1017, 1019, 1020, 1022, 1023, 1024, 1025, 1026, 1027, 1028, 1029, 1030, 1031,
      1032, 1034, 1035, 1036, 1037, 1038, 1039, 1042, 1043, 1044, 1047, 1048, 1049, 1052, 1053, 1054, 1056, 1057, 1058, 1059, 1064, 1067,
      1068, 1071, 1072, 1073, 1074, 1078, 1089, 1090, 1092,
    ];
    expect(seed.filter((s) => sceneLabel(s) === null)).toEqual([]);
  });

  it('labels a scene given as a number or a string, and answers null for an unknown one', () => {
    expect(sceneLabel(1047)).toBe(official['1047']);
    expect(sceneLabel('1047')).toBe(official['1047']);
    expect(sceneLabel(1129)).toBe(official['1129']);
    expect(sceneLabel(9999)).toBeNull();
    expect(sceneLabel('')).toBeNull();
    expect(sceneLabel('constructor')).toBeNull();
    expect(sceneLabel('__proto__')).toBeNull();
  });

  it('is frozen', () => {
    expect(Object.isFrozen(SCENES)).toBe(true);
  });
});

describe('promocodes', () => {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const trackers = new Map<string, Tracker>();
  /** A migrated tracker per (salt, codeMinLength), each on its own tables of one database. */
  const tracker = async (salt = SALT, codeMinLength = 8) => {
    const key = `${salt}/${codeMinLength}`;
    if (!trackers.has(key)) {
      const t = createTracker({ db, salt, codeMinLength, tablePrefix: `p${trackers.size}_` });
      await t.migrate();
      trackers.set(key, t);
    }
    return trackers.get(key)!;
  };
  beforeAll(() => tracker());
  afterAll(() => db.destroy());

  const keys = [
    { userId: 1 },
    { userId: 2 },
    { userId: 1, promoType: 2 },
    { userId: 1, appid: 'wx1234567890abcdef' },
    { userId: 2_147_483_647, promoType: 2_147_483_647, appid: 'z'.repeat(32) },
  ];

  it('are [A-Za-z0-9], at most 32 characters (WeChat’s scene), at least codeMinLength long', async () => {
    for (const codeMinLength of [1, 8, 12, 24]) {
      const t = await tracker(SALT, codeMinLength);
      for (const key of keys) {
        const { promocode } = await t.getOrCreatePromo(key);
        expect(promocode).toMatch(/^[A-Za-z0-9]+$/);
        expect(promocode.length).toBeLessThanOrEqual(32);
        expect(promocode.length).toBeGreaterThanOrEqual(codeMinLength);
      }
    }
  });

  it('are stable: the same salt gives the same code to the same key, in any tracker', async () => {
    const first = await tracker();
    const db2 = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    const other = createTracker({ db: db2, salt: SALT });
    await other.migrate();
    for (const key of [...keys].reverse()) {
      expect((await other.getOrCreatePromo(key)).promocode).toBe((await first.getOrCreatePromo(key)).promocode);
    }
    await db2.destroy();
  });

  it('differ between salts (not derivable from the user id without the salt)', async () => {
    const a = await tracker('first-secret-salt');
    const b = await tracker('second-secret-salt');
    for (const key of keys) {
      const codeA = (await a.getOrCreatePromo(key)).promocode;
      const codeB = (await b.getOrCreatePromo(key)).promocode;
      expect(codeA).not.toBe(codeB);
      // A code made with another salt is not one of ours.
      expect(await a.findPromo(codeB)).toBeNull();
    }
  });

  it('are distinct across many keys', async () => {
    const t = await tracker();
    const codes = new Set<string>();
    for (let userId = 1; userId <= 300; userId++) codes.add((await t.getOrCreatePromo({ userId, promoType: 1 + (userId % 3) })).promocode);
    expect(codes.size).toBe(300);
  });
});

eachDatabase((database) => {
  const f = useTracker(database, { codeMinLength: 12 });

  it('codes round-trip through the database unchanged, and honour codeMinLength', async () => {
    const promo = await f.tracker.getOrCreatePromo({ userId: 123, appid: 'wxapp' });
    expect(promo.promocode.length).toBeGreaterThanOrEqual(12);
    expect(await f.tracker.findPromo(promo.promocode)).toEqual(promo);
    const track = await f.tracker.recordTrack({ userId: 9, promocode: promo.promocode, scene: '1047' });
    expect(track.promocode).toBe(promo.promocode);
    expect((await f.tracker.getReferrer(9))?.promocode).toBe(promo.promocode);
  });
});
