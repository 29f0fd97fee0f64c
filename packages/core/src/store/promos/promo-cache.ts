import type { Promo } from '../../model/types.js';

/** Recent promos by key and by promocode, answered without a query. */
export interface PromoCache {
  get(userId: number, promoType: number, appid: string | null): Promo | undefined;
  /** The same entries, found by their code (`findPromo`). */
  byCode(promocode: string): Promo | undefined;
  set(promo: Promo): void;
  /** Drops every promo of the user (after `forgetUser`). */
  forget(userId: number): void;
}

interface Entry {
  promo: Promo;
  expires: number;
}

/**
 * A promo row never changes once its `wxbcode` is set (callers only cache complete rows): only
 * `forgetUser` removes it. This process's `forgetUser` drops the user's entries at once; another
 * process's is seen once the entry expires (`ttlMs`). The oldest entry goes when `max` is reached.
 */
export function createPromoCache(max = 10_000, ttlMs = 10_000, now: () => number = Date.now): PromoCache {
  const entries = new Map<string, Entry>();
  const codes = new Map<string, string>();
  const keyOf = (userId: number, promoType: number, appid: string | null) => `${userId}\u0000${promoType}\u0000${appid ?? ''}`;
  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    codes.delete(entry.promo.promocode);
  };
  const read = (key: string | undefined): Promo | undefined => {
    const entry = key === undefined ? undefined : entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now()) {
      drop(key!);
      return undefined;
    }
    return { ...entry.promo, createdAt: new Date(entry.promo.createdAt) };
  };
  return {
    get: (userId, promoType, appid) => read(keyOf(userId, promoType, appid)),
    byCode: (promocode) => read(codes.get(promocode)),
    set(promo) {
      const key = keyOf(promo.userId, promo.promoType, promo.appid);
      drop(key);
      if (entries.size >= max) drop(entries.keys().next().value!);
      entries.set(key, { promo: { ...promo, createdAt: new Date(promo.createdAt) }, expires: now() + ttlMs });
      codes.set(promo.promocode, key);
    },
    forget(userId) {
      for (const [key, entry] of entries) if (entry.promo.userId === userId) drop(key);
    },
  };
}
