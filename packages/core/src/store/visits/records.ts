import type { Kysely } from 'kysely';
import type { FlaggedReferee } from '../../model/abuse.js';
import type { Need, Verdict, VisitorFacts } from '../../model/attribution.js';
import type { DecisionOutcome, Referral, Track, TrackType } from '../../model/types.js';
import { builtOnce, runCompiled } from '../compiled.js';
import type { StoreContext } from '../context.js';

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
  /** The visit's signals as keyed hashes (never raw), `null` where absent or read by no check. */
  ip: string | null;
  device: string | null;
}

export interface TrackWrite {
  track: Track;
  /** False when `eventId` repeated an earlier track, which is answered instead. */
  created: boolean;
  outcome: DecisionOutcome | null;
  /** Set when this visit created or replaced the user's binding. */
  binding: { referral: Referral; previousReferrerId: number | null } | null;
  /** Set when the abuse checks flagged this visit's binding (store/abuse/). */
  flagged?: FlaggedReferee | null;
  /** Its checks, signals, rewards and messages were written with it (an optimistic visit's statements). */
  whole?: boolean;
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

export function trackOf(v: VisitInput, written: { id: number; trackType: TrackType; referrerId: number; outcome: DecisionOutcome }): Track {
  return {
    id: written.id,
    trackType: written.trackType,
    scene: v.scene,
    detail: v.detail,
    userId: v.userId,
    promocode: v.promocode,
    referrerId: written.referrerId,
    outcome: written.outcome,
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

const bindingWrites = builtOnce((ctx: StoreContext) => {
  const values = { referrer: 0, promocode: '', scene: '', track_id: 0, bound_at: 0 };
  return {
    insert: ctx.db
      .insertInto(ctx.tables.referral)
      .values({ user_id: 0, ...values })
      .compile().sql,
    update: ctx.db.updateTable(ctx.tables.referral).set(values).where('user_id', '=', 0).compile().sql,
  };
});

/** Inserts the user's binding, or replaces it; SQL compiled by Kysely once per tracker. */
export async function writeBinding(ctx: StoreContext, trx: Kysely<any>, r: Referral, replace: boolean): Promise<void> {
  const q = bindingWrites(ctx);
  const values = [r.referrerId, r.promocode, r.scene, r.trackId, r.boundAt.getTime()];
  if (replace) await runCompiled(trx, q.update, [...values, r.userId]);
  else await runCompiled(trx, q.insert, [r.userId, ...values]);
}
