import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback } from '../src/admin-access.js';
import { createService, type Service } from '../src/app.js';
import { ConfigError } from '../src/config.js';

const TOKEN = 'service-admin-token-0123456789abcdef';
let server: Server | undefined;
let service: Service | undefined;

async function start(env: Record<string, string>): Promise<string> {
  service = createService({ DATABASE_URL: 'sqlite::memory:', PROMO_SALT: 'admin-access-test-salt', ...env });
  await service.tracker.migrate();
  server = createServer(service.app);
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((done) => server!.close(done));
  }
  await service?.close();
  server = service = undefined;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('with ADMIN_TOKEN', () => {
  it("refuses the dashboard's data without the token, and answers it with the token", async () => {
    const origin = await start({ ADMIN_TOKEN: TOKEN, HOST: '0.0.0.0' });
    const promo = (await (await fetch(`${origin}/tracks/7/1`)).json()) as { promocode: string };
    await fetch(`${origin}/tracks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 8, promocode: promo.promocode, scene: 1047 }),
    });

    for (const path of ['/stats', '/leaderboard', '/stats?from=2020-01-01T00:00:00.000Z']) {
      const refused = await fetch(`${origin}${path}`);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
      expect((await fetch(`${origin}${path}`, { headers: bearer('wrong-token-0123456789') })).status).toBe(403);
      expect((await fetch(`${origin}${path}`, { headers: bearer(TOKEN) })).status).toBe(200);
    }
    expect((await fetch(`${origin}/users/8`, { method: 'DELETE' })).status).toBe(403);
    expect(await (await fetch(`${origin}/stats`, { headers: bearer(TOKEN) })).json()).toMatchObject({ visits: 1, referrals: 1 });

    // The mini-program's own routes are not the operator's: they answer as before.
    expect((await fetch(`${origin}/promos/${promo.promocode}`)).status).toBe(200);
    expect((await fetch(`${origin}/stats?user_id=7`)).status).toBe(200);
  });

  it('shows a sign-in form whose HttpOnly cookie opens the dashboard and its data', async () => {
    const origin = await start({ ADMIN_TOKEN: TOKEN });
    const form = await fetch(`${origin}/dashboard`);
    expect(form.status).toBe(401);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await form.text();
    expect(html).toContain('action="dashboard/sign-in"');
    expect(html).not.toContain('app.'); // no dashboard (nor its script) before signing in

    const post = (token: string) =>
      fetch(`${origin}/dashboard/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
        redirect: 'manual',
      });
    const wrong = await post('not-the-admin-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const signedIn = await post(TOKEN);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('../dashboard');
    const setCookie = signedIn.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^promo_track_admin=[\w-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = { cookie: setCookie.split(';')[0] };

    const page = await fetch(`${origin}/dashboard`, { headers: cookie });
    expect(page.status).toBe(200);
    const script = /src="(dashboard\/app\.[0-9a-f]+\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${origin}/${script}`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${origin}/stats`, { headers: cookie })).status).toBe(200);
    expect((await fetch(`${origin}/leaderboard`, { headers: cookie })).status).toBe(200);
    // A forged or stale cookie is nobody's.
    for (const forged of ['promo_track_admin=9999999999.AAAA', `promo_track_admin=${setCookie.split(';')[0].split('=')[1].slice(1)}x`]) {
      expect((await fetch(`${origin}/stats`, { headers: { cookie: forged } })).status).toBe(403);
    }

    const out = await fetch(`${origin}/dashboard/sign-out`, { method: 'POST', headers: cookie, redirect: 'manual' });
    expect(out.headers.get('set-cookie')).toMatch(/^promo_track_admin=; .*Max-Age=0/);
  });

  it('refuses to start with a short token', () => {
    expect(() => createService({ DATABASE_URL: 'sqlite::memory:', ADMIN_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => createService({ DATABASE_URL: 'sqlite::memory:', ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN/);
  });
});

describe('without ADMIN_TOKEN', () => {
  it('serves the dashboard on a loopback address', async () => {
    const origin = await start({ HOST: '127.0.0.1' });
    const page = await fetch(`${origin}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${origin}/stats`)).status).toBe(200);
  });

  it('serves no dashboard on any other address', async () => {
    const origin = await start({ HOST: '0.0.0.0' });
    const page = await fetch(`${origin}/dashboard`);
    expect(page.status).toBe(404);
    expect(await page.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('knows the loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1']) expect(isLoopback(host)).toBe(false);
  });
});
