import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileStore, createWxacodeGenerator, WxacodeError, type WxacodeGeneratorOptions } from '@promo-track/core';
import { type FakeWechat, startFakeWechat } from '../../../test/support/fake-wechat.js';

const BASE_URL = 'https://cdn.example.com/wxacode/';

let wechat: FakeWechat;
let dir: string;

beforeEach(async () => {
  wechat = await startFakeWechat();
  dir = mkdtempSync(join(tmpdir(), 'wxacode-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await wechat.close();
  rmSync(dir, { recursive: true, force: true });
});

const generator = (options: Partial<WxacodeGeneratorOptions> = {}) =>
  createWxacodeGenerator({
    appid: wechat.appid,
    secret: wechat.secret,
    store: createFileStore({ dir, baseUrl: BASE_URL }),
    apiBase: wechat.apiBase,
    ...options,
  });

const fileOf = (url: string) => join(dir, decodeURIComponent(url.slice(BASE_URL.length)));

async function failure(promise: Promise<unknown>): Promise<WxacodeError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a WxacodeError, but the call succeeded');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WxacodeError);
  return error as WxacodeError;
}

describe('createWxacodeGenerator options', () => {
  const store = { put: async () => 'x' };
  const valid = { appid: 'wx1', secret: 's', store };
  it.each([
    [{ ...valid, appid: '' }, /`appid` is missing/],
    [{ ...valid, secret: undefined }, /`secret` is missing/],
    [{ ...valid, store: {} }, /`store` has no `put/],
    [{ ...valid, apiBase: 'api.weixin.qq.com' }, /`apiBase` is not an http\(s\) origin/],
    [{ ...valid, apiBase: 'ftp://example.com' }, /`apiBase`/],
    [{ ...valid, envVersion: 'beta' }, /`envVersion` is "beta"/],
    [{ ...valid, width: 100 }, /`width` is 100/],
    [{ ...valid, width: 1281 }, /`width`/],
    [{ ...valid, width: 430.5 }, /`width`/],
    [{ ...valid, timeoutMs: 0 }, /`timeoutMs`/],
    [{ ...valid, checkPath: 'yes' }, /`checkPath`/],
  ])('refuses %j', (options, message) => {
    expect(() => createWxacodeGenerator(options as any)).toThrow(message);
  });

  it('accepts an apiBase with a trailing slash', () => {
    expect(() => createWxacodeGenerator({ ...valid, apiBase: 'http://127.0.0.1:1/' })).not.toThrow();
  });
});

describe('generate', () => {
  it('stores the image WeChat sent, byte for byte, and answers its URL', async () => {
    const url = await generator().generate({ scene: 'AbC12345', page: null });
    expect(url.startsWith(BASE_URL)).toBe(true);
    expect(url).toMatch(/\/AbC12345-[0-9a-f]{12}\.png$/);
    const sent = wechat.images.get('AbC12345')!;
    expect(sent.length).toBeGreaterThan(8);
    expect(readFileSync(fileOf(url)).equals(sent)).toBe(true);
  });

  it('keeps a JPEG answer as .jpg with its content type', async () => {
    wechat.imageType = 'image/jpeg';
    const put = vi.fn(async (key: string, _bytes: Uint8Array, _type: string) => `https://x/${key}`);
    const url = await generator({ store: { put } }).generate({ scene: 'jpegcode', page: null });
    expect(url).toMatch(/jpegcode-[0-9a-f]{12}\.jpg$/);
    expect(put).toHaveBeenCalledWith(expect.stringMatching(/\.jpg$/), expect.any(Uint8Array), 'image/jpeg');
    expect(Buffer.from(put.mock.calls[0][1]).equals(wechat.images.get('jpegcode')!)).toBe(true);
  });

  it('sends scene, page, check_path, env_version and width as WeChat documents them', async () => {
    await generator({ envVersion: 'trial', width: 600 }).generate({ scene: 'code0001', page: '/pages/share/index?from=x' });
    expect(wechat.codeRequests[0].body).toEqual({
      scene: 'code0001',
      page: 'pages/share/index',
      check_path: false,
      env_version: 'trial',
      width: 600,
    });
  });

  it('defaults to release, width 430 and check_path true, and omits a missing page', async () => {
    await generator().generate({ scene: 'code0002', page: null });
    await generator().generate({ scene: 'code0003', page: '/' });
    expect(wechat.codeRequests[0].body).toEqual({ scene: 'code0002', check_path: true, env_version: 'release', width: 430 });
    expect(wechat.codeRequests[1].body).not.toHaveProperty('page');
  });

  it('gives different images different keys, also where scenes differ only by letter case', async () => {
    const g = generator();
    const [a, b] = await Promise.all([g.generate({ scene: 'AbCdEfGh', page: null }), g.generate({ scene: 'abcdefgh', page: null })]);
    expect(a.toLowerCase()).not.toBe(b.toLowerCase());
    expect(await g.generate({ scene: 'AbCdEfGh', page: null })).toBe(a);
  });

  it('refuses a scene WeChat would refuse, without calling it', async () => {
    await expect(generator().generate({ scene: 'x'.repeat(33), page: null })).rejects.toThrow(/scene/);
    await expect(generator().generate({ scene: '中文', page: null })).rejects.toThrow(/scene/);
    expect(wechat.tokenRequests).toHaveLength(0);
  });
});

describe('the stable access token', () => {
  it('is asked for once, in normal mode, by concurrent callers', async () => {
    const g = generator();
    const urls = await Promise.all(Array.from({ length: 8 }, (_, i) => g.generate({ scene: `concurrent${i}`, page: null })));
    expect(new Set(urls).size).toBe(8);
    expect(wechat.tokenRequests).toEqual([{ body: { grant_type: 'client_credential', appid: wechat.appid, secret: wechat.secret } }]);
    expect(wechat.codeRequests).toHaveLength(8);
  });

  it('is cached until shortly before it expires, then refreshed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.UTC(2026, 0, 1);
    vi.setSystemTime(t0);
    const g = generator();
    await g.generate({ scene: 'clock001', page: null });
    vi.setSystemTime(t0 + (7200 - 300 - 5) * 1000);
    await g.generate({ scene: 'clock002', page: null });
    expect(wechat.tokenRequests).toHaveLength(1);

    vi.setSystemTime(t0 + (7200 - 300 + 5) * 1000);
    await g.generate({ scene: 'clock003', page: null });
    expect(wechat.tokenRequests).toHaveLength(2);
    const [first, second, third] = wechat.codeRequests.map((r) => r.accessToken);
    expect(second).toBe(first);
    expect(third).not.toBe(first);
    expect(wechat.codeRequests.every((r) => 'image' in (r.answer as object))).toBe(true);
  });

  it('follows a short expires_in', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.UTC(2026, 0, 1);
    vi.setSystemTime(t0);
    wechat.expiresIn = 60;
    const g = generator();
    await g.generate({ scene: 'short001', page: null });
    vi.setSystemTime(t0 + 50_000);
    await g.generate({ scene: 'short002', page: null });
    expect(wechat.tokenRequests).toHaveLength(1);
    vi.setSystemTime(t0 + 55_000);
    await g.generate({ scene: 'short003', page: null });
    expect(wechat.tokenRequests).toHaveLength(2);
  });

  it('is not cached when asking for it failed: the next call asks again', async () => {
    wechat.failTokens(-1);
    const g = generator();
    const error = await failure(g.generate({ scene: 'tokenfail', page: null }));
    expect(error).toMatchObject({ api: 'stable_token', errcode: -1 });
    await g.generate({ scene: 'tokenfail', page: null });
    expect(wechat.tokenRequests).toHaveLength(2);
  });

  it('reports a wrong secret with WeChat errcode, without the secret', async () => {
    const error = await failure(generator({ secret: 'wrong-secret-value' }).generate({ scene: 'badsecret', page: null }));
    expect(error).toMatchObject({ api: 'stable_token', kind: 'errcode', errcode: 40125 });
    expect(error.message).toContain('40125');
    expect(error.message).not.toContain('wrong-secret-value');
    expect(wechat.codeRequests).toHaveLength(0);
  });
});

describe('invalid-token answers', () => {
  it('40001 (token replaced elsewhere): one new token, one retry', async () => {
    const g = generator();
    await g.generate({ scene: 'before01', page: null });
    wechat.invalidateTokens();
    const url = await g.generate({ scene: 'after001', page: null });
    expect(readFileSync(fileOf(url)).equals(wechat.images.get('after001')!)).toBe(true);
    expect(wechat.tokenRequests).toHaveLength(2);
    expect(
      wechat.codeRequests.map((r) => ('errcode' in (r.answer as object) ? (r.answer as { errcode: number }).errcode : 'image')),
    ).toEqual(['image', 40001, 'image']);
    expect(wechat.codeRequests[2].accessToken).not.toBe(wechat.codeRequests[1].accessToken);
  });

  it.each([40001, 42001, 40014])('%i: refreshes the token once and retries once', async (errcode) => {
    wechat.failCodes(errcode);
    await generator().generate({ scene: `retry${errcode}`, page: null });
    expect(wechat.tokenRequests).toHaveLength(2);
    expect(wechat.codeRequests).toHaveLength(2);
  });

  it('a token that stays invalid fails after one retry, never looping', async () => {
    wechat.failCodes(40001, Infinity);
    const g = generator();
    const error = await failure(g.generate({ scene: 'invalid01', page: null }));
    expect(error).toMatchObject({ api: 'getwxacodeunlimit', kind: 'errcode', errcode: 40001 });
    await new Promise((r) => setTimeout(r, 50));
    expect(wechat.tokenRequests).toHaveLength(2);
    expect(wechat.codeRequests).toHaveLength(2);
    for (const { accessToken } of wechat.codeRequests) expect(error.message).not.toContain(accessToken);
  });

  it('concurrent callers that all hear 40001 share one refresh', async () => {
    const g = generator();
    await g.generate({ scene: 'warmup01', page: null });
    wechat.invalidateTokens();
    await Promise.all(Array.from({ length: 8 }, (_, i) => g.generate({ scene: `shared0${i}`, page: null })));
    expect(wechat.tokenRequests).toHaveLength(2);
  });
});

describe('other answers', () => {
  it('45009 (quota) is not retried within the call', async () => {
    wechat.failCodes(45009);
    const error = await failure(generator().generate({ scene: 'quota001', page: null }));
    expect(error).toMatchObject({ kind: 'errcode', errcode: 45009 });
    expect(error.errmsg).toContain('quota');
    expect(wechat.codeRequests).toHaveLength(1);
    expect(wechat.tokenRequests).toHaveLength(1);
  });

  it.each([41030, -1, 40169, 48001])('errcode %i is a WxacodeError, not retried', async (errcode) => {
    wechat.failCodes(errcode);
    const error = await failure(generator().generate({ scene: 'other001', page: 'pages/x' }));
    expect(error.errcode).toBe(errcode);
    expect(error.message).toContain(String(errcode));
    expect(wechat.codeRequests).toHaveLength(1);
  });

  it('a server that never answers fails within the timeout', async () => {
    wechat.hang('getwxacodeunlimit');
    const started = Date.now();
    const error = await failure(generator({ timeoutMs: 300 }).generate({ scene: 'hang0001', page: null }));
    expect(error).toMatchObject({ kind: 'timeout', api: 'getwxacodeunlimit' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a token endpoint that never answers fails within the timeout', async () => {
    wechat.hang('stable_token');
    const started = Date.now();
    const error = await failure(generator({ timeoutMs: 300 }).generate({ scene: 'hang0002', page: null }));
    expect(error).toMatchObject({ kind: 'timeout', api: 'stable_token' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an unreachable server is a network failure', async () => {
    const closed = await startFakeWechat();
    await closed.close();
    const error = await failure(generator({ apiBase: closed.apiBase }).generate({ scene: 'network1', page: null }));
    expect(error.kind).toBe('network');
  });
});

describe('remove', () => {
  it('deletes the stored image, and ignores URLs it did not make', async () => {
    const g = generator();
    const url = await g.generate({ scene: 'remove01', page: null });
    expect(existsSync(fileOf(url))).toBe(true);
    await g.remove(url);
    expect(existsSync(fileOf(url))).toBe(false);
    await g.remove(url);
    await g.remove('https://elsewhere.example.com/logo.png');
  });

  it('hands the store back the key it was given, whatever the shape of its URLs', async () => {
    const files = new Map<string, Uint8Array>();
    const store = {
      put: async (key: string, bytes: Uint8Array) => (files.set(key, bytes), `memory://${key}?v=1`),
      delete: async (key: string) => void files.delete(key),
    };
    const g = generator({ store });
    const url = await g.generate({ scene: 'memory01', page: null });
    expect(files.size).toBe(1);
    await g.remove(url);
    expect(files.size).toBe(0);
  });

  it('refuses a store that answers no URL', async () => {
    await expect(generator({ store: { put: async () => undefined as any } }).generate({ scene: 'nourl001', page: null })).rejects.toThrow(
      /did not answer the image URL/,
    );
  });
});
