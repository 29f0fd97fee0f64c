import { CamelCasePlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTracker } from '@promo-track/core';
import { databases, SALT } from '../../../test/support/databases.js';

describe.each(databases)('$label: a host Kysely with plugins', (database) => {
  it.skipIf(!database.enabled)("ignores the host's plugins (e.g. CamelCasePlugin) in the library's own queries", async () => {
    const { db: plain, prefix, close } = await database.open();
    const db = plain.withPlugin(new CamelCasePlugin());
    try {
      const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix });
      await tracker.migrate();
      const promo = await tracker.getOrCreatePromo({ userId: 1, appid: 'wxhost' });
      const track = await tracker.recordTrack({ userId: 2, promocode: promo.promocode, scene: 1047, eventId: 'e1' });
      expect(track).toMatchObject({ userId: 2, referrerId: 1, trackType: 1 });
      expect(await tracker.getReferrer(2)).toMatchObject({ userId: 2, referrerId: 1, promocode: promo.promocode });
      expect((await tracker.stats({ appid: 'wxhost' })).visits).toBe(1);
      // The host's own queries still go through its plugin.
      expect(await db.selectFrom(`${prefix}promo`).select('userId').execute()).toEqual([{ userId: 1 }]);
    } finally {
      await close();
    }
  });
});
