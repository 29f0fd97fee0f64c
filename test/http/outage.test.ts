import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker } from '@promo-track/core';
import { countRows, databases, SALT } from '../support/databases.js';
import { type Api, client } from './support/client.js';
import { type OutageDatabase, openOutageDatabase } from './support/outage.js';
import { adapters, type RunningHost } from './support/servers.js';

/** A database that goes away: 503 storage_unavailable, nothing half-written, and 2xx again once it is back. */
describe.each(databases)('a database that goes away ($name)', (database) => {
  // Every framework once (the fetch handler in Hono; its node:http twin translates the same way).
  const hosts = adapters.filter((a) => ['express', 'koa (prefix /api)', 'fastify', 'fetch (hono)'].includes(a.name));
  describe.skipIf(!database.enabled).each(hosts)('$name', (adapter) => {
    let outage: OutageDatabase;
    let host: RunningHost;
    let api: Api;
    let promocode: string;
    /** A promo this host's tracker has never answered (so not in its memory). */
    let unseen: string;
    beforeAll(async () => {
      outage = await openOutageDatabase(database.name);
      host = await adapter.start(outage.tracker);
      api = client(host.base);
      promocode = (await outage.tracker.getOrCreatePromo({ userId: 1 })).promocode;
      unseen = (await createTracker({ db: outage.observer, salt: SALT, tablePrefix: outage.prefix }).getOrCreatePromo({ userId: 7 }))
        .promocode;
    });
    afterAll(async () => {
      await host?.close();
      await outage?.close();
    });
    const rows = () => countRows(outage.observer, outage.prefix);
    const events = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ user_id: from + i, promocode, scene: 1047 }));

    it('answers 503 on every route while it is gone, writes nothing, and recovers', async () => {
      expect((await api('POST', '/tracks', { json: { user_id: 2, promocode, scene: 1047 } })).status).toBe(201);
      const before = await rows();
      await outage.down();
      const requests: [string, string, unknown?][] = [
        ['GET', '/tracks/3/1'],
        ['POST', '/tracks', { user_id: 3, promocode, scene: 1047 }],
        ['POST', '/tracks/batch', { events: events(10, 20) }],
        ['POST', '/shares', { user_id: 3, promocode }],
        ['GET', `/promos/${unseen}`],
        ['GET', '/users/2/referrer'],
        ['GET', '/users/1/referrals'],
        ['GET', '/users/2/attribution'],
        ['GET', '/stats'],
        ['GET', '/leaderboard'],
        ['DELETE', '/users/2'],
      ];
      for (const [method, path, json] of requests) {
        const res = await api(method, path, { json });
        expect(res.status, `${method} ${path}`).toBe(503);
        expect(res.body, `${method} ${path}`).toEqual({ error: { code: 'storage_unavailable', message: expect.any(String) } });
        expect(res.text).not.toMatch(/ECONNREFUSED|select|insert|127\.0\.0\.1|at /i);
      }
      expect(await rows()).toEqual(before);

      await outage.up();
      expect((await api('POST', '/tracks', { json: { user_id: 3, promocode, scene: 1047 } })).status).toBe(201);
      expect((await api('POST', '/tracks/batch', { json: { events: events(10, 20) } })).status).toBe(201);
      expect((await api('GET', '/users/3/referrer')).body).toMatchObject({ user_id: 3, referrer: 1 });
      expect((await rows()).track).toBe(before.track + 21);
    });

    if (database.name === 'postgres') {
      it('keeps a batch whole when its connection is killed mid-transaction (pg_terminate_backend)', async () => {
        for (const attempt of [0, 1]) {
          const before = await rows();
          const n = 80;
          const pending = api('POST', '/tracks/batch', { json: { events: events(10_000 + attempt * n, n) } });
          await new Promise((resolve) => setTimeout(resolve, 15 * attempt + 5));
          await outage.terminateBackends!();
          const res = await pending;
          const after = await rows();
          if (res.status === 201) expect(after.track).toBe(before.track + n);
          else {
            expect(res).toMatchObject({ status: 503, body: { error: { code: 'storage_unavailable' } } });
            expect(after).toEqual(before);
          }
        }
        // The pool replaces the killed connections: the same app answers again.
        expect((await api('GET', '/stats')).status).toBe(200);
      });
    }
  });
});
