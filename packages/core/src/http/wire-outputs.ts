import type { Decision, LeaderboardEntry, Page, Promo, Referral, Share, Stats, Track } from '../model/types.js';

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

export const referralPageWire = (page: Page<Referral>) => ({
  items: page.items.map(referralWire),
  next_cursor: page.nextCursor,
});

export const decisionWire = (d: Decision) => ({
  track_id: d.trackId,
  promocode: d.promocode,
  candidate: d.candidateId,
  outcome: d.outcome,
  at: d.at.toISOString(),
});

export const attributionWire = (a: { referral: Referral | null; decisions: Decision[] }) => ({
  referral: a.referral ? referralWire(a.referral) : null,
  decisions: a.decisions.map(decisionWire),
});

export const statsWire = (s: Stats) => ({
  visits: s.visits,
  new_user_visits: s.newUserVisits,
  returning_user_visits: s.returningUserVisits,
  unique_visitors: s.uniqueVisitors,
  referrals: s.referrals,
  shares: s.shares,
  by_scene: s.byScene.map((b) => ({ scene: b.scene, label: b.label, visits: b.visits })),
  by_day: s.byDay.map((b) => ({ day: b.day, visits: b.visits, new_user_visits: b.newUserVisits, shares: b.shares })),
  by_share_type: s.byShareType.map((b) => ({ share_type: b.shareType, shares: b.shares })),
});

export const leaderboardWire = (entries: LeaderboardEntry[]) => ({
  items: entries.map((e) => ({ referrer: e.referrerId, referrals: e.referrals, visits: e.visits })),
});
