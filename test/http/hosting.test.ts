import { describe, expect, it, vi } from 'vitest';
import type { Tracker } from '@promo-track/core';
import { countRows } from '../support/databases.js';
import { client } from './support/client.js';
import { describeHosts, newUserId } from './support/matrix.js';
import { adapters } from './support/servers.js';

for (const bodyParser of ['before', 'after'] as const) {
  describeHosts(`host body parser ${bodyParser} the routes`, { bodyParser, sqliteOnly: true }, (ctx) => {
    it('records from a JSON body either way', async () => {
      const { promocode } = await ctx.tracker.getOrCreatePromo({ userId: newUserId() });
      const userId = newUserId();
      const res = await ctx.api('POST', '/tracks', { json: { user_id: userId, promocode, scene: 1047 } });
      expect(res).toMatchObject({ status: 201, body: { user_id: userId, promocode } });
      const batch = await ctx.api('POST', '/tracks/batch', { json: { events: [{ user_id: userId, promocode, scene: 1001 }] } });
      expect(batch).toMatchObject({ status: 201, body: { items: [{ track_type: 2 }] } });
    });

    it('reads a body the host parser left unread only when it is JSON', async () => {
      const res = await ctx.api('POST', '/shares', { raw: '{"share_type":2}', headers: { 'content-type': 'text/plain' } });
      expect(res).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
      const empty = await ctx.api('POST', '/shares', { json: {} });
      expect(empty).toMatchObject({ status: 201, body: { share_type: 0 } });
    });

    it("leaves the body of the host's own routes to the host", async () => {
      const res = await ctx.api('POST', '/host-echo', { json: { hello: 'host' } });
      expect(res).toMatchObject({ status: 200, body: { echo: { hello: 'host' } } });
    });

    it('validates a body the host parsed like one it read itself', async () => {
      const res = await ctx.api('POST', '/tracks', { json: { user_id: 'one' } });
      expect(res.status).toBe(400);
      expect(res.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['promocode', 'scene', 'user_id']);
    });

    if (bodyParser === 'after') {
      it('answers invalid_json and payload_too_large itself', async () => {
        const before = await countRows(ctx.db, ctx.prefix);
        expect(await ctx.api('POST', '/shares', { raw: '{"user_id":' })).toMatchObject({
          status: 400,
          body: { error: { code: 'invalid_json' } },
        });
        const huge = new Uint8Array(2 * 1024 * 1024).fill(32);
        expect(await ctx.api('POST', '/shares', { raw: huge })).toMatchObject({
          status: 413,
          body: { error: { code: 'payload_too_large' } },
        });
        expect(await countRows(ctx.db, ctx.prefix)).toEqual(before);
      });
    }
  });
}

describeHosts('mounting', { sqliteOnly: true }, (ctx) => {
  it('refuses a body without a JSON content type when the host has not parsed it (415)', async () => {
    const res = await ctx.api('POST', '/shares', { raw: '{"share_type":2}', headers: { 'content-type': 'text/plain' } });
    expect(res).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
  });

  it('serves the routes at the mount point', async () => {
    const promo = await ctx.api('GET', `/tracks/${newUserId()}/1`);
    expect(promo.status).toBe(200);
    expect(await ctx.api('GET', `/promos/${promo.body.promocode}`)).toMatchObject({ status: 200, body: promo.body });
  });

  it('hands routes it does not own to the host', async () => {
    expect(await ctx.api('GET', '/host-only')).toMatchObject({ status: 200, body: { host: 'under mount' } });
    expect(await ctx.api('POST', '/host-echo', { json: { a: 1 } })).toMatchObject({ status: 200 });
    const beside = await fetch(`${ctx.host.origin}/host/ping`);
    expect(await beside.json()).toEqual({ host: 'ping' });
    for (const [method, path] of [
      ['GET', '/tracks'],
      ['PUT', '/tracks'],
      ['GET', '/tracks/1'],
      ['GET', '/tracks/1/1/extra'],
      ['POST', '/users/1'],
      ['GET', '/users//referrer'],
      ['GET', '/nothing-here'],
    ]) {
      const res = await ctx.api(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body?.error?.code, `${method} ${path}`).toBeUndefined();
    }
  });
});

describe.each(adapters)('an unexpected failure through $name', (adapter) => {
  it('answers 500 internal with no stack and no SQL, and logs it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const failure = new Error('relation "promo" does not exist: select * from promo');
    const tracker = new Proxy({} as Tracker, { get: () => () => Promise.reject(failure) });
    const host = await adapter.start(tracker);
    try {
      const res = await client(host.base)('GET', '/users/1/referrer');
      expect(res).toMatchObject({ status: 500, body: { error: { code: 'internal', message: 'Internal server error' } } });
      expect(res.text).not.toMatch(/select|relation|at |\.ts/);
      expect(log).toHaveBeenCalledWith(expect.any(String), failure);
    } finally {
      log.mockRestore();
      await host.close();
    }
  });
});
