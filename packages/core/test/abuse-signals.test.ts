/**
 * Abuse signals on every database (contract: Abuse signals): the four checks inside and outside
 * their windows and at their thresholds, a check set to 0 is off, flags on decisions and in the
 * review queue, forgetUser and purge, and no raw IP or device value anywhere the library writes.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type Tracker, type TrackerEvent, ValidationError } from '@promo-track/core';
import { eachDatabase, listTables, useTracker } from './support.js';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

/** The user's promocode (their promo of type 1). */
const codeOf = async (t: Tracker, userId: number) => (await t.getOrCreatePromo({ userId })).promocode;

/** A new user's first visit through the referrer's code; answers the decision's flags (undefined: not flagged). */
async function arrive(t: Tracker, userId: number, referrerId: number, signals: { ip?: string; device?: string }, occurredAt?: Date) {
  const track = await t.recordTrack({ userId, promocode: await codeOf(t, referrerId), scene: 1047, signals, occurredAt });
  const { decisions } = await t.explainReferral(userId);
  const decision = decisions.find((d) => d.trackId === track.id)!;
  expect(decision.outcome).toBe('bound');
  return decision.flags;
}

/** The referrer's own use of a signal: a visit through someone else's code (user 999's). */
const ownVisit = async (t: Tracker, userId: number, signals: { ip?: string; device?: string }, occurredAt?: Date) =>
  t.recordTrack({ userId, promocode: await codeOf(t, 999), scene: 1001, signals, occurredAt });

eachDatabase((database) => {
  describe('abuse signals', () => {
    const f = useTracker(database);

    it("same_device: the referrer used the new user's device 3 minutes earlier → flagged; 25 hours earlier → not", async () => {
      const t = f.tracker;
      await ownVisit(t, 1, { device: 'dev-a' }, ago(3 * 60_000));
      expect(await arrive(t, 11, 1, { device: 'dev-a' })).toEqual(['same_device']);
      await ownVisit(t, 2, { device: 'dev-b' }, ago(25 * HOUR));
      expect(await arrive(t, 12, 2, { device: 'dev-b' })).toBeUndefined();
      // Another device, inside the window: not the same phone.
      await ownVisit(t, 3, { device: 'dev-c' }, ago(60_000));
      expect(await arrive(t, 13, 3, { device: 'dev-other' })).toBeUndefined();

      const { items } = await t.listFlagged();
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        refereeId: 11,
        referrerId: 1,
        flags: ['same_device'],
        status: 'open',
        resolvedAt: null,
        note: null,
      });
      const [match] = items[0]!.matches;
      expect(match!.flag).toBe('same_device');
      expect(Math.round((match as { apartMs: number }).apartMs / 60_000)).toBe(3);
    });

    it("a referrer's later visit of a moment ago counts (its signals wait a moment to be written, never past a binding)", async () => {
      const t = f.tracker;
      await ownVisit(t, 1, { device: 'dev-a' }, ago(30 * HOUR));
      await ownVisit(t, 1, { device: 'dev-a' }, ago(60_000)); // a later visit: written behind
      expect(await arrive(t, 11, 1, { device: 'dev-a' })).toEqual(['same_device']);
      // Any other later visit's signals are written within moments, with the later time.
      await ownVisit(t, 2, { device: 'dev-b' }, ago(30 * HOUR));
      await ownVisit(t, 2, { device: 'dev-b' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { rows } = await sql<{
        seen_at: string | number;
      }>`select seen_at from ${sql.table(f.prefix + 'signal')} where user_id = 2`.execute(f.db);
      expect(rows.map((r) => Date.now() - Number(r.seen_at))).toEqual([expect.toSatisfy((ms: number) => ms < 60_000)]);
    });

    // SQLite writes one at a time: a flush queued before a binding has committed when it reads.
    it.skipIf(database.name === 'sqlite')(
      "a referrer's later visit whose signals are being written (not yet committed) still counts in a binding",
      async () => {
        const t = f.tracker;
        await ownVisit(t, 1, { device: 'dev-a' }, ago(30 * HOUR));
        const signal = sql.table(f.prefix + 'signal');
        let arriving: Promise<string[] | undefined> | undefined;
        // The row the waiting signals update is held, so their write stays open while the binding runs.
        await f.db.transaction().execute(async (trx) => {
          await sql`update ${signal} set seen_at = seen_at where user_id = 1`.execute(trx);
          await ownVisit(t, 1, { device: 'dev-a' }, ago(60_000)); // its signals wait a moment, then their write blocks
          await new Promise((resolve) => setTimeout(resolve, 100));
          arriving = arrive(t, 11, 1, { device: 'dev-a' });
          await new Promise((resolve) => setTimeout(resolve, 200));
        });
        expect(await arriving).toEqual(['same_device']);
      },
    );

    it("a share carries the sharer's signals: a referee on the sharer's phone is flagged", async () => {
      const t = f.tracker;
      await t.recordShare({ userId: 1, promocode: await codeOf(t, 1), shareType: 1, signals: { device: 'phone-1' } });
      expect(await arrive(t, 21, 1, { device: 'phone-1' })).toEqual(['same_device']);
    });

    it('same_ip is off by default; with sameIpHours: 2, inside the window → flagged, outside → not', async () => {
      await ownVisit(f.tracker, 1, { ip: '198.51.100.7' }, ago(HOUR));
      expect(await arrive(f.tracker, 11, 1, { ip: '198.51.100.7' })).toBeUndefined();

      const t = f.make({ abuse: { sameIpHours: 2 } });
      await ownVisit(t, 2, { ip: '198.51.100.8' }, ago(HOUR));
      expect(await arrive(t, 12, 2, { ip: '::ffff:198.51.100.8' })).toEqual(['same_ip']);
      await ownVisit(t, 3, { ip: '198.51.100.9' }, ago(3 * HOUR));
      expect(await arrive(t, 13, 3, { ip: '198.51.100.9' })).toBeUndefined();
    });

    it("device_cluster: the device's 4th new user is flagged at maxNewUsersPerDevice 3, the 3rd is not", async () => {
      const t = f.tracker;
      // Through different referrers, none of whom used the device.
      expect(await arrive(t, 31, 1, { device: 'farm-phone' })).toBeUndefined();
      expect(await arrive(t, 32, 2, { device: 'farm-phone' })).toBeUndefined();
      expect(await arrive(t, 33, 3, { device: 'farm-phone' })).toBeUndefined();
      expect(await arrive(t, 34, 4, { device: 'farm-phone' })).toEqual(['device_cluster']);
      // A returning visit of an earlier new user with the device does not make it a new user again.
      await t.recordTrack({ userId: 31, promocode: await codeOf(t, 5), scene: 1001, signals: { device: 'farm-phone' } });
      const { items } = await t.listFlagged();
      expect(items.map((i) => i.matches)).toEqual([[{ flag: 'device_cluster', newUsers: 3, limit: 3 }]]);
    });

    it('velocity: with maxBindingsPerHour 3 the 4th binding within the hour is flagged; bindings older than an hour do not count', async () => {
      const t = f.make({ abuse: { maxBindingsPerHour: 3 } });
      expect(await arrive(t, 40, 1, {}, ago(2 * HOUR))).toBeUndefined();
      for (const user of [41, 42, 43]) expect(await arrive(t, user, 1, {})).toBeUndefined();
      expect(await arrive(t, 44, 1, {})).toEqual(['velocity']);
      expect(await arrive(t, 45, 2, {})).toBeUndefined();
    });

    it('velocity under concurrency: 51 concurrent new users through one code with maxBindingsPerHour 50 flag exactly one', async () => {
      const t = f.make({ abuse: { maxBindingsPerHour: 50 } });
      const code = await codeOf(t, 1);
      await Promise.all(Array.from({ length: 51 }, (_, i) => t.recordTrack({ userId: 100 + i, promocode: code, scene: 1047 })));
      const { items } = await t.listFlagged();
      expect(items.map((i) => i.flags)).toEqual([['velocity']]);
      expect(items[0]!.matches).toEqual([{ flag: 'velocity', bindings: 50, limit: 50 }]);
      expect((await t.listReferrals(1, { limit: 100 })).items).toHaveLength(51);
    });

    it('a check set to 0 is off; all four at 0 store no signal at all', async () => {
      const off = f.make({ abuse: { sameDeviceHours: 0, sameIpHours: 0, maxBindingsPerHour: 0, maxNewUsersPerDevice: 0 } });
      await ownVisit(off, 1, { device: 'd1', ip: '192.0.2.1' });
      for (const user of [51, 52, 53, 54, 55]) expect(await arrive(off, user, 1, { device: 'd1', ip: '192.0.2.1' })).toBeUndefined();
      expect(await count(f, 'signal')).toBe(0);

      const deviceOff = f.make({ abuse: { sameDeviceHours: 0, maxNewUsersPerDevice: 0, maxBindingsPerHour: 2 } });
      await ownVisit(deviceOff, 2, { device: 'd2' });
      expect(await arrive(deviceOff, 61, 2, { device: 'd2' })).toBeUndefined();
      expect(await arrive(deviceOff, 62, 2, { device: 'd2' })).toBeUndefined();
      expect(await arrive(deviceOff, 63, 2, { device: 'd2' })).toEqual(['velocity']);
      expect(await count(f, 'signal')).toBe(0);
    });

    it('a flagged binding is still made and counted, emits referral.flagged, and shows in the queue until resolved', async () => {
      const events: TrackerEvent[] = [];
      const t = f.make({ onEvent: (e) => void events.push(e) });
      await ownVisit(t, 1, { device: 'dev-a' });
      await arrive(t, 11, 1, { device: 'dev-a' });
      expect(await t.getReferrer(11)).toMatchObject({ referrerId: 1 });
      expect(events.filter((e) => e.type === 'referral.flagged')).toHaveLength(1);
      expect((await t.stats({ userId: 1 })).referrals).toBe(1);

      expect((await t.listFlagged({ status: 'open' })).items).toHaveLength(1);
      const released = await t.resolveFlags(11, 'release', { note: 'a family phone' });
      expect(released).toMatchObject({ refereeId: 11, status: 'released', note: 'a family phone' });
      expect(released.resolvedAt).toBeInstanceOf(Date);
      expect((await t.listFlagged({ status: 'open' })).items).toHaveLength(0);
      expect((await t.listFlagged({ status: 'released' })).items).toHaveLength(1);
      // The same verdict again answers it as it is; the other verdict is refused; an unflagged user is not found.
      expect((await t.resolveFlags(11, 'release')).note).toBe('a family phone');
      await expect(t.resolveFlags(11, 'void')).rejects.toBeInstanceOf(ValidationError);
      await expect(t.resolveFlags(12, 'void')).rejects.toMatchObject({ code: 'not_found' });
      await expect(t.resolveFlags(11, 'approve' as 'void')).rejects.toBeInstanceOf(ValidationError);
    });

    it('listFlagged pages newest first with a stable cursor', async () => {
      const t = f.make({ abuse: { maxBindingsPerHour: 1 } });
      await arrive(t, 70, 1, {});
      for (const user of [71, 72, 73, 74, 75]) expect(await arrive(t, user, 1, {})).toEqual(['velocity']);
      const first = await t.listFlagged({ limit: 2 });
      expect(first.items.map((i) => i.refereeId)).toEqual([75, 74]);
      const second = await t.listFlagged({ limit: 2, cursor: first.nextCursor });
      expect(second.items.map((i) => i.refereeId)).toEqual([73, 72]);
      const third = await t.listFlagged({ limit: 2, cursor: second.nextCursor });
      expect(third.items.map((i) => i.refereeId)).toEqual([71]);
      expect(third.nextCursor).toBeNull();
      await expect(t.listFlagged({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
    });

    it("forgetUser deletes the user's signals, flags and counter row: a forgotten user no longer counts toward any check", async () => {
      const t = f.tracker;
      await ownVisit(t, 1, { device: 'dev-a' });
      expect(await arrive(t, 11, 1, { device: 'dev-a' })).toEqual(['same_device']);
      await t.forgetUser(1);
      expect((await t.listFlagged()).items).toHaveLength(0);
      expect(await count(f, 'signal', 1)).toBe(0);
      // The row that counts the user's bindings as a referrer (where the database keeps one) names them too.
      expect(await counterRows(f, 'r:1')).toBe(0);
      // User 1 comes back with a new code and the same phone was theirs before they left: no match now.
      expect(await arrive(t, 12, 1, { device: 'dev-a' })).toBeUndefined();

      // A device's forgotten new users no longer make a cluster.
      for (const user of [81, 82, 83]) await arrive(t, user, 2, { device: 'farm' });
      await t.forgetUser(81);
      expect(await arrive(t, 84, 3, { device: 'farm' })).toBeUndefined();
      expect(await arrive(t, 85, 3, { device: 'farm' })).toEqual(['device_cluster']);
    });

    it('purge keeps the signals of users in a binding, and flags on the decisions of purged tracks', async () => {
      const t = f.tracker;
      await ownVisit(t, 1, { device: 'dev-a' }, ago(2 * 60_000));
      expect(await arrive(t, 11, 1, { device: 'dev-a' }, ago(60_000))).toEqual(['same_device']);
      await ownVisit(t, 90, { device: 'lonely' }, ago(60_000));
      await t.purge({ before: new Date(Date.now() + 1000) });
      const flagged = (await t.explainReferral(11)).decisions.filter((d) => d.flags);
      expect(flagged.map((d) => d.flags)).toEqual([['same_device']]);
      expect(await count(f, 'signal', 11)).toBe(1);
      expect(await count(f, 'signal', 1)).toBe(1);
      // User 90 is in no binding (its visit went through user 999's code, who has no referees bound… but 90 is bound to 999).
    });

    it('no raw IP or device value in any table, outbox message, export or event', async () => {
      const RAW = ['203.0.113.77', 'install-7f3a9c'];
      const events: TrackerEvent[] = [];
      const t = f.make({
        abuse: { sameIpHours: 24 },
        onEvent: (e) => void events.push(e),
        webhooks: [
          {
            url: 'http://127.0.0.1:9/hook',
            secret: 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64'),
            events: ['track.recorded', 'referral.bound', 'referral.flagged', 'share.recorded'],
          },
        ],
      });
      const signals = { ip: RAW[0], device: RAW[1] };
      await ownVisit(t, 1, signals);
      await t.recordShare({ userId: 1, promocode: await codeOf(t, 1), signals });
      expect(await arrive(t, 11, 1, signals)).toEqual(['same_device', 'same_ip']);
      await t.recordTracks([{ userId: 12, promocode: await codeOf(t, 1), scene: 1047, signals }]);

      const dump: unknown[] = [];
      for (const table of await listTables(f.db, database.name, f.prefix)) {
        dump.push(table, (await sql`select * from ${sql.table(table)}`.execute(f.db)).rows);
      }
      for await (const row of t.exportTracks()) dump.push(row);
      for await (const row of t.exportReferrals()) dump.push(row);
      dump.push(events, await t.listFlagged(), await t.explainReferral(11), await t.listWebhookMessages());
      const text = JSON.stringify(dump, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      expect(text).toContain('same_ip');
      expect(text).toContain('referral.flagged');
      for (const raw of RAW) expect(text).not.toContain(raw);
      expect(await count(f, 'signal')).toBeGreaterThan(0);
    });
  });
});

/** Abuse counter rows of this name. */
async function counterRows(f: { db: any; prefix: string }, name: string): Promise<number> {
  const { rows } = await sql<{
    n: string | number;
  }>`select count(*) as n from ${sql.table(`${f.prefix}abuse_counter`)} where name = ${name}`.execute(f.db);
  return Number(rows[0]!.n);
}

async function count(f: { db: any; prefix: string }, table: string, userId?: number): Promise<number> {
  const { rows } = await sql<{
    n: string | number;
  }>`select count(*) as n from ${sql.table(f.prefix + table)}${userId === undefined ? sql`` : sql` where user_id = ${userId}`}`.execute(
    f.db,
  );
  return Number(rows[0]!.n);
}
