import { rng } from './util.mjs';

/** Owners 1..OWNERS each have one promo (type 1, no appid). */
export const OWNERS = 10_000;
/** Users who visited before the measured stream: SEED_BASE+1 … SEED_BASE+SEED_VISITORS. */
export const SEED_BASE = 100_000;
export const SEED_VISITORS = 40_000;
export const SEED_VISITS = 50_000;
/** New visitors of the measured stream get ids from here up (one counter per side). */
export const NEW_BASE = 1_000_000;
export const SCENES = ['1047', '1048', '1007', '1008', '1011', '1036', '1001', '1089'];
export const SALT = 'bench-salt-0123456789';

/** The 50k earlier visits: one first visit per seeded visitor, then returns. */
export function seedVisits(codes, seed = 7) {
  const r = rng(seed);
  const visits = [];
  for (let i = 1; i <= SEED_VISITORS; i++) {
    const owner = 1 + r.int(OWNERS);
    visits.push({ userId: SEED_BASE + i, promocode: codes[owner - 1], scene: SCENES[r.int(SCENES.length)], owner, isNew: true });
  }
  while (visits.length < SEED_VISITS) {
    const owner = 1 + r.int(OWNERS);
    visits.push({
      userId: SEED_BASE + 1 + r.int(SEED_VISITORS),
      promocode: codes[owner - 1],
      scene: SCENES[r.int(SCENES.length)],
      owner,
      isNew: false,
    });
  }
  return visits;
}

/**
 * The measured stream: ~80% returning visitors (seeded ones, or new ones once their first visit
 * has been confirmed), ~20% new visitors, each through a random owner's code.
 */
export function createStream(codes, seed, newBase = NEW_BASE) {
  const r = rng(seed);
  const returning = [];
  for (let i = 1; i <= SEED_VISITORS; i++) returning.push(SEED_BASE + i);
  let nextNew = newBase;
  return {
    next() {
      const owner = 1 + r.int(OWNERS);
      const isNew = r() < 0.2;
      const userId = isNew ? ++nextNew : returning[r.int(returning.length)];
      return {
        input: { userId, promocode: codes[owner - 1], scene: SCENES[r.int(SCENES.length)] },
        expect: { trackType: isNew ? 1 : 2, referrerId: owner },
      };
    },
    /** A new visitor's first visit is stored: later picks may return as them. */
    confirm(v) {
      if (v.expect.trackType === 1) returning.push(v.input.userId);
    },
  };
}

/** Throws unless a returned track is what the contract says it must be. */
export function check(track, v, where) {
  if (
    !track ||
    track.trackType !== v.expect.trackType ||
    track.referrerId !== v.expect.referrerId ||
    track.userId !== v.input.userId ||
    track.promocode !== v.input.promocode ||
    !(track.id > 0)
  ) {
    throw new Error(`${where}: wrong track for ${JSON.stringify(v)}: ${JSON.stringify(track)}`);
  }
}

/** Same check on the wire shape (snake_case). */
export function checkWire(body, v, where) {
  if (
    !body ||
    body.track_type !== v.expect.trackType ||
    body.referrer !== v.expect.referrerId ||
    body.user_id !== v.input.userId ||
    body.promocode !== v.input.promocode ||
    !(body.id > 0)
  ) {
    throw new Error(`${where}: wrong track for ${JSON.stringify(v)}: ${JSON.stringify(body)}`);
  }
}
