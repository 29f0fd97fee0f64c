/**
 * The `device` signal (contract: Abuse signals): a random install id the client makes once and keeps
 * in its storage, sent with every visit and share; nothing read from the phone.
 */
import { describe, expect, it } from 'vitest';
import { advance, startApp, useSimulatedTime } from './support/app.js';
import { Device, launchOptions } from './support/simulated-wx.js';

useSimulatedTime();

describe('the device signal', () => {
  it('one random install id per phone, kept across restarts, sent with every visit and share', async () => {
    const phone = new Device();
    const first = startApp(phone, { userId: 42 });
    first.onLaunch(launchOptions(1047, { scene: 'AbCd1234' }));
    await advance(5_000);
    await first.share({ from: 'menu' }, { path: '/pages/index/index' });
    await advance(5_000);
    phone.kill();
    const second = startApp(phone, { userId: 42 });
    second.onLaunch(launchOptions(1007, { promocode: 'Promoter9' }));
    await advance(5_000);

    const devices = phone.backend.devices;
    expect(devices).toHaveLength(3);
    expect(new Set(devices).size).toBe(1);
    expect(devices[0]).toMatch(/^[a-z0-9]{12,}$/);

    // Another phone (another storage): another id.
    const other = new Device();
    startApp(other, { userId: 43 }).onLaunch(launchOptions(1047, { scene: 'AbCd1234' }));
    await advance(5_000);
    expect(other.backend.devices).toHaveLength(1);
    expect(other.backend.devices[0]).not.toBe(devices[0]);
  });
});
