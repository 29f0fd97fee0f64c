import type { Decision, LeaderboardEntry, Page, Referral, Stats, WebhookMessage } from '../model/types.js';
import { referralWire } from '../model/wire.js';

// The records' shapes live in model/ (the outbox writes them too); re-exported for the routes.
export { promoWire, referralWire, shareWire, trackWire } from '../model/wire.js';

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

export const webhookMessagePageWire = (page: Page<WebhookMessage>) => ({
  items: page.items.map((m) => ({
    id: m.id,
    type: m.type,
    status: m.status,
    attempts: m.attempts,
    next_attempt_at: m.nextAttemptAt?.toISOString() ?? null,
    last_error: m.lastError,
    created_at: m.createdAt.toISOString(),
  })),
  next_cursor: page.nextCursor,
});

export const leaderboardWire = (entries: LeaderboardEntry[]) => ({
  items: entries.map((e) => ({ referrer: e.referrerId, referrals: e.referrals, visits: e.visits })),
});
