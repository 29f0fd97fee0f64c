/** The names of every table the library owns, derived once from `tablePrefix`. */
export interface TableNames {
  promo: string;
  track: string;
  share: string;
  /** One row per user who has ever visited: first-visit detection without a race. */
  visitor: string;
  /** A user's current referrer (the binding). */
  referral: string;
  /** Decisions of purged tracks (a live track keeps its own in `track.outcome`). */
  decision: string;
  /** The webhook outbox: one message per event and endpoint, written with the fact it reports. */
  webhookMessage: string;
  /** A single row locked to serialise referral bindings (cycle checks) on PostgreSQL and MySQL. */
  lock: string;
  /** Daily rollups of closed days (store/stats/rollups.ts): a row per (scope, day), and its scenes and share types. */
  rollupDay: string;
  rollupScene: string;
  rollupShareType: string;
  /** Hourly rollups of closed hours (store/stats/rollups.ts), the same three shapes by UTC hour. */
  rollupHour: string;
  rollupHourScene: string;
  rollupHourShareType: string;
  /** The leaderboard's details of both (migration 0007): referrals and counted visits per referrer. */
  rollupReferrals: string;
  rollupRefVisits: string;
  rollupHourReferrals: string;
  rollupHourRefVisits: string;
  /** Code images to make (migration 0011): one row per promo, claimed by workers like the outbox. */
  codeJob: string;
  /** The shared budget of WeChat code calls: one row per call a window allows. */
  codeBudget: string;
  /** Conversions (migration 0008): the host's reported actions, each credited to a referrer, and their refunds. */
  conversion: string;
  conversionRefund: string;
  /** The rollups' conversion details: by type, currency and credit; by referrer and currency. */
  rollupConversions: string;
  rollupRefConversions: string;
  rollupHourConversions: string;
  rollupHourRefConversions: string;
  /** Abuse signals (migration 0010): keyed hashes of visits' IPs and devices, the checks' counter rows, flags and their review. */
  signal: string;
  abuseCounter: string;
  flag: string;
  flagReview: string;
  /** The rewards ledger (migration 0009): entries, the decisions of rules that paid nothing, per-user counters. */
  reward: string;
  rewardDecision: string;
  rewardCount: string;
  migration: string;
  migrationLock: string;
}

export function tableNames(prefix: string): TableNames {
  return {
    promo: `${prefix}promo`,
    track: `${prefix}track`,
    share: `${prefix}share`,
    visitor: `${prefix}visitor`,
    referral: `${prefix}referral`,
    decision: `${prefix}decision`,
    webhookMessage: `${prefix}webhook_message`,
    lock: `${prefix}promo_track_lock`,
    rollupDay: `${prefix}rollup_day`,
    rollupScene: `${prefix}rollup_scene`,
    rollupShareType: `${prefix}rollup_share_type`,
    rollupHour: `${prefix}rollup_hour`,
    rollupHourScene: `${prefix}rollup_hour_scene`,
    rollupHourShareType: `${prefix}rollup_hour_share_type`,
    rollupReferrals: `${prefix}rollup_referrals`,
    rollupRefVisits: `${prefix}rollup_ref_visits`,
    rollupHourReferrals: `${prefix}rollup_hour_referrals`,
    rollupHourRefVisits: `${prefix}rollup_hour_ref_visits`,
    codeJob: `${prefix}code_job`,
    codeBudget: `${prefix}code_budget`,
    conversion: `${prefix}conversion`,
    conversionRefund: `${prefix}conversion_refund`,
    rollupConversions: `${prefix}rollup_conv`,
    rollupRefConversions: `${prefix}rollup_ref_conv`,
    rollupHourConversions: `${prefix}rollup_hour_conv`,
    rollupHourRefConversions: `${prefix}rollup_hour_ref_conv`,
    signal: `${prefix}signal`,
    abuseCounter: `${prefix}abuse_counter`,
    flag: `${prefix}flag`,
    flagReview: `${prefix}flag_review`,
    reward: `${prefix}reward`,
    rewardDecision: `${prefix}reward_decision`,
    rewardCount: `${prefix}reward_count`,
    migration: `${prefix}promo_track_migration`,
    migrationLock: `${prefix}promo_track_migration_lock`,
  };
}
