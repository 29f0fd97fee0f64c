import type { Kysely } from 'kysely';
import type { Need, Verdict, VisitorFacts } from '../model/attribution.js';
import type { DecisionOutcome, Referral, Track, TrackType } from '../model/types.js';
import { runCompiled } from './compiled.js';
import type { StoreContext } from './context.js';

/** A visit as storage takes it: checked at the edge, its time decided. */
export interface VisitInput {
  userId: number;
  promocode: string;
  /** The user the promocode names (decoded at the edge): the referrer this visit proposes. */
  candidateId: number;
  scene: string;
  detail: string | null;
  eventId: string | null;
  /** What the client said; only a user's first visit can be a new user's. */
  trackType?: TrackType;
  /** When the visit happened (ms): the track's `created_at`. */
  at: number;
}

export interface TrackWrite {
  track: Track;
  /** False when `eventId` repeated an earlier track, which is answered instead. */
  created: boolean;
  outcome: DecisionOutcome | null;
  /** Set when this visit created or replaced the user's binding. */
  binding: { referral: Referral; previousReferrerId: number | null } | null;
}

/** Only a user's first visit, when the client did not say otherwise, is a new user's. */
export const trackTypeOf = (visitor: VisitorFacts): TrackType => (visitor.firstVisit && visitor.arrivedNew ? 1 : 2);

export function trackRow(v: VisitInput, trackType: TrackType, owner: number, outcome: DecisionOutcome) {
  return {
    track_type: trackType,
    scene: v.scene,
    detail: v.detail,
    user_id: v.userId,
    promocode: v.promocode,
    referrer: owner,
    event_id: v.eventId,
    created_at: v.at,
    outcome,
  };
}

export function trackOf(v: VisitInput, written: { id: number; trackType: TrackType; referrerId: number }): Track {
  return {
    id: written.id,
    trackType: written.trackType,
    scene: v.scene,
    detail: v.detail,
    userId: v.userId,
    promocode: v.promocode,
    referrerId: written.referrerId,
    createdAt: new Date(v.at),
  };
}

export function bindingOf(track: Track, verdict: Exclude<Verdict, { need: Need }>): TrackWrite['binding'] {
  if (!verdict.bind) return null;
  const referral: Referral = {
    userId: track.userId,
    referrerId: track.referrerId!,
    promocode: track.promocode,
    scene: track.scene,
    trackId: track.id,
    boundAt: track.createdAt,
  };
  return { referral, previousReferrerId: verdict.previousReferrerId };
}

const bindingWrites = new WeakMap<StoreContext, { insert: string; update: string }>();

/** Inserts the user's binding, or replaces it; SQL compiled by Kysely once per tracker. */
export async function writeBinding(ctx: StoreContext, trx: Kysely<any>, r: Referral, replace: boolean): Promise<void> {
  let q = bindingWrites.get(ctx);
  if (!q) {
    const values = { referrer: 0, promocode: '', scene: '', track_id: 0, bound_at: 0 };
    q = {
      insert: ctx.db.insertInto(ctx.t.referral).values({ user_id: 0, ...values }).compile().sql,
      update: ctx.db.updateTable(ctx.t.referral).set(values).where('user_id', '=', 0).compile().sql,
    };
    bindingWrites.set(ctx, q);
  }
  const values = [r.referrerId, r.promocode, r.scene, r.trackId, r.boundAt.getTime()];
  if (replace) await runCompiled(trx, q.update, [...values, r.userId]);
  else await runCompiled(trx, q.insert, [r.userId, ...values]);
}
