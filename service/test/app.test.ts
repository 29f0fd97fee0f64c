/**
 * The service's Express host in-process: /healthz, the JSON 404, the routes at '/', and the
 * mini-program code images (generated through a local stand-in for WeChat, served from WXACODE_DIR).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWechat, type FakeWechat } from '../../test/support/fake-wechat.js';
import { startReceiver } from '../../test/support/webhook-receiver.js';
import { createService, type Service } from '../src/app.js';
import { ConfigError, failureLine } from '../src/config.js';

const SALT = 'service-test-salt';
const started: { service: Service; server: Server }[] = [];

async function start(env: Record<string, string>): Promise<{ service: Service; base: string }> {
  const service = createService({ PROMO_SALT: SALT, DATABASE_URL: 'sqlite::memory:', ...env });
  await service.tracker.migrate().catch(() => undefined);
  const server = await new Promise<Server>((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  started.push({ service, server });
  return { service, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

afterEach(async () => {
  for (const { service, server } of started.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
    await service.close();
  }
});

describe('the service host', () => {
  it('GET /healthz → 200 { status: "ok" } when the database answers', async () => {
    const { base } = await start({});
    const res = await fetch(`${base}/healthz`);
    expect([res.status, await res.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('GET /healthz → 503 when the database does not answer', async () => {
    // Nothing listens on port 1: the pool cannot connect.
    const { base } = await start({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable' });
  });

  it('GET /healthz → 503 once the database is closed', async () => {
    const { base, service } = await start({});
    await service.close();
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
  });

  it('serves the routes at / and answers other paths with a JSON 404', async () => {
    const { base } = await start({});
    const promo = await fetch(`${base}/tracks/5/1`);
    expect(promo.status).toBe(200);
    const { promocode } = await promo.json();
    const track = await fetch(`${base}/tracks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 6, promocode, scene: '1047', event_id: 'e1' }),
    });
    expect(track.status).toBe(201);
    const missing = await fetch(`${base}/no/such/route`);
    expect([missing.status, await missing.json()]).toEqual([404, { error: { code: 'not_found', message: 'No such route.' } }]);
  });
});

describe('mini-program codes (WX_APPID and WX_SECRET set)', () => {
  let wechat: FakeWechat;
  let dir: string;

  beforeAll(async () => {
    wechat = await startFakeWechat();
    dir = mkdtempSync(join(tmpdir(), 'promo-track-wxacode-'));
  });
  afterAll(async () => {
    await wechat?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    WX_APPID: wechat.appid,
    WX_SECRET: wechat.secret,
    WX_API_BASE: wechat.apiBase,
    WXACODE_DIR: dir,
    WXACODE_BASE_URL: 'https://promo.example.com/wxacode/',
  });

  it('a new promo gets its code, stored in WXACODE_DIR and served with a long cache lifetime', async () => {
    const { base } = await start(env());
    const promo = await (await fetch(`${base}/tracks/9/1?page=pages/index/index`)).json();
    expect(promo.wxbcode).toMatch(/^https:\/\/promo\.example\.com\/wxacode\/.+\.png$/);
    const path = new URL(promo.wxbcode).pathname;
    const image = await fetch(`${base}${path}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await image.arrayBuffer()).equals(wechat.images.get(promo.promocode)!)).toBe(true);
    const head = await fetch(`${base}${path}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(wechat.images.get(promo.promocode)!.length)]);
  });

  it('content type by extension, else by the bytes; anything outside the folder → 404', async () => {
    writeFileSync(join(dir, 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    writeFileSync(join(dir, 'noext'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    writeFileSync(join(dir, '.hidden.png'), 'x');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const outside = mkdtempSync(join(tmpdir(), 'promo-track-outside-'));
    writeFileSync(join(outside, 'secret.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    symlinkSync(join(outside, 'secret.png'), join(dir, 'link.png'));
    const { base } = await start(env());
    try {
      expect((await fetch(`${base}/wxacode/a.jpg`)).headers.get('content-type')).toBe('image/jpeg');
      expect((await fetch(`${base}/wxacode/noext`)).headers.get('content-type')).toBe('image/png');
      for (const path of [
        '/wxacode/notes.txt',
        '/wxacode/.hidden.png',
        '/wxacode/sub',
        '/wxacode/missing.png',
        '/wxacode/link.png',
        '/wxacode/..%2f..%2fetc%2fpasswd',
        '/wxacode/%2e%2e/%2e%2e/etc/passwd',
        '/wxacode/sub/..%5c..%5ca.jpg',
        `/wxacode/..%2f${outside.split('/').pop()}%2fsecret.png`,
      ]) {
        const res = await fetch(`${base}${path}`);
        expect([path, res.status]).toEqual([path, 404]);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a WeChat failure never fails the promo (wxbcode stays null)', async () => {
    wechat.failCodes(45009, 1);
    const { base } = await start(env());
    const res = await fetch(`${base}/tracks/10/1`);
    expect(res.status).toBe(200);
    expect((await res.json()).wxbcode).toBeNull();
  });
});

describe('the service’s webhooks', () => {
  it('WEBHOOK_* runs the sender: a binding reaches the endpoint signed; close() stops it before the database', async () => {
    const receiver = await startReceiver();
    try {
      const { service, base } = await start({
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: receiver.secret,
        WEBHOOK_EVENTS: 'referral.bound,share.recorded',
      });
      service.startWorker();
      const { promocode } = await (await fetch(`${base}/tracks/1/1`)).json();
      await fetch(`${base}/tracks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 2, promocode, scene: 1047 }),
      });
      for (let i = 0; i < 200 && receiver.accepted().size < 1; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      const [delivery] = receiver.deliveries;
      expect(delivery?.verified).toBe(true);
      expect(JSON.parse(delivery!.body)).toMatchObject({
        type: 'referral.bound',
        data: { user_id: 2, referrer: 1, previous_referrer: null },
      });
    } finally {
      await receiver.close();
    }
  });

  it('a webhook mistake is a ConfigError naming the variables', () => {
    expect(() =>
      createService({ PROMO_SALT: SALT, DATABASE_URL: 'sqlite::memory:', WEBHOOK_URL: 'http://x/h', WEBHOOK_SECRET: 'nope' }),
    ).toThrow(/webhooks\[0\]\.secret.*WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_EVENTS/);
    expect(() =>
      createService({
        PROMO_SALT: SALT,
        DATABASE_URL: 'sqlite::memory:',
        WEBHOOK_URL: 'http://x/h',
        WEBHOOK_SECRET: 'whsec_c2VjcmV0c2VjcmV0',
        WEBHOOK_EVENTS: 'track.deleted',
      }),
    ).toThrow(ConfigError);
  });

  it('a start-up failure is one line with the prefix promo-track: once, also when the core words the mistake', () => {
    let thrown: unknown;
    try {
      createService({ PROMO_SALT: SALT, DATABASE_URL: 'sqlite::memory:', WEBHOOK_URL: 'http://x/h', WEBHOOK_SECRET: 'nope' });
    } catch (error) {
      thrown = error;
    }
    const line = failureLine(thrown);
    expect(line).toMatch(/^promo-track: `webhooks\[0\]\.secret` /);
    expect(line.match(/promo-track:/g)).toHaveLength(1);
    expect(failureLine(new TypeError('promo-track: x'), 'the database could not be migrated')).toBe(
      'promo-track: the database could not be migrated: x',
    );
  });
});
