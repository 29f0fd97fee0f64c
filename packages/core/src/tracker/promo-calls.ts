import type { Promo, Tracker } from '../model/types.js';
import { createPromoCache, getOrCreatePromoRow, selectPromo } from '../store/promos/index.js';
import { getOrCreatePromoSchema, parse } from '../validation.js';
import type { TrackerParts } from './parts.js';

/**
 * getOrCreatePromo and findPromo, with the cache of complete promos (a code image, when a
 * generator is set), which change only by forgetUser: `forgetting` wraps it, so that a read that
 * overlapped one is not cached. `withWxbcode` adds the code image (code-calls.ts: made within the
 * call while the shared budget has room, else queued).
 */
export function promoCalls({ o, ctx, codec, whenMigrated, emit }: TrackerParts, withWxbcode: (promo: Promo) => Promise<Promo>) {
  const promos = createPromoCache();
  // forgetUser's starts and ends.
  let forgets = 0;

  const getOrCreatePromo: Tracker['getOrCreatePromo'] = async (input) => {
    const key = parse(getOrCreatePromoSchema, input);
    const cached = promos.get(key.userId, key.promoType, key.appid);
    if (cached) return cached;
    const epoch = forgets;
    const { promo, created } = await whenMigrated(() => getOrCreatePromoRow(ctx, key, (k) => codec.encode(k)));
    if (created) emit({ type: 'promo.created', promo });
    const answer = await withWxbcode(promo);
    if ((answer.wxbcode || !o.wxacode) && epoch === forgets) promos.set(answer);
    return answer;
  };

  const findPromo: Tracker['findPromo'] = async (promocode) => {
    // Only codes this salt issued are ever cached: a hit needs no decoding.
    const cached = typeof promocode === 'string' ? promos.byCode(promocode) : undefined;
    if (cached) return cached;
    if (typeof promocode !== 'string' || !codec.decode(promocode)) return null;
    const epoch = forgets;
    const promo = await whenMigrated(() => selectPromo(ctx, promocode));
    if (promo && (promo.wxbcode || !o.wxacode) && epoch === forgets) promos.set(promo);
    return promo;
  };

  /** Runs forgetUser's `work`; the user's promos leave the cache when it ends. */
  const forgetting = <T>(userId: number, work: () => Promise<T>): Promise<T> => {
    forgets++;
    return work().finally(() => {
      promos.forget(userId);
      forgets++;
    });
  };

  return { getOrCreatePromo, findPromo, forgetting };
}
