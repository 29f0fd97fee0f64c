/**
 * The abuse checks under concurrency, from three processes at once on every database (contract:
 * Abuse signals): the checks run inside each binding's transaction under the referrer's and the
 * device's counter rows, so a burst cannot all slip past a limit, nor all be flagged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type RewardRule, type Tracker, type TrackerOptions } from '@promo-track/core';
import { useBuiltCore } from './built-core.js';
import { type Answer, deal, race, raceTargets } from './rewards-race-support.js';
import { SALT } from './support.js';

const PROCESSES = 3;
const core = useBuiltCore();
const RULES: RewardRule[] = [{ id: 'invite', on: 'referral.bound', to: 'referrer', amount: 100 }];
const OPTIONS: Partial<TrackerOptions> = { rewards: RULES, abuse: { maxBindingsPerHour: 50, maxNewUsersPerDevice: 3, sameDeviceHours: 0 } };

describe.each(raceTargets)('abuse races on $name', (target) => {
  describe.skipIf(!target.enabled)(target.enabled ? `${PROCESSES} processes` : 'skipped: the server URL is not set', () => {
    let opened: Awaited<ReturnType<typeof target.open>>;
    let tracker: Tracker;
    beforeAll(async () => {
      opened = await target.open();
      tracker = createTracker({ db: opened.db, salt: SALT, tablePrefix: opened.prefix, ...OPTIONS });
      await tracker.migrate();
    }, 60_000);
    afterAll(() => opened?.close());

    it('51 concurrent new users through one code with maxBindingsPerHour 50: exactly one flagged velocity, its reward alone held for review', async () => {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      const calls = Array.from({ length: 51 }, (_, i) => ({
        method: 'recordTrack',
        args: [{ userId: 1000 + i, promocode, scene: 1047, signals: { device: `phone-${i}` } }],
      }));
      const answers = (await race(target, opened, core.url(), OPTIONS, deal(calls, PROCESSES))).flat();
      expect(answers.filter((a: Answer) => !a.ok)).toEqual([]);
      expect((await tracker.listReferrals(1, { limit: 500 })).items).toHaveLength(51);
      const flagged = (await tracker.listFlagged({ limit: 500 })).items.filter((i) => i.referrerId === 1);
      expect(flagged.map((i) => [i.flags, i.matches])).toEqual([[['velocity'], [{ flag: 'velocity', bindings: 50, limit: 50 }]]]);
      const entries = (await tracker.listRewards({ userId: 1, limit: 500 })).items;
      expect(entries.filter((r) => r.status === 'held').map((r) => r.refereeId)).toEqual([flagged[0]!.refereeId]);
      expect(entries.filter((r) => r.status === 'payable')).toHaveLength(50);
      console.log(`abuse race (${target.name}): 51 bindings from ${PROCESSES} processes, limit 50 → ${flagged.length} flagged velocity`);
    }, 120_000);

    it('8 concurrent new users on one phone through 8 codes with maxNewUsersPerDevice 3: exactly 5 flagged device_cluster', async () => {
      const codes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => tracker.getOrCreatePromo({ userId: 100 + i }).then((p) => p.promocode)),
      );
      const calls = codes.map((promocode, i) => ({
        method: 'recordTrack',
        args: [{ userId: 3000 + i, promocode, scene: 1047, signals: { device: 'one-phone' } }],
      }));
      const answers = (await race(target, opened, core.url(), OPTIONS, deal(calls, PROCESSES))).flat();
      expect(answers.filter((a: Answer) => !a.ok)).toEqual([]);
      const flagged = (await tracker.listFlagged({ limit: 500 })).items.filter((i) => i.refereeId >= 3000);
      expect(flagged.map((i) => i.flags)).toEqual(Array.from({ length: 5 }, () => ['device_cluster']));
      expect(flagged.map((i) => (i.matches[0] as { newUsers: number }).newUsers).sort()).toEqual([3, 4, 5, 6, 7]);
    }, 120_000);
  });
});
