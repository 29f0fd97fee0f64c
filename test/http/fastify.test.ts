/**
 * What only the Fastify plugin has to get right: encapsulation (no fastify-plugin), the host's
 * router and body options, Fastify's own body errors in the contract's shape, the host's error handler.
 */
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type Tracker } from '@promo-track/core';
import { promoTrackPlugin } from '@promo-track/fastify';

let db: Kysely<any>;
let tracker: Tracker;
let promocode: string;
beforeAll(async () => {
  db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  tracker = createTracker({ db, salt: 'fastify-plugin-salt' });
  await tracker.migrate();
  promocode = (await tracker.getOrCreatePromo({ userId: 1 })).promocode;
});
afterAll(() => db.destroy());

async function host(options: FastifyServerOptions = {}, setup?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify(options);
  setup?.(app);
  await app.register(promoTrackPlugin, { tracker, prefix: '/api' });
  return app;
}
const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('promoTrackPlugin', () => {
  it('takes the prefix it is registered with, and can be registered twice', async () => {
    const app = Fastify();
    await app.register(promoTrackPlugin, { tracker, prefix: '/a' });
    await app.register(promoTrackPlugin, { tracker, prefix: '/b/v1' });
    for (const url of ['/a/promos/' + promocode, '/b/v1/promos/' + promocode]) {
      expect((await app.inject({ url })).json()).toMatchObject({ promocode, user_id: 1 });
    }
    expect((await app.inject({ url: '/promos/' + promocode })).statusCode).toBe(404);
  });

  it("leaves the host's routes under the prefix, on other methods of the same path too", async () => {
    const app = await host({}, (a) => {
      a.get('/api/tracks', async () => ({ host: 'list' }));
      a.post('/api/notes', async (req) => ({ note: req.body }));
    });
    expect((await app.inject({ url: '/api/tracks' })).json()).toEqual({ host: 'list' });
    expect((await app.inject({ method: 'POST', url: '/api/tracks', ...json({ user_id: 2, promocode, scene: 1047 }) })).statusCode).toBe(
      201,
    );
    // The plugin's parser and error handler are its own: the host's text/plain parsing stands.
    const note = await app.inject({ method: 'POST', url: '/api/notes', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    expect(note.json()).toEqual({ note: 'hi' });
    expect((await app.inject({ method: 'POST', url: '/api/notes', headers: json(1).headers, payload: '{' })).json()).toMatchObject({
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
  });

  it("works with the host's ignoreTrailingSlash and answers `/a/b/` like `/a/b` either way", async () => {
    for (const options of [{}, { routerOptions: { ignoreTrailingSlash: true } }]) {
      const app = await host(options);
      expect((await app.inject({ url: `/api/promos/${promocode}/` })).statusCode).toBe(200);
      expect((await app.inject({ url: '/api/tracks/7/1/' })).json()).toMatchObject({ user_id: 7 });
    }
  });

  it("answers Fastify's body errors in the contract's shape, and keeps 1 MiB when the host allows more", async () => {
    const app = await host({ bodyLimit: 10 * 1024 * 1024 }, (a) =>
      a.post('/upload', async (req) => ({ size: JSON.stringify(req.body).length })),
    );
    const bad = await app.inject({ method: 'POST', url: '/api/shares', headers: json(1).headers, payload: '{"share_type":' });
    expect([bad.statusCode, bad.json()]).toEqual([400, { error: { code: 'invalid_json', message: expect.any(String) } }]);
    const poisoned = await app.inject({ method: 'POST', url: '/api/shares', headers: json(1).headers, payload: '{"__proto__":{"x":1}}' });
    // A `__proto__` key is a plain key, as on every adapter (issue 30, P8): Fastify's own parser refused it.
    expect(poisoned.statusCode).toBe(201);
    expect(Object.prototype).not.toHaveProperty('x');
    const huge = { share_type: 1, page: 'x'.repeat(2 * 1024 * 1024) };
    const tooLarge = await app.inject({ method: 'POST', url: '/api/shares', ...json(huge) });
    expect([tooLarge.statusCode, tooLarge.json()]).toEqual([413, { error: { code: 'payload_too_large', message: expect.any(String) } }]);
    expect((await app.inject({ method: 'POST', url: '/upload', ...json(huge) })).statusCode).toBe(200);
    // An empty JSON body is a missing body, as when the core reads it itself.
    const empty = await app.inject({ method: 'POST', url: '/api/shares', headers: { 'content-type': 'application/json' } });
    const none = await app.inject({ method: 'POST', url: '/api/shares' });
    expect([empty.statusCode, empty.json().error.code]).toEqual([400, 'validation_failed']);
    expect(empty.json()).toEqual(none.json());
  });

  it('checks identify before the body, as on every adapter', async () => {
    const app = Fastify();
    await app.register(promoTrackPlugin, {
      tracker,
      prefix: '/api',
      identify: (req) => (req.headers['x-user-id'] ? Number(req.headers['x-user-id']) : undefined),
    });
    const res = await app.inject({ method: 'POST', url: '/api/tracks', headers: json(1).headers, payload: '{' });
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'unauthorized']);
    const known = await app.inject({
      method: 'POST',
      url: '/api/tracks',
      headers: { 'x-user-id': '5', 'content-type': 'application/json' },
      payload: '{',
    });
    expect(known.json().error.code).toBe('invalid_json');
  });

  it("hands the host's own failures (a hook's) to the host's error handler", async () => {
    const app = await host({}, (a) => {
      a.setErrorHandler(async (error, _req, reply) => reply.code(418).send({ host: (error as Error).message }));
      a.addHook('preHandler', async (req) => {
        if (req.headers['x-block']) throw new Error('blocked by the host');
      });
    });
    const res = await app.inject({ url: `/api/promos/${promocode}`, headers: { 'x-block': '1' } });
    expect([res.statusCode, res.json()]).toEqual([418, { host: 'blocked by the host' }]);
  });

  it('does not answer HEAD for its GET routes (no route of the contract)', async () => {
    const app = await host();
    expect((await app.inject({ method: 'HEAD', url: `/api/promos/${promocode}` })).statusCode).toBe(404);
  });
});
