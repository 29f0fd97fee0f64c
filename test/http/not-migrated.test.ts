import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTracker } from '@promo-track/core';
import { databases, SALT } from '../support/databases.js';
import { type Api, client } from './support/client.js';
import { adapters, type RunningHost } from './support/servers.js';

/** A host that forgot `tracker.migrate()`: 503 not_migrated on every route, saying what to do, and no log noise. */
describe.each(databases)('before migrate() ($name)', (database) => {
  describe.skipIf(!database.enabled).each(adapters.slice(0, 2))('$name', (adapter) => {
    let opened: Awaited<ReturnType<typeof database.open>>;
    let host: RunningHost;
    let api: Api;
    beforeAll(async () => {
      opened = await database.open();
      host = await adapter.start(createTracker({ db: opened.db, salt: SALT, tablePrefix: opened.prefix }));
      api = client(host.base);
    });
    afterAll(async () => {
      await host?.close();
      await opened?.close();
    });

    it('answers 503 not_migrated on every route', async () => {
      const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const requests: [string, string, unknown?][] = [
        ['GET', '/tracks/1/1'],
        ['POST', '/tracks', { user_id: 2, promocode: 'bldhNh2b', scene: 1047 }],
        ['POST', '/tracks/batch', { events: [{ user_id: 2, promocode: 'bldhNh2b', scene: 1047 }] }],
        ['POST', '/shares', { user_id: 3 }],
        ['GET', '/users/2/referrer'],
        ['GET', '/users/1/referrals'],
        ['GET', '/users/2/attribution'],
        ['GET', '/stats'],
        ['GET', '/leaderboard'],
        ['DELETE', '/users/2'],
      ];
      try {
        for (const [method, path, json] of requests) {
          const res = await api(method, path, { json });
          expect(res.status, `${method} ${path}`).toBe(503);
          expect(res.body.error.code, `${method} ${path}`).toBe('not_migrated');
          expect(res.body.error.message, `${method} ${path}`).toContain('tracker.migrate()');
          expect(res.text).not.toMatch(/no such table|does not exist|doesn't exist|select /i);
        }
        expect(log).not.toHaveBeenCalled();
      } finally {
        log.mockRestore();
      }
    });
  });
});
