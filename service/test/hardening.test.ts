/**
 * Issue 21, through the service's real HTTP: the Host check without ADMIN_TOKEN (DNS rebinding),
 * TRUST_PROXY and the Secure cookie, sign-in limits and sign-out, error codes and headers.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createService, type Service } from '../src/app.js';
import { ConfigError } from '../src/config.js';

const TOKEN = 'service-admin-token-0123456789abcdef';
let server: Server | undefined;
let service: Service | undefined;

async function start(env: Record<string, string>): Promise<{ origin: string; port: number }> {
  service = createService({ DATABASE_URL: 'sqlite::memory:', PROMO_SALT: 'hardening-test-salt', ...env });
  await service.tracker.migrate();
  server = createServer(service.app);
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, port };
}

afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((done) => server!.close(done));
  }
  await service?.close();
  server = service = undefined;
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, since fetch will not send a Host header of our choosing. */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: !('host' in headers) }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = (token: string) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ token }).toString(),
});

describe('without ADMIN_TOKEN, on a loopback address', () => {
  it('answers the admin routes and the dashboard only to a loopback Host (no DNS rebinding); tracking routes to any Host', async () => {
    const { port } = await start({ HOST: '127.0.0.1' });
    const attacker = { host: `rebind.attacker.example:${port}` };
    for (const [method, path] of [
      ['GET', '/dashboard'],
      ['GET', '/leaderboard'],
      ['GET', '/stats'],
      ['DELETE', '/users/1'],
    ]) {
      const res = await send(port, method, path, attacker);
      expect(res.status, `${method} ${path}`).toBe(403);
      if (path !== '/dashboard') expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'forbidden' } });
    }
    const promo = await send(port, 'GET', '/tracks/1/1', attacker);
    expect(promo.status).toBe(200);
    const { promocode } = JSON.parse(promo.body) as { promocode: string };
    const track = await send(
      port,
      'POST',
      '/tracks',
      { ...attacker, 'content-type': 'application/json' },
      JSON.stringify({ user_id: 2, promocode, scene: 1047 }),
    );
    expect(track.status).toBe(201);
    expect((await send(port, 'GET', '/stats?user_id=1', attacker)).status).toBe(200);

    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await send(port, 'GET', '/leaderboard', { host })).status, host).toBe(200);
      expect((await send(port, 'GET', '/dashboard', { host })).status, host).toBe(200);
    }
    expect((await send(port, 'DELETE', '/users/2', { host: `127.0.0.1:${port}` })).status).toBe(200);
  });

  it('refuses a non-loopback HOST in production, and warns elsewhere, naming ADMIN_TOKEN', () => {
    const env = { DATABASE_URL: 'sqlite::memory:', PROMO_SALT: 'hardening-test-salt', HOST: '0.0.0.0' };
    expect(() => createService({ ...env, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => createService({ ...env, NODE_ENV: 'production' })).toThrow(/ADMIN_TOKEN/);
    service = createService(env);
    expect(service.warnings.join('\n')).toMatch(/ADMIN_TOKEN/);
    void service.close();
    service = createService({ ...env, HOST: '127.0.0.1' });
    expect(service.warnings.join('\n')).not.toMatch(/ADMIN_TOKEN/);
  });
});

describe('with ADMIN_TOKEN', () => {
  it('marks the cookie Secure behind a TLS proxy only when TRUST_PROXY is set', async () => {
    const { port } = await start({ ADMIN_TOKEN: TOKEN, TRUST_PROXY: 'loopback' });
    const { headers, body } = form(TOKEN);
    const signedIn = await send(port, 'POST', '/dashboard/sign-in', { ...headers, 'x-forwarded-proto': 'https' }, body);
    expect(signedIn.status).toBe(303);
    expect(String(signedIn.headers['set-cookie'])).toMatch(/; Secure/);
    const plain = await send(port, 'POST', '/dashboard/sign-in', headers, body);
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/);
  });

  it('never marks it Secure from X-Forwarded-Proto without TRUST_PROXY', async () => {
    const { port } = await start({ ADMIN_TOKEN: TOKEN });
    const { headers, body } = form(TOKEN);
    const signedIn = await send(port, 'POST', '/dashboard/sign-in', { ...headers, 'x-forwarded-proto': 'https' }, body);
    expect(signedIn.status).toBe(303);
    expect(String(signedIn.headers['set-cookie'])).not.toMatch(/Secure/);
  });

  it('refuses a TRUST_PROXY it cannot read, naming it', () => {
    expect(() => createService({ DATABASE_URL: 'sqlite::memory:', TRUST_PROXY: 'not an address' })).toThrow(/TRUST_PROXY/);
  });

  it('limits failed sign-ins per client: 100 parallel wrong tokens get at most 5 tries, then 429 even for the right one', async () => {
    const { port } = await start({ ADMIN_TOKEN: TOKEN });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const { headers, body } = form(`wrong-token-${i}-0123456789`);
        return send(port, 'POST', '/dashboard/sign-in', headers, body);
      }),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(95);
    expect(Number(answers.find((a) => a.status === 429)!.headers['retry-after'])).toBeGreaterThan(0);
    const { headers, body } = form(TOKEN);
    const right = await send(port, 'POST', '/dashboard/sign-in', headers, body);
    expect(right.status).toBe(429);
    expect(right.headers['set-cookie']).toBeUndefined();
  });

  it('limits wrong Bearer tokens like sign-ins: 100 parallel guesses get at most 5 tries, then 403 with Retry-After even for the right one', async () => {
    const { port } = await start({ ADMIN_TOKEN: TOKEN });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => send(port, 'GET', '/leaderboard', { authorization: `Bearer wrong-token-${i}-0123456789` })),
    );
    expect(answers.every((a) => a.status === 403 && JSON.parse(a.body).error.code === 'forbidden')).toBe(true);
    expect(answers.filter((a) => a.headers['retry-after'] !== undefined).length).toBeGreaterThanOrEqual(95);
    const right = await send(port, 'GET', '/leaderboard', { authorization: `Bearer ${TOKEN}` });
    expect(right.status).toBe(403);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // Bearer guesses and sign-ins are counted together: the form is closed to this caller too.
    const { headers, body } = form(TOKEN);
    expect((await send(port, 'POST', '/dashboard/sign-in', headers, body)).status).toBe(429);
  });

  it('keys the lockout so that one attacker cannot lock every operator out: sessions and browsers that signed in before keep working', async () => {
    const { port } = await start({ ADMIN_TOKEN: TOKEN });
    // An operator signed in earlier: a session cookie and a device cookie.
    const { headers, body } = form(TOKEN);
    const signedIn = await send(port, 'POST', '/dashboard/sign-in', headers, body);
    const cookies = (signedIn.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]);
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['promo_track_admin', 'promo_track_device']);
    const [session, device] = cookies as [string, string];
    // Every caller here shares one address, as behind a proxy without TRUST_PROXY: an attacker locks it.
    for (let i = 0; i < 6; i++) await send(port, 'GET', '/leaderboard', { authorization: `Bearer wrong-token-${i}-0123456789` });
    expect((await send(port, 'POST', '/dashboard/sign-in', headers, body)).status).toBe(429);
    // The open session is no guess; the browser that signed in before may sign in again.
    expect((await send(port, 'GET', '/leaderboard', { cookie: session })).status).toBe(200);
    const again = await send(port, 'POST', '/dashboard/sign-in', { ...headers, cookie: device }, body);
    expect(again.status).toBe(303);
    // A forged or copied-and-altered device cookie is no device: counted by address, still locked.
    const forged = `promo_track_device=${device.split('=')[1]!.split('.')[0]}.AAAA`;
    expect((await send(port, 'POST', '/dashboard/sign-in', { ...headers, cookie: forged }, body)).status).toBe(429);
    // That device's own wrong guesses lock it alone.
    for (let i = 0; i < 5; i++)
      await send(port, 'POST', '/dashboard/sign-in', { ...headers, cookie: device }, form(`wrong-${i}-0123456789abcdef`).body);
    expect((await send(port, 'POST', '/dashboard/sign-in', { ...headers, cookie: device }, body)).status).toBe(429);
  });

  it('requires an ADMIN_TOKEN of at least 24 characters with NODE_ENV=production, naming it', () => {
    const token = 'twenty-character-tok';
    expect(() =>
      createService({ DATABASE_URL: 'sqlite::memory:', PROMO_SALT: 'hardening-test-salt', ADMIN_TOKEN: token, NODE_ENV: 'production' }),
    ).toThrow(/ADMIN_TOKEN is shorter than 24 characters/);
    const service = createService({ DATABASE_URL: 'sqlite::memory:', PROMO_SALT: 'hardening-test-salt', ADMIN_TOKEN: token });
    void service.close();
  });

  it('ends the session on the server at sign-out: a copied cookie stops working', async () => {
    const { port } = await start({ ADMIN_TOKEN: TOKEN });
    const { headers, body } = form(TOKEN);
    const signedIn = await send(port, 'POST', '/dashboard/sign-in', headers, body);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0];
    expect((await send(port, 'GET', '/stats', { cookie })).status).toBe(200);
    const out = await send(port, 'POST', '/dashboard/sign-out', { cookie });
    expect(out.status).toBe(303);
    expect((await send(port, 'GET', '/stats', { cookie })).status).toBe(403);
    expect((await send(port, 'GET', '/dashboard', { cookie })).status).toBe(401);
  });

  it('answers an oversized sign-in body 413 payload_too_large', async () => {
    const { port } = await start({ ADMIN_TOKEN: TOKEN });
    const res = await send(
      port,
      'POST',
      '/dashboard/sign-in',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `token=${'x'.repeat(64 * 1024)}`,
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });
});

describe('every answer', () => {
  it('answers a body labelled Content-Encoding: gzip with 415 unsupported_media_type, on the routes and on the sign-in form', async () => {
    const { port } = await start({ ADMIN_TOKEN: TOKEN });
    const gzip = { 'content-encoding': 'gzip' };
    const signIn = await send(port, 'POST', '/dashboard/sign-in', { ...form(TOKEN).headers, ...gzip }, form(TOKEN).body);
    const track = await send(port, 'POST', '/shares', { 'content-type': 'application/json', ...gzip }, '{"share_type":1}');
    for (const answer of [signIn, track]) {
      expect([answer.status, JSON.parse(answer.body).error.code]).toEqual([415, 'unsupported_media_type']);
    }
  });

  it('carries X-Content-Type-Options: nosniff; a 404 does not echo the path', async () => {
    const { port } = await start({});
    const probe = '/no/<script>alert(1)</script>/such-route';
    const missing = await send(port, 'GET', probe);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'not_found' } });
    expect(missing.body).not.toMatch(/script|such-route/);
    for (const path of ['/healthz', probe, '/tracks/1/1', '/tracks/0/1']) {
      expect((await send(port, 'GET', path)).headers['x-content-type-options'], path).toBe('nosniff');
    }
  });
});
