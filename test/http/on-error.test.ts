import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Tracker } from '@promo-track/core';
import { databases, openTracker } from '../support/databases.js';
import { client } from './support/client.js';
import { adapters } from './support/servers.js';

/** A real tracker whose `leaderboard` fails unexpectedly (a bug, not a contract error). */
function withBrokenLeaderboard(tracker: Tracker, failure: Error): Tracker {
  return new Proxy(tracker, {
    get: (target, name, receiver) => (name === 'leaderboard' ? () => Promise.reject(failure) : Reflect.get(target, name, receiver)),
  });
}

/** `onError` receives every failure answered 500, with the framework's own request object. */
describe.each(adapters.slice(0, 2))('onError ($name)', (adapter) => {
  let opened: Awaited<ReturnType<typeof openTracker>>;
  const failure = new Error('select * from secret_table');
  beforeAll(async () => {
    opened = await openTracker(databases[0]);
  });
  afterAll(async () => {
    await opened?.close();
  });
  afterEach(() => vi.restoreAllMocks());

  it('receives the failure and the request, instead of console.error; the client gets a bare 500', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const seen: { error: unknown; raw: unknown }[] = [];
    const host = await adapter.start(withBrokenLeaderboard(opened.tracker, failure), {
      onError: (error, raw) => seen.push({ error, raw }),
    });
    try {
      const api = client(host.base);
      const res = await api('GET', '/leaderboard', { headers: { 'x-request-id': 'r-42' } });
      expect(res).toMatchObject({ status: 500, body: { error: { code: 'internal', message: 'Internal server error' } } });
      expect(res.text).not.toMatch(/secret_table/);
      expect(seen).toHaveLength(1);
      expect(seen[0].error).toBe(failure);
      // Express hands the `req`, Koa the `ctx`: both carry the request's headers, for a logger's request id.
      const raw = seen[0].raw as { headers: Record<string, string>; path: string };
      expect(raw.headers['x-request-id']).toBe('r-42');
      expect(adapter.name === 'express' ? 'app' in raw : 'request' in raw && 'response' in raw).toBe(true);
      expect(log).not.toHaveBeenCalled();

      // Contract errors are answers, not failures: they never reach onError.
      expect((await api('GET', '/users/0/referrer')).status).toBe(400);
      expect((await api('GET', '/promos/nosuchcode1')).status).toBe(404);
      expect(seen).toHaveLength(1);
    } finally {
      await host.close();
    }
  });

  it('defaults to console.error, naming the route', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const host = await adapter.start(withBrokenLeaderboard(opened.tracker, failure));
    try {
      expect((await client(host.base)('GET', '/leaderboard')).status).toBe(500);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('GET /leaderboard'), failure);
    } finally {
      await host.close();
    }
  });

  it('still answers 500 when onError itself throws', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const host = await adapter.start(withBrokenLeaderboard(opened.tracker, failure), {
      onError: () => {
        throw new Error('logger is down');
      },
    });
    try {
      expect((await client(host.base)('GET', '/leaderboard')).status).toBe(500);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('onError threw'), expect.any(Error), failure);
    } finally {
      await host.close();
    }
  });
});
