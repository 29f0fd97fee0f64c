/** The promos wing: one promo per (user, type, appid), and the cache of complete promos (their code images: the codes wing). */
export { getOrCreatePromoRow, selectPromo } from './promos.js';
export { createPromoCache } from './promo-cache.js';
