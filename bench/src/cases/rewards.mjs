import { openLibrary } from '../seed.mjs';
import { timedAsync } from '../measure.mjs';
import { copyDb, rng } from '../util.mjs';
import { check, createStream, SEED_BASE, SEED_VISITORS } from '../workload.mjs';
import path from 'node:path';

/**
 * What the rewards ledger costs on the write path: the library with reward rules beside the same
 * library without any (the "twin" column), each on its own copy of the seeded library database,
 * rounds interleaved. ratio = with rules / without: 1.00× is free.
 */
function pairCase(name, unit, rewards, makeOps) {
  let withRules, without, ops;
  return {
    name,
    unit,
    async setup(env) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-');
      withRules = openLibrary(copyDb(env.templates.libFile, path.join(env.dir, `${slug}-rules.db`)), { rewards });
      without = openLibrary(copyDb(env.templates.libFile, path.join(env.dir, `${slug}-plain.db`)));
      await withRules.tracker.migrate();
      await without.tracker.migrate();
      ops = makeOps(withRules.tracker, without.tracker, env.templates.codes);
      if (!ops) throw new Error('this build has no such method');
      await timedAsync(env.warmup, ops.lib);
      await timedAsync(env.warmup, ops.twin);
    },
    async round(i, env) {
      if (i % 2 === 0) {
        const lib = await timedAsync(env.seconds, ops.lib);
        return { lib, twin: await timedAsync(env.seconds, ops.twin) };
      }
      const twin = await timedAsync(env.seconds, ops.twin);
      return { lib: await timedAsync(env.seconds, ops.lib), twin };
    },
    async teardown() {
      await withRules?.close();
      await without?.close();
    },
  };
}

/** recordTrack of the usual stream (20% new users, each a binding): one referral.bound rule against none. */
export const recordTrackRewardPair = pairCase(
  'recordTrack sqlite: a referral.bound rule (twin: no rules)',
  'tracks',
  [{ id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500, holdDays: 7 }],
  (rules, plain, codes) => {
    const side = (tracker, stream) => async () => {
      const v = stream.next();
      check(await tracker.recordTrack(v.input), v, 'library');
      stream.confirm(v);
      return 1;
    };
    return { lib: side(rules, createStream(codes, 47)), twin: side(plain, createStream(codes, 47)) };
  },
);

/**
 * recordConversion of an order by a seeded (bound) visitor, each with its own order id: three
 * rules (a fixed reward held 7 days, 5% capped at 100 a month, the referee's first order) against none.
 */
export const recordConversionRewardPair = pairCase(
  'recordConversion sqlite: three rules (twin: no rules)',
  'conversions',
  [
    { id: 'order_cash', on: { conversion: 'order' }, to: 'referrer', amount: 1000, holdDays: 7 },
    { id: 'order_pct', on: { conversion: 'order' }, to: 'referrer', percent: 5, cap: { count: 100, per: 'month' } },
    { id: 'first_order', on: { conversion: 'order' }, to: 'referee', amount: 500, firstOnly: true },
  ],
  (rules, plain) => {
    if (typeof rules.recordConversion !== 'function') return null;
    const side = (tracker, seed) => {
      const r = rng(seed);
      let n = 0;
      return async () => {
        const userId = SEED_BASE + 1 + r.int(SEED_VISITORS);
        const c = await tracker.recordConversion({ userId, type: 'order', orderId: `o-${++n}`, amount: 1000 + r.int(100_000) });
        if (c.userId !== userId || c.referrerId === null) throw new Error(`library: wrong conversion ${JSON.stringify(c)}`);
        return 1;
      };
    };
    return { lib: side(rules, 48), twin: side(plain, 48) };
  },
);
