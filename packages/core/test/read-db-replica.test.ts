import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTracker, type Tracker } from '@promo-track/core';
import { dropTables, PG_URL, uniquePrefix } from '../../../test/support/databases.js';
import { DAY, freezeTime, SALT } from './support.js';

/**
 * `readDb` against a real streaming replica of the CI's PostgreSQL (.ci/pg-replica.sh starts it,
 * PROMO_TRACK_PG_REPLICA_URL names it): which database each call reads, counted by a log of every
 * statement each Kysely instance runs, and what a stats call answers while the replica lags (its
 * replay paused).
 */
const REPLICA_URL = process.env.PROMO_TRACK_PG_REPLICA_URL;
const enabled = !!REPLICA_URL && !!PG_URL;

/** A Kysely over `url` that logs each statement's SQL into `log`. */
const logged = (url: string, log: string[]) =>
  new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 5 }) }),
    log: (event) => {
      if (event.level === 'query') log.push(event.query.sql);
    },
  });

describe.skipIf(!enabled)(enabled ? 'a streaming replica of PostgreSQL' : 'skipped: PROMO_TRACK_PG_REPLICA_URL is not set', () => {
  const onPrimary: string[] = [];
  const onReplica: string[] = [];
  let primary: Kysely<any>;
  let replica: Kysely<any>;
  let tracker: Tracker;
  let primaryOnly: Tracker;
  let prefix = '';
  let promocode = '';

  /** Waits until the replica has replayed everything the primary has written so far. */
  async function caughtUp(): Promise<void> {
    const { rows } = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(primary);
    const lsn = rows[0]!.lsn;
    for (let waited = 0; ; waited += 50) {
      const r = await sql<{ ok: boolean }>`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as ok`.execute(replica);
      if (r.rows[0]!.ok) return;
      if (waited > 30_000) throw new Error(`the replica did not replay ${lsn} within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The statements `work` ran on each database. */
  async function statements(work: () => Promise<unknown>): Promise<{ primary: string[]; replica: string[] }> {
    const [p, r] = [onPrimary.length, onReplica.length];
    await work();
    return { primary: onPrimary.slice(p), replica: onReplica.slice(r) };
  }

  const all = async <T>(rows: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const row of rows) out.push(row);
    return out;
  };

  beforeAll(async () => {
    primary = logged(PG_URL!, onPrimary);
    replica = logged(REPLICA_URL!, onReplica);
    prefix = uniquePrefix();
    const options = {
      salt: SALT,
      tablePrefix: prefix,
      rewards: [{ id: 'invite', on: 'referral.bound', to: 'referrer', amount: 100 }],
    } as const;
    primaryOnly = createTracker({ db: primary, ...options });
    tracker = createTracker({ db: primary, readDb: replica, ...options });
    await primaryOnly.migrate();
    ({ promocode } = await primaryOnly.getOrCreatePromo({ userId: 1 }));
    // Five visits two days ago (a closed day: its rollups), five now; each binds its user to user 1.
    const twoDaysAgo = new Date(Date.now() - 2 * DAY);
    await primaryOnly.recordTracks(
      Array.from({ length: 10 }, (_, i) => ({ userId: 100 + i, promocode, scene: 1047, occurredAt: i < 5 ? twoDaysAgo : undefined })),
    );
    await primaryOnly.recordConversion({ userId: 100, type: 'order', orderId: 'o-1', amount: 500 });
    await caughtUp();
  }, 60_000);

  afterAll(async () => {
    await sql`select pg_wal_replay_resume()`.execute(replica).catch(() => undefined);
    await dropTables(primary, prefix).catch(() => undefined);
    await primary?.destroy();
    await replica?.destroy();
  });

  it("reads the operators' heavy reads from the replica and the rest from the primary; never writes to the replica", async () => {
    const heavyReads: [string, () => Promise<unknown>][] = [
      ['stats', async () => expect(await tracker.stats()).toMatchObject({ visits: 10, referrals: 10, uniqueVisitors: 10 })],
      ['stats of an appid', async () => expect(await tracker.stats({ appid: 'wx-none' })).toMatchObject({ visits: 0 })],
      [
        'leaderboard',
        async () =>
          expect(await tracker.leaderboard()).toEqual([{ referrerId: 1, referrals: 10, visits: 10, conversions: 1, revenue: 500 }]),
      ],
      ['exportTracks', async () => expect(await all(tracker.exportTracks())).toHaveLength(10)],
      ['exportReferrals', async () => expect(await all(tracker.exportReferrals())).toHaveLength(10)],
      ['exportConversions', async () => expect(await all(tracker.exportConversions())).toHaveLength(1)],
      ['exportRewards', async () => expect(await all(tracker.exportRewards())).toHaveLength(10)],
      ['listConversions', async () => expect((await tracker.listConversions()).items).toHaveLength(1)],
      ['listRewards', async () => expect((await tracker.listRewards({ limit: 100 })).items).toHaveLength(10)],
      ['listFlagged', () => tracker.listFlagged()],
      ['codeJobs', () => tracker.codeJobs()],
      ['listWebhookMessages', () => tracker.listWebhookMessages()],
    ];
    let built = false;
    for (const [name, read] of heavyReads) {
      const ran = await statements(read);
      // It read the library's rows on the replica, and only read there.
      expect(ran.replica.filter((s) => /^\s*select\b/i.test(s) && s.includes(`"${prefix}`)).length, name).toBeGreaterThan(0);
      expect(
        ran.replica.filter((s) => !/^\s*select\b/i.test(s)),
        name,
      ).toEqual([]);
      // On the primary, only the rollups' builds (and their reads of the raw rows).
      built ||= ran.primary.some((s) => /^\s*insert into "[^"]*rollup_day"/i.test(s));
    }
    expect(built).toBe(true);

    const own = await statements(async () => {
      expect(await tracker.getReferrer(104)).toMatchObject({ referrerId: 1, promocode });
      expect((await tracker.explainReferral(104)).decisions.map((d) => d.outcome)).toEqual(['bound']);
      expect((await tracker.listReferrals(1, { limit: 500 })).items).toHaveLength(10);
      expect(await tracker.findPromo(promocode)).toMatchObject({ userId: 1 });
      expect(await tracker.getOrCreatePromo({ userId: 1 })).toMatchObject({ promocode });
      expect(await tracker.stats({ promocode })).toMatchObject({ visits: 10 });
      expect(await tracker.stats({ userId: 1 })).toMatchObject({ visits: 10 });
      expect((await tracker.listConversions({ userId: 100 })).items).toHaveLength(1);
      expect((await tracker.listRewards({ userId: 1 })).items).toHaveLength(10);
      expect(await tracker.rewardBalance(1)).toEqual(await primaryOnly.rewardBalance(1));
    });
    expect(own.replica).toEqual([]);
    expect(own.primary.length).toBeGreaterThan(0);
  });

  it('once the replica has replayed the rollups built on the primary, global stats read them there alone', async () => {
    freezeTime(Date.now()); // one plan of closed days and hours for both calls
    try {
      await tracker.stats(); // builds on the primary whatever the replica lacks
      await caughtUp();
      const second = await statements(() => tracker.stats());
      expect(second.primary).toEqual([]);
      expect(second.replica.some((s) => s.includes(`"${prefix}rollup_day"`))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers stats from a lagging replica (as of its lag, no error, no wait) and one user's facts from the primary; stats catch up", async () => {
    await caughtUp();
    const before = await tracker.stats();
    const boardBefore = await tracker.leaderboard();
    await sql`select pg_wal_replay_pause()`.execute(replica);
    try {
      for (let waited = 0; ; waited += 20) {
        const { rows } = await sql<{ state: string }>`select pg_get_wal_replay_pause_state() as state`.execute(replica);
        if (rows[0]!.state === 'paused') break;
        if (waited > 10_000) throw new Error('replay did not pause');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // On the primary: a new user arrives through user 1's code and is bound; user 2 gets a promo.
      await tracker.recordTrack({ userId: 200, promocode, scene: 1047 });
      const other = await tracker.getOrCreatePromo({ userId: 2 });

      const started = performance.now();
      const lagging = await tracker.stats();
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(lagging).toMatchObject({ visits: before.visits, referrals: before.referrals, uniqueVisitors: before.uniqueVisitors });
      expect(await tracker.leaderboard()).toEqual(boardBefore);
      expect(await all(tracker.exportTracks())).toHaveLength(before.visits);
      expect((await primaryOnly.stats()).visits).toBe(before.visits + 1);

      // Reads that must see the write just made: the primary's.
      expect(await tracker.getReferrer(200)).toMatchObject({ userId: 200, referrerId: 1, promocode });
      expect((await tracker.explainReferral(200)).decisions.map((d) => [d.candidateId, d.outcome])).toEqual([[1, 'bound']]);
      expect((await tracker.listReferrals(1, { limit: 500 })).items.map((r) => r.userId)).toContain(200);
      expect(await tracker.findPromo(other.promocode)).toMatchObject({ userId: 2 });
      expect(await tracker.stats({ promocode })).toMatchObject({ visits: before.visits + 1 });
    } finally {
      await sql`select pg_wal_replay_resume()`.execute(replica);
    }
    await caughtUp();
    const after = await tracker.stats();
    expect(after).toMatchObject({ visits: before.visits + 1, referrals: before.referrals + 1, uniqueVisitors: before.uniqueVisitors + 1 });
    expect(after).toEqual(await primaryOnly.stats());
    expect((await tracker.leaderboard())[0]).toMatchObject({ referrerId: 1, referrals: boardBefore[0]!.referrals + 1 });
  });
});
