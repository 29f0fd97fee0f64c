import { expect, it } from 'vitest';
import { createTracker } from '@promo-track/core';
// The first release's schema, as it shipped: the state an upgrade starts from.
import { createCodec } from '../src/codes.js';
import { tableNames } from '../src/schema/table-names.js';

import { migrateFirstRelease } from './first-release.js';
import { countRows, eachDatabase, SALT } from './support.js';

const A = 1;
const B = 2;
const DAY = 86_400_000;

eachDatabase((database) => {
  it('upgrades a database of the first schema: every decision is kept, and explained as before', async () => {
    const { db, prefix, close } = await database.open();
    try {
      const t = tableNames(prefix);
      await migrateFirstRelease(db, prefix, database.name);

      // What the first release wrote for A, who came through B's code twice: a track and a decision
      // row per visit, the binding, and a decision whose track a purge has since deleted.
      // (Written by hand: this version's tracker refuses tables older than itself until it migrates them.)
      const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix });
      const promocode = createCodec(SALT, 8).encode({ userId: B, promoType: 1, appid: null });
      await db.insertInto(t.promo).values({ user_id: B, promo_type: 1, appid: '', promocode, created_at: DAY }).execute();
      const track = (trackType: number, at: number) => ({
        track_type: trackType,
        scene: '1047',
        detail: null,
        user_id: A,
        promocode,
        referrer: B,
        event_id: null,
        created_at: at,
      });
      await db
        .insertInto(t.track)
        .values([track(1, 2 * DAY), track(2, 3 * DAY)])
        .execute();
      const [first, second] = (await db.selectFrom(t.track).select('id').orderBy('id').execute()).map((r) => Number(r.id));
      await db.insertInto(t.visitor).values({ user_id: A, first_seen_at: DAY }).execute();
      await db
        .insertInto(t.referral)
        .values({ user_id: A, referrer: B, promocode, scene: '1047', track_id: first, bound_at: 2 * DAY })
        .execute();
      const decision = (trackId: number, outcome: string, at: number) => ({
        user_id: A,
        track_id: trackId,
        promocode,
        candidate: B,
        outcome,
        at,
      });
      await db
        .insertInto(t.decision)
        .values([decision(0, 'excluded_scene', DAY), decision(first!, 'bound', 2 * DAY), decision(second!, 'returning_user', 3 * DAY)])
        .execute();

      await tracker.migrate();

      // A decision archived before migration 0012 has no scene left to tell (its track is gone): ''.
      const expected = [
        { trackId: 0, promocode, candidateId: B, outcome: 'excluded_scene', scene: '', at: new Date(DAY) },
        { trackId: first, promocode, candidateId: B, outcome: 'bound', scene: '1047', at: new Date(2 * DAY) },
        { trackId: second, promocode, candidateId: B, outcome: 'returning_user', scene: '1047', at: new Date(3 * DAY) },
      ];
      expect(await tracker.explainReferral(A)).toEqual({
        referral: { userId: A, referrerId: B, promocode, scene: '1047', trackId: first, boundAt: new Date(2 * DAY) },
        decisions: expected,
        conversions: [],
        rewards: { entries: [], decisions: [] },
      });
      // The live tracks' decisions moved onto them; the purged track's stays where it was.
      expect(await db.selectFrom(t.decision).select('track_id').execute()).toEqual([{ track_id: 0 }]);
      expect(await countRows(db, prefix)).toMatchObject({ track: 2, decision: 3 });

      // And the upgraded tracker goes on deciding.
      const next = await tracker.recordTrack({ userId: A, promocode, scene: '1089' });
      expect((await tracker.explainReferral(A)).decisions.slice(3)).toEqual([
        { trackId: next.id, promocode, candidateId: B, outcome: 'kept', scene: '1089', at: next.createdAt },
      ]);
      // The old tracks carry the outcome their decisions held.
      const tracks = [];
      for await (const t of tracker.exportTracks()) tracks.push([t.id, t.outcome]);
      expect(tracks).toEqual([
        [first, 'bound'],
        [second, 'returning_user'],
        [next.id, 'kept'],
      ]);
    } finally {
      await close();
    }
  });
});
