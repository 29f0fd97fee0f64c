import type { Promo, Referral, Share, Track } from './types.js';

/** The records as they travel: the seed's snake_case names, dates as `toISOString` writes them. */

export const promoWire = (p: Promo) => ({
  id: p.id,
  user_id: p.userId,
  promo_type: p.promoType,
  appid: p.appid,
  promocode: p.promocode,
  wxbcode: p.wxbcode,
  page: p.page,
  created_at: p.createdAt.toISOString(),
});

export const trackWire = (t: Track) => ({
  id: t.id,
  track_type: t.trackType,
  scene: t.scene,
  detail: t.detail,
  user_id: t.userId,
  promocode: t.promocode,
  referrer: t.referrerId,
  created_at: t.createdAt.toISOString(),
});

export const shareWire = (s: Share) => ({
  id: s.id,
  share_type: s.shareType,
  page: s.page,
  user_id: s.userId,
  promocode: s.promocode,
  created_at: s.createdAt.toISOString(),
});

export const referralWire = (r: Referral) => ({
  user_id: r.userId,
  referrer: r.referrerId,
  promocode: r.promocode,
  scene: r.scene,
  track_id: r.trackId,
  bound_at: r.boundAt.toISOString(),
});
