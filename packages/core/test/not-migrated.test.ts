import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createTracker, NotMigratedError, type Tracker } from '@promo-track/core';
import { createCodec } from '../src/codes.js';
import { tableNames } from '../src/schema/table-names.js';
import { migrateFirstRelease } from './first-release.js';
import { eachDatabase, SALT } from './support.js';

/** A code the salt issued (for user 1's default promo): calls get past validation to the database. */
const code = createCodec(SALT, 8).encode({ userId: 1, promoType: 1, appid: null });

/** One call of every tracker method that reads or writes the database; a method missing here fails the test. */
const CALLS: Record<
  Exclude<keyof Tracker, 'migrate' | 'startWebhookDelivery' | 'startWorker' | 'timeZone' | 'rewardRules'>,
  (t: Tracker) => Promise<unknown>
> = {
  getOrCreatePromo: (t) => t.getOrCreatePromo({ userId: 1 }),
  findPromo: (t) => t.findPromo(code),
  recordTrack: (t) => t.recordTrack({ userId: 2, promocode: code, scene: 1047 }),
  recordTracks: (t) => t.recordTracks([{ userId: 2, promocode: code, scene: 1047 }]),
  recordShare: (t) => t.recordShare({ userId: 1, promocode: code }),
  getReferrer: (t) => t.getReferrer(2),
  listReferrals: (t) => t.listReferrals(1),
  stats: (t) => t.stats(),
  leaderboard: (t) => t.leaderboard(),
  explainReferral: (t) => t.explainReferral(2),
  forgetUser: (t) => t.forgetUser(2),
  purge: (t) => t.purge({ before: new Date() }),
  listWebhookMessages: (t) => t.listWebhookMessages(),
  exportTracks: async (t) => {
    for await (const row of t.exportTracks()) return row;
  },
  exportReferrals: async (t) => {
    for await (const row of t.exportReferrals()) return row;
  },
  redeliverWebhookMessage: (t) => t.redeliverWebhookMessage('msg_1_abcdefghijklmnop'),
  recordConversion: (t) => t.recordConversion({ userId: 2, type: 'first_order', orderId: 'o1', amount: 100 }),
  refundConversion: (t) => t.refundConversion({ conversionId: 1 }, { refundId: 'r1' }),
  listConversions: (t) => t.listConversions(),
  exportConversions: async (t) => {
    for await (const row of t.exportConversions()) return row;
  },
  listRewards: (t) => t.listRewards(),
  rewardBalance: (t) => t.rewardBalance(1),
  releaseDueRewards: (t) => t.releaseDueRewards(),
  settleRewards: (t) => t.settleRewards({ ids: [1] }),
  voidReward: (t) => t.voidReward(1),
  exportRewards: async (t) => {
    for await (const row of t.exportRewards()) return row;
  },
  listFlagged: (t) => t.listFlagged(),
  resolveFlags: (t) => t.resolveFlags(2, 'release'),
  pregenerateCodes: (t) => t.pregenerateCodes({ userIds: [1] }),
  codeJobs: (t) => t.codeJobs(),
  retryFailedCodes: (t) => t.retryFailedCodes(),
};

async function expectNotMigrated(tracker: Tracker, message: RegExp) {
  const methods = Object.keys(tracker).filter(
    (name) =>
      name !== 'migrate' &&
      name !== 'startWebhookDelivery' &&
      name !== 'startWorker' &&
      typeof tracker[name as keyof Tracker] === 'function',
  );
  expect(methods.sort()).toEqual(Object.keys(CALLS).sort());
  for (const [name, call] of Object.entries(CALLS)) {
    const error = await call(tracker).then(
      () => new Error(`${name} succeeded`),
      (e: unknown) => e,
    );
    expect(error, name).toBeInstanceOf(NotMigratedError);
    expect(error, name).toMatchObject({ code: 'not_migrated', status: 503, message: expect.stringMatching(message) });
    expect((error as Error).message, name).toContain('tracker.migrate()');
  }
}

eachDatabase((database) => {
  it('rejects every call before migrate() with NotMigratedError, and works once migrated', async () => {
    const { db, prefix, close } = await database.open();
    try {
      const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix });
      await expectNotMigrated(tracker, /missing|older/);
      // Nothing was created by those calls.
      const t = tableNames(prefix);
      await expect(sql`select 1 from ${sql.table(t.promo)}`.execute(db)).rejects.toThrow();

      await tracker.migrate();
      const promo = await tracker.getOrCreatePromo({ userId: 1 });
      expect(promo.promocode).toBe(code);
      expect((await tracker.recordTrack({ userId: 2, promocode: code, scene: 1047 })).referrerId).toBe(1);
      // Another tracker over the same tables, made before or after, sees them as current.
      expect(await createTracker({ db, salt: SALT, tablePrefix: prefix }).getReferrer(2)).toMatchObject({ referrerId: 1 });
    } finally {
      await close();
    }
  });

  it('rejects every call against tables older than this version, until migrate() upgrades them', async () => {
    const { db, prefix, close } = await database.open();
    try {
      await migrateFirstRelease(db, prefix, database.name);

      const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix });
      await expectNotMigrated(
        tracker,
        /older than this version \(migration 0002_outcome_on_track, 0003_arrived_new_and_utf8mb4, 0004_outbox, 0005_rollups, 0006_hour_rollups, 0007_referrer_rollups, 0008_conversions, 0009_rewards, 0010_abuse_signals, 0011_code_jobs, 0012_decision_scene, 0013_binding_lock_version has not run\)/,
      );

      // Migrated by another tracker (another process, say): this one notices at its next call.
      await createTracker({ db, salt: SALT, tablePrefix: prefix }).migrate();
      expect((await tracker.getOrCreatePromo({ userId: 1 })).promocode).toBe(code);
    } finally {
      await close();
    }
  });

  it('answers NotMigratedError, not an SQL error, when the tables vanish after the check', async () => {
    const { db, prefix, close } = await database.open();
    try {
      const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix });
      await tracker.migrate();
      await tracker.getOrCreatePromo({ userId: 1 });
      await db.schema.dropTable(tableNames(prefix).share).execute();
      const error = await tracker.recordShare({ userId: 1, promocode: code }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotMigratedError);
      expect((error as Error).message).toContain('tracker.migrate()');
    } finally {
      await close();
    }
  });
});
