import type { Promo } from '../model/types.js';

/** Recent promos by key, answered without a query. */
export interface PromoCache {
  get(userId: number, promoType: number, appid: string | null): Promo | undefined;
  set(promo: Promo): void;
  /** Drops every promo of the user (after `forgetUser`). */
  forget(userId: number): void;
}

/**
 * A promo row never changes once its `wxbcode` is set (callers only cache complete rows): only
 * `forgetUser` removes it. This process's `forgetUser` drops the user's entries at once; another
 * process's is seen once the entry expires (`ttlMs`). The oldest entry goes when `max` is reached.
 */
export function createPromoCache(max = 10_000, ttlMs = 10_000, now: () => number = Date.now): PromoCache {
  const entries = new Map<string, { promo: Promo; expires: number }>();
  const keyOf = (userId: number, promoType: number, appid: string | null) => `${userId}\u0000${promoType}\u0000${appid ?? ''}`;
  return {
    get(userId, promoType, appid) {
      const key = keyOf(userId, promoType, appid);
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return { ...entry.promo, createdAt: new Date(entry.promo.createdAt) };
    },
    set(promo) {
      const key = keyOf(promo.userId, promo.promoType, promo.appid);
      entries.delete(key);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, { promo: { ...promo, createdAt: new Date(promo.createdAt) }, expires: now() + ttlMs });
    },
    forget(userId) {
      for (const [key, entry] of entries) if (entry.promo.userId === userId) entries.delete(key);
    },
  };
}
