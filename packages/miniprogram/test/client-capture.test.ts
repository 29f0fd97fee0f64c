/** What a launch or show records: the code read from `query.scene` or `query.promocode`, once per visit. */
import { describe, expect, it } from 'vitest';
import { advance, START, startApp, useSimulatedTime } from './support/app.js';
import { Device, launchOptions } from './support/simulated-wx.js';

useSimulatedTime();

describe('reading the promocode of a launch', () => {
  it.each([
    ["a raw code in query.scene (the unlimited code's scene is the promocode)", { scene: 'AbCd1234' }],
    ['query.scene holding promocode=… URL-encoded (%3D)', { scene: 'promocode%3DAbCd1234' }],
    ['query.scene holding several parameters (%3D and %26)', { scene: 'src%3Dposter%26promocode%3DAbCd1234%26n%3D2' }],
    ["query.promocode (a shared card's path)", { promocode: 'AbCd1234', from: 'card' }],
  ])('%s', async (_, query) => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    client.onLaunch(launchOptions(1047, query));
    await advance(200);
    expect(device.backend.tracks).toEqual([
      {
        user_id: 42,
        promocode: 'AbCd1234',
        scene: '1047',
        event_id: expect.stringMatching(/^[\w-]{8,64}$/),
        occurred_at: START.toISOString(),
      },
    ]);
  });

  it('a launch or show without a code, or with something that is not a code, records nothing and sends nothing', async () => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    client.onLaunch(launchOptions(1001));
    client.onShow(launchOptions(1001));
    client.onShow(launchOptions(1089, { scene: 'not%20a%20code' }));
    client.onShow(launchOptions(1007, { promocode: 'x'.repeat(33) }));
    client.onShow(launchOptions(1047, { scene: '%E0%A4%A' })); // malformed escape
    await advance(10_000);
    expect(device.backend.tracks).toEqual([]);
    expect(device.sent.filter((s) => s.method === 'POST')).toEqual([]);
  });

  it('the onShow right after onLaunch on a cold start is the same visit; a later show with a code is another', async () => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    const scan = launchOptions(1047, { scene: 'AbCd1234' });
    client.onLaunch(scan);
    client.onShow(scan);
    await advance(60_000);
    expect(device.backend.tracks).toHaveLength(1);

    client.onShow(launchOptions(1007, { promocode: 'Promoter9' })); // back from the background through a card
    client.onShow(launchOptions(1001)); // and again, without a code
    await advance(200);
    expect(device.backend.tracks.map((t) => [t.scene, t.promocode])).toEqual([
      ['1047', 'AbCd1234'],
      ['1007', 'Promoter9'],
    ]);
    expect(new Set(device.backend.tracks.map((t) => t.event_id)).size).toBe(2);
  });

  it('occurred_at is the time of the visit, not of the send', async () => {
    const device = new Device();
    const session: { userId?: number } = {};
    const client = startApp(device, session);
    client.onLaunch(launchOptions(1047, { scene: 'AbCd1234' }));
    await advance(90_000);
    session.userId = 7;
    await advance(5_000);
    expect(device.backend.tracks).toEqual([expect.objectContaining({ user_id: 7, occurred_at: START.toISOString() })]);
  });
});
