/**
 * The client against the real service, started as `npm start` starts it (from a clean copy of the
 * repository), with `request` backed by real HTTP (Node's fetch) and a storage per phone: SQLite
 * always, PostgreSQL and MySQL when PROMO_TRACK_PG_URL / PROMO_TRACK_MYSQL_URL are set.
 * A promoter's code is scanned by a new user, who shares; the next user opens the share: a
 * two-level referral chain, and the stats show both visits with their scenes and the share by type.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPromoClient, type LaunchOptions, type PromoRequest, type PromoStorage } from '../src/index.js';
import { crashDatabases, type OpenCrashDatabase } from '../../../service/test/support/crash-databases.js';
import { makeCleanCopy, startService, type Started } from '../../../service/test/support/clean-copy.js';

let copy: string;
beforeAll(() => {
  copy = makeCleanCopy('promo-track-miniprogram-e2e-');
}, 60_000);
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

interface Exchange {
  method: string;
  url: string;
  sent: any;
  status: number;
  data: any;
}

/** One phone running the mini-program: its own storage, the client over fetch, a log of what went over the wire. */
function phone(baseUrl: string) {
  const session: { userId?: number } = {};
  const values = new Map<string, unknown>();
  const storage: PromoStorage = {
    get: (key) => values.get(key) ?? '',
    set: (key, value) => values.set(key, JSON.parse(JSON.stringify(value))),
  };
  const wire: Exchange[] = [];
  const request: PromoRequest = async ({ url, method, data, header }) => {
    const res = await fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) });
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    wire.push({ method, url, sent: data, status: res.status, data: body });
    return { statusCode: res.status, data: body };
  };
  const client = createPromoClient({ baseUrl, getUserId: () => session.userId, request, storage });
  const queued = () => ((values.get('promo-track') as { q?: unknown[] } | undefined)?.q ?? []).length;
  return { session, client, wire, queued };
}

const open = (client: ReturnType<typeof phone>['client'], options: LaunchOptions) => {
  client.onLaunch(options);
  client.onShow(options); // WeChat's cold start calls both
};

describe.each(crashDatabases)('the mini-program client against `npm start` on $name', (database) => {
  let store: OpenCrashDatabase;
  let service: Started;
  let api: string;
  const get = async (path: string) => {
    const res = await fetch(api + path);
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    if (!database.enabled) return;
    store = await database.open(join(copy, 'data'));
    service = await startService(
      copy,
      ['npm', 'start'],
      { PORT: '0', PROMO_SALT: 'miniprogram-e2e-salt', DATABASE_URL: store.url },
      280_000,
    );
    api = service.url;
  }, 300_000);

  afterAll(async () => {
    if (service) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    if (store) await store.drop();
  }, 60_000);

  it.skipIf(!database.enabled)(
    'a scan binds the new user to the promoter; their share binds the next user to them; stats show both visits and the share',
    async () => {
      // The host's backend draws the promoter's (user 1001) unlimited code: scene = the promocode.
      const promoter = (await get('/tracks/1001/1')).body.promocode as string;

      // User 1002 scans it (1047); the cold start calls onLaunch and onShow; login comes later.
      const second = phone(api);
      open(second.client, { scene: 1047, query: { scene: encodeURIComponent(promoter) } });
      await second.client.flush();
      expect(second.wire).toEqual([]);
      expect(second.queued()).toBe(1);
      second.session.userId = 1002;
      await second.client.flush();
      expect(second.queued()).toBe(0);
      expect((await get('/users/1002/referrer')).body).toMatchObject({ user_id: 1002, referrer: 1001, promocode: promoter, scene: '1047' });

      // 1002 shares a card from a button: the path carries 1002's own code.
      const card = { title: 'Try it', path: '/pages/goods/goods?id=3' };
      const shared = await second.client.share({ from: 'button' }, card);
      const own = (await get('/tracks/1002/1')).body.promocode as string;
      expect(shared).toEqual({ ...card, path: `/pages/goods/goods?id=3&promocode=${own}` });
      await second.client.flush();
      expect(second.queued()).toBe(0);

      // User 1003 opens the card from a chat (1007), logged in from the start.
      const third = phone(api);
      third.session.userId = 1003;
      open(third.client, { scene: 1007, query: Object.fromEntries(new URLSearchParams(shared.path.split('?')[1])) });
      await third.client.flush();
      expect((await get('/users/1003/referrer')).body).toMatchObject({ user_id: 1003, referrer: 1002, promocode: own, scene: '1007' });

      // Sending again changes nothing: each visit went once.
      await Promise.all([second.client.flush(), third.client.flush()]);
      const stats = (await get('/stats')).body;
      expect(stats).toMatchObject({
        visits: 2,
        new_user_visits: 2,
        referrals: 2,
        shares: 1,
        by_share_type: [{ share_type: 2, shares: 1 }],
      });
      expect(stats.by_scene).toEqual(
        expect.arrayContaining([
          { scene: '1047', label: expect.any(String), visits: 1 },
          { scene: '1007', label: expect.any(String), visits: 1 },
        ]),
      );
      expect(stats.by_scene).toHaveLength(2);
      const promoterStats = (await get('/stats?user_id=1001')).body;
      expect(promoterStats).toMatchObject({ visits: 1, referrals: 1 });
    },
    60_000,
  );

  it.skipIf(!database.enabled)(
    'a visit through a code that does not exist is dropped, the others of its batch recorded',
    async () => {
      const promoter = (await get('/tracks/2001/1')).body.promocode as string;
      const other = (await get('/tracks/2002/1')).body.promocode as string;
      const visitor = phone(api);
      visitor.client.onLaunch({ scene: 1047, query: { scene: promoter } });
      visitor.client.onShow({ scene: 1007, query: { promocode: 'NoSuchCode99' } });
      visitor.client.onShow({ scene: 1007, query: { promocode: other } });
      visitor.session.userId = 2003;
      await visitor.client.flush();
      expect(visitor.queued()).toBe(0);
      expect(visitor.wire.find((e) => e.status === 422)?.data.error.code).toBe('unknown_promocode');
      const attribution = (await get('/users/2003/attribution')).body;
      expect(attribution.decisions.map((d: { promocode: string }) => d.promocode)).toEqual([promoter, other]);
      expect(attribution.referral).toMatchObject({ referrer: 2001, promocode: promoter });
      // The answer names the refused event (`events.1.promocode`): the other two go again at once;
      // an answer naming none (the server before issue 16) has them sent one by one.
      const batches = visitor.wire.filter((e) => e.url.endsWith('/tracks/batch'));
      const sizes = batches.map((e) => (e.status === 201 ? e.data.items.length : `${e.status}`));
      expect([JSON.stringify(['422', 2]), JSON.stringify(['422', 1, '422', 1])]).toContain(JSON.stringify(sizes));
    },
    60_000,
  );

  it.skipIf(!database.enabled)(
    'a visit queued before login is recorded at the time it happened (created_at = capture time)',
    async () => {
      const promoter = (await get('/tracks/3001/1')).body.promocode as string;
      const visitor = phone(api);
      const before = Date.now();
      visitor.client.onLaunch({ scene: 1047, query: { scene: promoter } });
      const after = Date.now();
      // Sent later: a created_at taken at sending would be past `after`.
      await new Promise((resolve) => setTimeout(resolve, 200));
      visitor.session.userId = 3002;
      await visitor.client.flush();
      const batch = visitor.wire.find((e) => e.url.endsWith('/tracks/batch'))!;
      expect(batch.data.items[0].created_at).toBe(batch.sent.events[0].occurred_at);
      const createdAt = Date.parse(batch.data.items[0].created_at);
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(createdAt).toBeLessThanOrEqual(after);
    },
    60_000,
  );
});
