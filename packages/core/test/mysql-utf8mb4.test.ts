import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTracker } from '@promo-track/core';
import { dropTables, MYSQL_URL, mysqlDb, SALT, uniquePrefix } from '../../../test/support/databases.js';

// MySQL/MariaDB only: Chinese text and emoji must not depend on the database's default character set.
describe.skipIf(!MYSQL_URL)(
  MYSQL_URL ? 'mysql: a database whose default character set is latin1' : 'skipped: PROMO_TRACK_MYSQL_URL is not set',
  () => {
    it('stores Chinese and emoji in every text column, and compares promocodes case-sensitively', async () => {
      const admin = mysqlDb(MYSQL_URL, 1);
      const name = `promo_latin1_${uniquePrefix().slice(1, -1)}`;
      await sql`create database ${sql.id(name)} character set latin1 collate latin1_swedish_ci`.execute(admin);
      const url = new URL(MYSQL_URL!);
      url.pathname = `/${name}`;
      const db = mysqlDb(url.toString(), 4);
      const prefix = uniquePrefix();
      try {
        const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix });
        await tracker.migrate();
        const promo = await tracker.getOrCreatePromo({ userId: 1, page: 'pages/推广/index' });
        expect(promo.page).toBe('pages/推广/index');
        expect((await tracker.findPromo(promo.promocode))?.page).toBe('pages/推广/index');
        const track = await tracker.recordTrack({ userId: 2, promocode: promo.promocode, scene: 1047, detail: '来自朋友圈 🎉' });
        expect(track.detail).toBe('来自朋友圈 🎉');
        const share = await tracker.recordShare({ userId: 2, page: 'pages/首页/index?from=😀', promocode: promo.promocode });
        expect(share.page).toBe('pages/首页/index?from=😀');
        const [stored] = await db.selectFrom(`${prefix}track`).select('detail').execute();
        expect(stored?.detail).toBe('来自朋友圈 🎉');
        expect(await tracker.findPromo(promo.promocode.toLowerCase())).toBeNull();
      } finally {
        await dropTables(db, prefix).catch(() => undefined);
        await db.destroy();
        await sql`drop database ${sql.id(name)}`.execute(admin);
        await admin.destroy();
      }
    });
  },
);
