import type { Decision, DecisionOutcome, Outcome, Promo, Referral, Share, ShareType, Track, TrackType } from '../model/types.js';

/** Drivers answer BIGINT and COUNT as strings on PostgreSQL and MySQL. */
export const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));

export interface PromoRow {
  id: number;
  user_id: number;
  promo_type: number;
  appid: string;
  promocode: string;
  wxbcode: string | null;
  page: string | null;
  created_at: number | string;
}

export interface TrackRow {
  id: number;
  track_type: number;
  scene: string;
  detail: string | null;
  user_id: number;
  promocode: string;
  referrer: number | null;
  event_id: string | null;
  outcome: string | null;
  created_at: number | string;
}

export interface ShareRow {
  id: number;
  share_type: number;
  page: string | null;
  user_id: number | null;
  promocode: string | null;
  event_id: string | null;
  created_at: number | string;
}

export interface ReferralRow {
  user_id: number;
  referrer: number;
  promocode: string;
  scene: string;
  track_id: number;
  bound_at: number | string;
}

export interface DecisionRow {
  track_id: number;
  promocode: string;
  candidate: number;
  outcome: string;
  scene: string;
  at: number | string;
}

export const toPromo = (r: PromoRow): Promo => ({
  id: num(r.id),
  userId: num(r.user_id),
  promoType: num(r.promo_type),
  appid: r.appid === '' ? null : r.appid,
  promocode: r.promocode,
  wxbcode: r.wxbcode,
  page: r.page,
  createdAt: new Date(num(r.created_at)),
});

export const toTrack = (r: TrackRow): Track => ({
  id: num(r.id),
  trackType: num(r.track_type) as TrackType,
  scene: r.scene,
  detail: r.detail,
  userId: num(r.user_id),
  promocode: r.promocode,
  referrerId: r.referrer == null ? null : num(r.referrer),
  // Every track since migration 0002 carries its decision.
  outcome: r.outcome as Outcome,
  createdAt: new Date(num(r.created_at)),
});

export const toShare = (r: ShareRow): Share => ({
  id: num(r.id),
  shareType: num(r.share_type) as ShareType,
  page: r.page,
  userId: r.user_id == null ? null : num(r.user_id),
  promocode: r.promocode,
  createdAt: new Date(num(r.created_at)),
});

export const toReferral = (r: ReferralRow): Referral => ({
  userId: num(r.user_id),
  referrerId: num(r.referrer),
  promocode: r.promocode,
  scene: r.scene,
  trackId: num(r.track_id),
  boundAt: new Date(num(r.bound_at)),
});

export const toDecision = (r: DecisionRow): Decision => ({
  trackId: num(r.track_id),
  promocode: r.promocode,
  candidateId: num(r.candidate),
  outcome: r.outcome as DecisionOutcome,
  scene: r.scene,
  at: new Date(num(r.at)),
});
