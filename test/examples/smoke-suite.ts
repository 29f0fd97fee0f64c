/**
 * The examples' one smoke suite (run by test/examples/smoke.test.ts and examples/nest-host/test):
 * each example's exported `buildApp()` on a real port, asked the same things (its own routes beside promo-track's, a referral end to end, identify, the dashboard).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const ADMIN_TOKEN = 'smoke-test-admin-token';

export type Started = { base: string; close(): Promise<void> };

/** An example, served the way its framework serves it. `dashboard`: it mounts one; `apiRoute`: it has a
 * route of its own under /api; `ourJson`: promo-track, not a host body parser, reads the JSON. */
export interface Example {
  name: string;
  dashboard: boolean;
  apiRoute: boolean;
  ourJson: boolean;
  start(): Promise<Started>;
}

/** A Node request listener on a free port of 127.0.0.1. */
export async function listen(listener: RequestListener, close: () => Promise<void>): Promise<Started> {
  const server: Server = createServer(listener);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: async () => (await new Promise((done) => server.close(done)), await close()) };
}

export function describeExample({ name, dashboard, apiRoute, ourJson, start }: Example): void {
  describe(`examples/${name}`, () => {
    let started: Started;
    let base: string;

    beforeAll(async () => {
      // The examples read ADMIN_TOKEN per request.
      vi.stubEnv('ADMIN_TOKEN', ADMIN_TOKEN);
      started = await start();
      base = started.base;
    });

    afterAll(async () => {
      vi.unstubAllEnvs();
      await started?.close();
    });

    const as = (userId: number) => ({ 'x-user-id': String(userId), 'content-type': 'application/json' });

    it("serves the host's own routes beside promo-track's", async () => {
      expect(await (await fetch(`${base}/`)).json()).toMatchObject({ name });
      const order = await fetch(`${base}/orders`, { method: 'POST', headers: as(1), body: JSON.stringify({ item: 'tea' }) });
      expect([order.status, await order.json()]).toEqual([201, { ordered: 'tea' }]);
      // A path under /api that promo-track does not own goes on to the host (its framework's 404).
      if (apiRoute) expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ ok: true });
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

    it("identify: no user → 401, another user → 403; bad JSON in the contract's shape", async () => {
      expect((await fetch(`${base}/api/tracks/1/1`)).status).toBe(401);
      expect((await fetch(`${base}/api/tracks/1/1`, { headers: as(3) })).status).toBe(403);
      const bad = await fetch(`${base}/api/tracks`, { method: 'POST', headers: as(2), body: '{"promocode":' });
      expect(bad.status).toBe(400);
      if (ourJson) expect(await bad.json()).toEqual({ error: { code: 'invalid_json', message: expect.any(String) } });
    });

    // The examples that mount the dashboard.
    if (dashboard)
      it('the dashboard at /api/dashboard, for operators only', async () => {
        const operator = { 'x-admin-token': ADMIN_TOKEN };
        const page = await fetch(`${base}/api/dashboard`, { headers: operator });
        expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
        const script = /src="(dashboard\/app\.[0-9a-f]{12}\.js)"/.exec(await page.text())![1];
        // Like every route, its files answer only callers identify or admin know.
        expect((await fetch(new URL(script, `${base}/api/dashboard`), { headers: operator })).status).toBe(200);
        expect((await fetch(`${base}/api/leaderboard`, { headers: operator })).status).toBe(200);

        expect((await fetch(`${base}/api/dashboard`)).status).toBe(401);
        expect((await fetch(`${base}/api/dashboard`, { headers: as(1) })).status).toBe(403);
      });
  });
}
