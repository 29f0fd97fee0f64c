import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';

let close: () => Promise<void>;
let base: string;

beforeAll(async () => {
  const built = await buildApp({ salt: 'smoke-test-salt' });
  close = built.close;
  base = await built.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await close?.();
});

const as = (userId: number) => ({ 'x-user-id': String(userId), 'content-type': 'application/json' });

it("serves the host's own routes beside promo-track's", async () => {
  expect(await (await fetch(`${base}/`)).json()).toMatchObject({ name: 'fastify-host' });
  const order = await fetch(`${base}/orders`, { method: 'POST', headers: as(1), body: JSON.stringify({ item: 'tea' }) });
  expect([order.status, await order.json()]).toEqual([201, { ordered: 'tea' }]);
  // The host's own route under /api, and a path there no one registered: Fastify's own 404.
  expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ ok: true });
  expect((await fetch(`${base}/api/nothing-here`)).status).toBe(404);
});

it('a referral end to end: promo, visit through it, referrer', async () => {
  const promo = await fetch(`${base}/api/tracks/1/1?page=pages/index/index`, { headers: as(1) });
  expect(promo.status).toBe(200);
  const { promocode } = await promo.json();

  const track = await fetch(`${base}/api/tracks`, { method: 'POST', headers: as(2), body: JSON.stringify({ promocode, scene: 1047 }) });
  expect(track.status).toBe(201);
  expect(await track.json()).toMatchObject({ user_id: 2, promocode, referrer: 1, track_type: 1 });

  const referrer = await fetch(`${base}/api/users/2/referrer`, { headers: as(2) });
  expect(await referrer.json()).toMatchObject({ user_id: 2, referrer: 1, promocode });
});

it("identify: no user → 401, another user → 403; Fastify's body errors in the contract's shape", async () => {
  expect((await fetch(`${base}/api/tracks/1/1`)).status).toBe(401);
  expect((await fetch(`${base}/api/tracks/1/1`, { headers: as(3) })).status).toBe(403);
  const bad = await fetch(`${base}/api/tracks`, { method: 'POST', headers: as(2), body: '{"promocode":' });
  expect([bad.status, await bad.json()]).toEqual([400, { error: { code: 'invalid_json', message: expect.any(String) } }]);
});
