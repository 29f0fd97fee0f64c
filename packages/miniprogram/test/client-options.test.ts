/** The options that replace wx (Taro, uni-app, Node): nothing of wx is called, and odd storages are fine. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPromoClient, type PromoRequest, type PromoRequestOptions, type PromoStorage } from '../src/index.js';

const scan = { scene: 1047, query: { scene: 'AbCd1234' } };

/** A backend answering 201 to every POST and a promo to every GET, recording what it got. */
function recordingRequest() {
  const got: PromoRequestOptions[] = [];
  const request: PromoRequest = async (o) => {
    got.push(JSON.parse(JSON.stringify(o)));
    return o.method === 'GET' ? { statusCode: 200, data: { promocode: 'Own5x' } } : { statusCode: 201, data: { items: [] } };
  };
  return { got, request };
}

function memoryStorage(missing: unknown): PromoStorage & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: (key) => (values.has(key) ? values.get(key) : missing),
    set: (key, value) => {
      // What a host's storage may require: plain JSON.
      expect(JSON.parse(JSON.stringify(value))).toEqual(value);
      values.set(key, value);
    },
  };
}

beforeEach(() => {
  // Any touch of wx or getApp fails the test.
  const trap = new Proxy(
    {},
    {
      get: (_, name) => {
        throw new Error(`touched wx.${String(name)}`);
      },
    },
  );
  vi.stubGlobal('wx', trap);
  vi.stubGlobal('getApp', () => {
    throw new Error('touched getApp');
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createPromoClient with request and storage given', () => {
  it.each([
    ["''", ''],
    ['undefined', undefined],
    ['null', null],
  ])('runs without wx; storage.get answering %s for a missing key', async (_, missing) => {
    const { got, request } = recordingRequest();
    const storage = memoryStorage(missing);
    const client = createPromoClient({
      baseUrl: 'http://127.0.0.1:1/api/',
      getUserId: async () => 5,
      header: { 'x-user': '5' },
      request,
      storage,
    });
    client.onLaunch(scan);
    client.onShow(scan);
    await client.flush();
    const shared = await client.share({ from: 'menu' }, { path: '/pages/index/index' });
    await client.flush();
    expect(shared.path).toBe('/pages/index/index?promocode=Own5x');
    expect(got.map((o) => `${o.method} ${o.url}`)).toEqual([
      'POST http://127.0.0.1:1/api/tracks/batch',
      'GET http://127.0.0.1:1/api/tracks/5/1',
      'POST http://127.0.0.1:1/api/shares',
    ]);
    expect(got[0].header).toEqual({ 'content-type': 'application/json', 'x-user': '5' });
    expect(storage.values.get('promo-track')).toMatchObject({ q: [], u: 5, c: 'Own5x' });
  });

  it('a storage that throws (full, unavailable) loses nothing while the app runs', async () => {
    const { got, request } = recordingRequest();
    const storage: PromoStorage = {
      get: () => {
        throw new Error('storage unavailable');
      },
      set: () => {
        throw new Error('quota exceeded');
      },
    };
    const client = createPromoClient({ baseUrl: 'http://127.0.0.1:1', getUserId: () => 5, request, storage });
    client.onLaunch(scan);
    await client.flush();
    expect(got.filter((o) => o.method === 'POST').map((o) => o.data)).toEqual([
      {
        events: [
          {
            user_id: 5,
            promocode: 'AbCd1234',
            scene: '1047',
            event_id: expect.any(String),
            occurred_at: expect.any(String),
            signals: { device: expect.any(String) },
          },
        ],
      },
    ]);
  });

  it('a getUserId that throws counts as not logged in', async () => {
    const { got, request } = recordingRequest();
    const client = createPromoClient({
      baseUrl: 'http://127.0.0.1:1',
      getUserId: () => {
        throw new Error('getApp() is not ready');
      },
      request,
      storage: memoryStorage(''),
    });
    client.onLaunch(scan);
    await client.flush();
    expect(got).toEqual([]);
  });
});
