/** Getting queued visits to POST /tracks/batch: late login, restarts, outages, refusals, the cap. */
import { describe, expect, it } from 'vitest';
import { advance, START, startApp, type Session, useSimulatedTime } from './support/app.js';
import { Device, launchOptions } from './support/simulated-wx.js';

useSimulatedTime();

const scan = (code = 'AbCd1234') => launchOptions(1047, { scene: code });
const batches = (device: Device) => device.sent.filter((s) => s.url.endsWith('/tracks/batch'));
const MINUTE = 60_000;

describe('delivering visits', () => {
  it('login arriving late: nothing is sent before, everything once after, under the logged-in user', async () => {
    const device = new Device();
    const session: Session = {};
    const client = startApp(device, session);
    client.onLaunch(scan());
    client.onShow(scan());
    client.onShow(launchOptions(1007, { promocode: 'Promoter9' }));
    await advance(3 * MINUTE);
    expect(device.sent).toEqual([]);

    session.userId = 42;
    await advance(5_000);
    expect(device.backend.tracks.map((t) => [t.user_id, t.promocode])).toEqual([
      [42, 'AbCd1234'],
      [42, 'Promoter9'],
    ]);
    expect(batches(device)).toHaveLength(1); // both in one batch
    expect(batches(device)[0].header).toMatchObject({ Authorization: 'Bearer token-1', 'content-type': 'application/json' });
  });

  it('the app killed with 20 queued visits and restarted (storage kept, memory lost): all 20 recorded once', async () => {
    const device = new Device();
    const first = startApp(device, {}); // not logged in yet: the visits wait
    first.onLaunch(launchOptions(1001));
    for (let i = 0; i < 20; i++) {
      await advance(1_000);
      first.onShow(launchOptions(i % 2 ? 1047 : 1007, { promocode: 'AbCd1234' }));
    }
    device.kill();

    const second = startApp(device, { userId: 42 });
    second.onLaunch(launchOptions(1001));
    second.onShow(launchOptions(1001));
    await advance(5_000);
    const tracks = device.backend.tracks;
    expect(tracks).toHaveLength(20);
    expect(new Set(tracks.map((t) => t.event_id)).size).toBe(20);
    expect(tracks.map((t) => t.occurred_at)).toEqual(
      Array.from({ length: 20 }, (_, i) => new Date(START.getTime() + (i + 1) * 1_000).toISOString()),
    );
  });

  it('killed while the batch of 20 is on the wire (stored, answer lost): after the restart, still 20, once each', async () => {
    const device = new Device();
    device.online = false;
    const first = startApp(device, { userId: 42 });
    for (let i = 0; i < 20; i++) first.onShow(launchOptions(1047, { scene: 'AbCd1234' }));
    await advance(1_000);
    device.online = true;
    void first.flush();
    await advance(10); // the batch is sent, its answer not yet back
    device.kill();
    expect(device.backend.tracks).toHaveLength(20);

    const second = startApp(device, { userId: 42 });
    second.onLaunch(launchOptions(1001));
    await advance(10 * MINUTE);
    expect(batches(device).length).toBeGreaterThanOrEqual(2); // sent again: the first answer was lost
    expect(device.backend.tracks).toHaveLength(20);
    expect(new Set(device.backend.tracks.map((t) => t.event_id)).size).toBe(20);
  });

  it('the network down for an hour: retried with back-off, not hammered; all recorded once after', async () => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    device.online = false;
    client.onLaunch(scan());
    for (let minute = 10; minute <= 50; minute += 10) {
      await advance(10 * MINUTE);
      client.onShow(launchOptions(1007, { promocode: 'Promoter9' }));
    }
    await advance(10 * MINUTE);
    expect(device.backend.tracks).toEqual([]);

    device.online = true;
    await advance(7 * MINUTE); // back-off is at most 5 min (+20%)
    const tracks = device.backend.tracks;
    expect(tracks).toHaveLength(6);
    expect(new Set(tracks.map((t) => t.event_id)).size).toBe(6);
    expect(tracks.map((t) => t.occurred_at)).toEqual(
      [0, 10, 20, 30, 40, 50].map((m) => new Date(START.getTime() + m * MINUTE).toISOString()),
    );
    await advance(60 * MINUTE);
    expect(device.backend.tracks).toHaveLength(6);
    expect(batches(device)).toHaveLength(1);
  });

  it('tries at most a few dozen times during that hour (doubling from 2 s, capped at 5 min)', async () => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    device.online = false;
    client.onLaunch(scan());
    await advance(60 * MINUTE);
    // 2+4+…+256 s ≈ 8.5 min in 8 tries, then every ~5 min: about 19 tries; never once a second.
    expect(device.requests).toBeGreaterThan(10);
    expect(device.requests).toBeLessThan(30);
  });

  it.each([
    [500, 'internal'],
    [503, 'storage_unavailable'],
    [401, 'unauthorized'],
    [429, 'too many requests'],
  ])('%i (%s) is retried with back-off, not dropped', async (status) => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    device.backend.forcedStatus = status;
    client.onLaunch(scan());
    await advance(2 * MINUTE);
    expect(batches(device).length).toBeGreaterThan(2);
    device.backend.forcedStatus = undefined;
    await advance(6 * MINUTE);
    expect(device.backend.tracks).toHaveLength(1);
  });

  it('the back-off outlives a restart: the next launch waits for it instead of sending at once', async () => {
    const device = new Device();
    const first = startApp(device, { userId: 42 });
    device.backend.forcedStatus = 503;
    first.onLaunch(scan());
    await advance(4 * MINUTE); // several failures: the next try is minutes away
    device.kill();
    const sentBefore = device.sent.length;
    device.backend.forcedStatus = undefined;

    const second = startApp(device, { userId: 42 });
    second.onLaunch(launchOptions(1001)); // nothing new to record
    await advance(1_000);
    expect(device.sent.length).toBe(sentBefore);
    await advance(10 * MINUTE); // the try due at 2+4+…+256 s (±20%) after the first

    expect(device.backend.tracks).toHaveLength(1);
  });

  it('422 unknown_promocode naming events.N.promocode drops only that event; the rest are recorded', async () => {
    const device = new Device();
    const session: Session = {};
    const client = startApp(device, session);
    client.onLaunch(scan('AbCd1234'));
    client.onShow(launchOptions(1007, { promocode: 'NoSuchCode1' }));
    client.onShow(launchOptions(1007, { promocode: 'Promoter9' }));
    session.userId = 42;
    await advance(1_000);
    expect(device.backend.tracks.map((t) => t.promocode)).toEqual(['AbCd1234', 'Promoter9']);
    const sent = batches(device);
    expect(sent.map((b) => b.data.events.length)).toEqual([3, 2]); // refused, then the two others at once
    await advance(30 * MINUTE);
    expect(batches(device)).toHaveLength(2); // the refused event is gone, not retried
  });

  it('a 4xx that names no event: the batch goes one by one, so only the refused event is dropped', async () => {
    const device = new Device();
    device.backend.unnamedIssues = true;
    const session: Session = {};
    const client = startApp(device, session);
    client.onLaunch(scan('AbCd1234'));
    client.onShow(launchOptions(1007, { promocode: 'NoSuchCode1' }));
    client.onShow(launchOptions(1007, { promocode: 'Promoter9' }));
    session.userId = 42;
    await advance(1_000);
    expect(device.backend.tracks.map((t) => t.promocode)).toEqual(['AbCd1234', 'Promoter9']);
    expect(batches(device).map((b) => b.data.events.length)).toEqual([3, 1, 1, 1]);
  });

  it('the queue holds at most 200 events: the oldest go first', async () => {
    const device = new Device();
    const session: Session = {};
    const client = startApp(device, session);
    for (let i = 0; i < 205; i++) {
      await advance(1_000);
      client.onShow(launchOptions(1047, { scene: 'AbCd1234' }));
    }
    expect(JSON.parse(device.disk.get('promo-track')!).q).toHaveLength(200);
    session.userId = 42;
    await advance(3_000);
    const times = device.backend.tracks.map((t) => t.occurred_at);
    expect(times).toHaveLength(200);
    expect(times[0]).toBe(new Date(START.getTime() + 6_000).toISOString()); // visits 1-5 dropped
    expect(times[199]).toBe(new Date(START.getTime() + 205_000).toISOString());
  });

  it('flush() waits for a send in flight, then sends what was queued meanwhile, and resolves when done', async () => {
    const device = new Device();
    const client = startApp(device, { userId: 42 });
    client.onLaunch(scan());
    await advance(10); // its batch is on the wire
    client.onShow(launchOptions(1007, { promocode: 'Promoter9' }));
    let done = false;
    void client.flush().then(() => (done = true));
    await advance(45);
    expect(device.backend.tracks).toHaveLength(1); // the first batch answered
    expect(done).toBe(false);
    await advance(500);
    expect(done).toBe(true);
    expect(device.backend.tracks).toHaveLength(2);
    expect(batches(device).map((b) => b.data.events.map((e: { promocode: string }) => e.promocode))).toEqual([['AbCd1234'], ['Promoter9']]);
  });
});
