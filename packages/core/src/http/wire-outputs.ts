import type { Conversion, Decision, LeaderboardEntry, Page, Referral, ReferralExplanation, Stats, WebhookMessage } from '../model/types.js';
import { conversionWire, referralWire, rewardDecisionWire, rewardWire } from '../model/wire.js';

// The records' shapes live in model/ (the outbox writes them too); re-exported for the routes.
export { conversionWire, promoWire, referralWire, shareWire, trackWire } from '../model/wire.js';

export const conversionPageWire = (page: Page<Conversion>) => ({
  items: page.items.map(conversionWire),
  next_cursor: page.nextCursor,
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
  scene: d.scene,
  at: d.at.toISOString(),
  ...(d.flags ? { flags: d.flags } : {}),
});

export const attributionWire = (a: ReferralExplanation) => ({
  referral: a.referral ? referralWire(a.referral) : null,
  decisions: a.decisions.map(decisionWire),
  conversions: a.conversions.map(conversionWire),
  rewards: { entries: a.rewards.entries.map(rewardWire), decisions: a.rewards.decisions.map(rewardDecisionWire) },
});

export const statsWire = (s: Stats) => ({
  visits: s.visits,
  new_user_visits: s.newUserVisits,
  returning_user_visits: s.returningUserVisits,
  unique_visitors: s.uniqueVisitors,
  referrals: s.referrals,
  shares: s.shares,
  by_scene: s.byScene.map((b) => ({ scene: b.scene, label: b.label, visits: b.visits })),
  by_day: s.byDay.map((b) => ({
    day: b.day,
    visits: b.visits,
    new_user_visits: b.newUserVisits,
    shares: b.shares,
    conversions: b.conversions,
  })),
  by_share_type: s.byShareType.map((b) => ({ share_type: b.shareType, shares: b.shares })),
  conversions: {
    count: s.conversions.count,
    referred: s.conversions.referred,
    by_type: s.conversions.byType.map((t) => ({ type: t.type, count: t.count, referred: t.referred })),
    revenue: s.conversions.revenue.map((r) => ({ currency: r.currency, amount: r.amount, referred_amount: r.referredAmount })),
  },
});

export const webhookMessagePageWire = (page: Page<WebhookMessage>) => ({
  items: page.items.map((m) => ({
    id: m.id,
    type: m.type,
    user_id: m.userId,
    status: m.status,
    attempts: m.attempts,
    next_attempt_at: m.nextAttemptAt?.toISOString() ?? null,
    last_error: m.lastError,
    created_at: m.createdAt.toISOString(),
  })),
  next_cursor: page.nextCursor,
});

export const leaderboardWire = (entries: LeaderboardEntry[]) => ({
  items: entries.map((e) => ({
    referrer: e.referrerId,
    referrals: e.referrals,
    visits: e.visits,
    conversions: e.conversions,
    revenue: e.revenue,
  })),
});
