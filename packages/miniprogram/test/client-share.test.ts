/// <reference types="miniprogram-api-typings" />
/** share(): the share path tagged with the sharer's own code, and the share recorded through the queue. */
import { describe, expect, it } from 'vitest';
import { advance, START, startApp, type Session, useSimulatedTime } from './support/app.js';
import { Device } from './support/simulated-wx.js';

useSimulatedTime();

const card = { title: 'Come and see', path: '/pages/goods/goods?id=9', imageUrl: '/img/card.png' };
const shares = (device: Device) => device.sent.filter((s) => s.url.endsWith('/shares'));

describe('share()', () => {
  it('adds promocode=<own code> to the path and records the share with its type (menu 1, button 2, else 0)', async () => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    const fromMenu = client.share({ from: 'menu' }, card);
    await advance(100);
    expect(await fromMenu).toEqual({ ...card, path: '/pages/goods/goods?id=9&promocode=Own42x' });
    expect(await client.share({ from: 'button' }, { path: '/pages/index/index' })).toEqual({ path: '/pages/index/index?promocode=Own42x' });
    // A page opened through someone else's share: their code is replaced by ours.
    expect(await client.share({}, { path: '/pages/index/index?promocode=Promoter9&x=1' })).toEqual({
      path: '/pages/index/index?x=1&promocode=Own42x',
    });
    await advance(1_000);
    expect(device.backend.shares).toEqual([
      {
        user_id: 42,
        share_type: 1,
        page: '/pages/goods/goods',
        promocode: 'Own42x',
        event_id: expect.any(String),
        occurred_at: START.toISOString(),
      },
      {
        user_id: 42,
        share_type: 2,
        page: '/pages/index/index',
        promocode: 'Own42x',
        event_id: expect.any(String),
        occurred_at: expect.any(String),
      },
      {
        user_id: 42,
        share_type: 0,
        page: '/pages/index/index',
        promocode: 'Own42x',
        event_id: expect.any(String),
        occurred_at: expect.any(String),
      },
    ]);
    expect(new Set(device.backend.shares.map((s) => s.event_id)).size).toBe(3);
  });

  it('fetches the own code once with GET /tracks/:user_id/1 as soon as the user is known, and keeps it across restarts', async () => {
    const device = new Device();
    const session: Session = {};
    const first = startApp(device, session);
    first.onLaunch({ scene: 1047, query: { scene: 'AbCd1234' } });
    session.userId = 42;
    await advance(5_000);
    expect(device.sent.filter((s) => s.method === 'GET').map((s) => s.url)).toEqual(['https://api.example.com/api/tracks/42/1']);
    device.kill();

    const second = startApp(device, session);
    device.online = false; // the code is at hand without the network
    second.onLaunch({ scene: 1001 });
    expect((await second.share({ from: 'menu' }, card)).path).toBe('/pages/goods/goods?id=9&promocode=Own42x');
    device.online = true;
    await advance(10 * 60_000);
    expect(device.backend.promoFetches).toBe(1);
    expect(device.backend.shares).toEqual([expect.objectContaining({ share_type: 1, promocode: 'Own42x' })]);
  });

  it('before login: the card is shared as it is, and the share is recorded once the user is known, with the code the card carried: none', async () => {
    const device = new Device();
    const session: Session = {};
    const client = startApp(device, session);
    expect(await client.share({ from: 'button' }, card)).toEqual(card);
    await advance(60_000);
    expect(shares(device)).toEqual([]);
    session.userId = 7;
    await advance(5_000);
    expect(device.backend.shares).toEqual([
      expect.objectContaining({ user_id: 7, share_type: 2, promocode: null, occurred_at: START.toISOString() }),
    ]);
    // A later share, the code now known, carries it and is recorded with it.
    expect((await client.share({ from: 'menu' }, card)).path).toBe('/pages/goods/goods?id=9&promocode=Own7x');
    await advance(5_000);
    expect(device.backend.shares.map((s) => s.promocode)).toEqual([null, 'Own7x']);
  });

  it('logged in but the code cannot be fetched (offline): the card goes without a code, and its share is recorded with null, not a code fetched later', async () => {
    const device = new Device();
    device.online = false;
    const client = startApp(device, { userId: 9 });
    const shared = client.share({ from: 'menu' }, card);
    await advance(100);
    expect(await shared).toEqual(card);
    device.online = true;
    await advance(10 * 60_000);
    expect(device.backend.promoFetches).toBe(1); // fetched once back online
    expect(device.backend.shares).toEqual([expect.objectContaining({ user_id: 9, share_type: 1, promocode: null })]);
  });

  it('a share waits for its card: the own code being fetched while the queue is sent, the share is recorded with it', async () => {
    const device = new Device();
    const client = startApp(device, { userId: 11 });
    client.onLaunch({ scene: 1047, query: { scene: 'AbCd1234' } }); // a visit: the queue starts sending at once
    const shared = client.share({ from: 'button' }, card);
    await advance(1_000);
    expect((await shared).path).toBe('/pages/goods/goods?id=9&promocode=Own11x');
    await advance(5_000);
    expect(device.backend.shares).toEqual([expect.objectContaining({ user_id: 11, share_type: 2, promocode: 'Own11x' })]);
  });

  it('is captured at once: the app killed right after a share, before login, still records it after the restart', async () => {
    const device = new Device();
    const first = startApp(device, {});
    void first.share({ from: 'menu' }, card);
    device.kill();
    const session: Session = { userId: 8 };
    const second = startApp(device, session);
    second.onLaunch({ scene: 1001 });
    await advance(5_000);
    // Killed before its card was made: WeChat shared the defaults, without a code.
    expect(device.backend.shares).toEqual([
      expect.objectContaining({ user_id: 8, share_type: 1, promocode: null, occurred_at: START.toISOString() }),
    ]);
  });

  it('a failed share (5xx) is retried with back-off; a refused one (4xx) is dropped', async () => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    const ready = client.flush(); // fetches the own code
    await advance(200);
    await ready;
    device.backend.forcedStatus = 503;
    await client.share({ from: 'menu' }, { path: '/pages/index/index' });
    await advance(60_000);
    const tries = shares(device).length;
    expect(tries).toBeGreaterThan(2);
    device.backend.forcedStatus = 400;
    await advance(6 * 60_000);
    expect(shares(device).length).toBe(tries + 1); // answered 400: dropped
    device.backend.forcedStatus = undefined;
    await advance(60 * 60_000);
    expect(shares(device).length).toBe(tries + 1);
    expect(device.backend.shares).toEqual([]);
  });

  it("fits WeChat's own types: App options and onShareAppMessage with its promise", async () => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    const launch: WechatMiniprogram.App.LaunchShowOption = {
      path: 'pages/index/index',
      scene: 1047,
      query: { scene: 'AbCd1234' },
      referrerInfo: { appId: '', extraData: {} },
      forwardMaterials: [],
      chatType: 1,
      apiCategory: 'default',
      shareTicket: '',
    };
    client.onLaunch(launch);
    client.onShow(launch);
    const onShareAppMessage = (res: WechatMiniprogram.Page.IShareAppMessageOption): WechatMiniprogram.Page.IAsyncCustomShareContent => ({
      ...card,
      promise: client.share(res, card),
    });
    const shared = onShareAppMessage({ from: 'menu', target: undefined, webViewUrl: '' });
    await advance(500);
    expect((await shared.promise).path).toBe('/pages/goods/goods?id=9&promocode=Own42x');
    expect(device.backend.tracks).toHaveLength(1);
  });
});
