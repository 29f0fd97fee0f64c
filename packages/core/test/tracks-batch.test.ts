import { describe, expect, it } from 'vitest';
import type { RecordTrackInput, Track, Tracker, TrackerEvent } from '@promo-track/core';
import { eachDatabase, useTracker } from './support.js';

const USERS = 40;
const OWNERS = 12;

/** A deterministic stream of visits that exercises every decision a batch can meet. */
function visits(seed: number, count: number): RecordTrackInput[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31), s / 2 ** 31);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  // Two cycles first: one across batches (1→2, then 2 through 1), one inside a batch (3 and 4).
  const out: RecordTrackInput[] = [
    [1, 2],
    [2, 1],
    [3, 4],
    [4, 3],
  ].map(([userId, owner]) => ({ userId: userId!, promocode: `owner:${owner}`, scene: '1047' }));
  while (out.length < count) {
    const input: RecordTrackInput = {
      // Users come back; the 12 promoters visit through one another's codes (cycles) and their own.
      userId: next() < 0.3 ? 1 + Math.floor(next() * OWNERS) : OWNERS + 1 + Math.floor(next() * (USERS - OWNERS)),
      promocode: `owner:${1 + Math.floor(next() * OWNERS)}`,
      scene: pick(['1047', '1047', '1089', '1007', '1129']),
    };
    if (input.userId <= OWNERS && next() < 0.15) input.promocode = `owner:${input.userId}`;
    const r = next();
    if (r < 0.1) input.eventId = `e${Math.floor(next() * 8)}`;
    else if (r < 0.15) input.trackType = pick([1, 2] as const);
    out.push(input);
  }
  return out;
}

/** What a tracker made of the visits: tracks, every user's decisions and binding, the bindings announced. */
async function outcome(tracker: Tracker, tracks: Track[], events: TrackerEvent[]) {
  const position = new Map(tracks.map((t, i) => [t.id, i]));
  const users = [];
  for (let u = 1; u <= USERS; u++) {
    const { referral, decisions } = await tracker.explainReferral(u);
    users.push({
      referral: referral && { ...referral, trackId: position.get(referral.trackId), boundAt: undefined },
      decisions: decisions.map((d) => ({ ...d, trackId: position.get(d.trackId), at: undefined })),
    });
  }
  return {
    tracks: tracks.map((t) => ({ ...t, id: position.get(t.id), createdAt: undefined })),
    users,
    bound: events
      .filter((e) => e.type === 'referral.bound')
      .map((e) => e.type === 'referral.bound' && [e.referral.userId, e.referral.referrerId]),
    recorded: events.filter((e) => e.type === 'track.recorded').length,
  };
}

eachDatabase((database) => {
  describe('recordTracks decides exactly as recordTrack one at a time', () => {
    const oneEvents: TrackerEvent[] = [];
    const batchEvents: TrackerEvent[] = [];
    // Two sets of tables (one-at-a-time, batched), each test's trackers made with its model.
    const oneTables = useTracker(database, { onEvent: (e) => void oneEvents.push(e) });
    const batchTables = useTracker(database, { onEvent: (e) => void batchEvents.push(e) });
    for (const model of ['first-touch', 'last-touch'] as const) {
      // Three streams on each database's default driver; one on the others (the same statements, another transport).
      it.each(database.defaultDriver ? [1, 2, 3] : [1])(`${model}, stream %i: tracks, decisions, bindings and events`, async (seed) => {
        oneEvents.length = 0;
        batchEvents.length = 0;
        const one = { tracker: oneTables.make({ attribution: { model } }), counts: oneTables.counts };
        const batch = { tracker: batchTables.make({ attribution: { model } }), counts: batchTables.counts };
        const codes = new Map<string, string>();
        for (let u = 1; u <= OWNERS; u++) {
          const [a, b] = await Promise.all([one.tracker.getOrCreatePromo({ userId: u }), batch.tracker.getOrCreatePromo({ userId: u })]);
          expect(b.promocode).toBe(a.promocode);
          codes.set(`owner:${u}`, a.promocode);
        }
        const inputs = visits(seed, 400).map((v) => ({ ...v, promocode: codes.get(v.promocode)! }));

        const oneByOne: Track[] = [];
        for (const input of inputs) oneByOne.push(await one.tracker.recordTrack(input));
        // In batches of different sizes, each one transaction.
        const batched: Track[] = [];
        for (const size of [1, 7, 150, 242]) batched.push(...(await batch.tracker.recordTracks(inputs.splice(0, size))));
        expect(inputs).toEqual([]);

        const expected = await outcome(one.tracker, oneByOne, oneEvents);
        expect(await outcome(batch.tracker, batched, batchEvents)).toEqual(expected);
        // The stream met every kind of decision.
        const kinds = new Set(expected.users.flatMap((u) => u.decisions.map((d) => d.outcome)));
        const met = model === 'first-touch' ? ['kept', 'returning_user'] : ['rebound'];
        for (const kind of ['bound', 'self', 'excluded_scene', 'cycle', ...met]) expect(kinds).toContain(kind);
        expect(await batch.counts()).toEqual(await one.counts());
      });
    }
  });
});
