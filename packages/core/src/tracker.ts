import { encodeCursor, readCursor } from './cursors.js';
import type { Tracker, TrackerOptions } from './model/types.js';
import { sceneLabel } from './scenes.js';
import { withStorageErrors } from './store/errors.js';
import { exportReferralRows, exportTrackRows } from './store/exports/index.js';
import { migrate } from './store/migrations/index.js';
import { selectDecisions, selectReferral, selectReferrals } from './store/referrals/index.js';
import { conversionsOf } from './store/conversions/index.js';
import { explainRewards } from './store/rewards/index.js';
import { selectLeaderboard, selectStats } from './store/stats/index.js';
import { conversionCalls } from './tracker/conversion-calls.js';
import { pagesWhenMigrated, readsOf, trackerParts } from './tracker/parts.js';
import { privacyCalls } from './tracker/privacy-calls.js';
import { codeCalls } from './tracker/code-calls.js';
import { rewardCalls, rewardHooks } from './tracker/reward-calls.js';
import { promoCalls } from './tracker/promo-calls.js';
import { trackCalls } from './tracker/track-calls.js';
import { webhookCalls } from './tracker/webhook-calls.js';
import { abuseCalls } from './tracker/abuse-calls.js';
import { flagsByTrack } from './store/abuse/index.js';
import { exportQuerySchema, leaderboardQuerySchema, listReferralsSchema, parse, statsQuerySchema, userIdSchema } from './validation.js';

/**
 * Creates the tracker over the host's Kysely database. Call `migrate()` once before use.
 * What the tracker offers, each call handing over to its wing of the store (docs/architecture.md).
 */
export function createTracker(options: TrackerOptions): Tracker {
  const parts = trackerParts(options);
  const { o, ctx, operatorCtx, whenMigrated } = parts;
  const codes = codeCalls(parts);
  const promos = promoCalls(parts, codes.fill);
  const tracks = trackCalls(parts);
  const privacy = privacyCalls(parts, promos.forgetting);
  const webhooks = webhookCalls(parts);
  const abuse = abuseCalls(parts);
  const rewards = rewardCalls(parts);
  // Conversion rules pay in the conversion's (and the refund's) own transaction.
  const conversions = conversionCalls(parts, rewardHooks(parts));

  return {
    timeZone: o.timeZone,
    rewardRules: o.rewards,
    migrate: () => withStorageErrors(() => migrate(ctx.db, ctx.tables, ctx.dialect)).then(parts.migrated),

    getOrCreatePromo: promos.getOrCreatePromo,
    findPromo: promos.findPromo,

    recordTrack: tracks.recordTrack,
    recordTracks: tracks.recordTracks,
    recordShare: tracks.recordShare,

    async getReferrer(userId) {
      const id = parse(userIdSchema, userId, 'userId');
      return whenMigrated(() => selectReferral(ctx, id));
    },

    async listReferrals(referrerId, options = {}) {
      const id = parse(userIdSchema, referrerId, 'referrerId');
      const { limit, cursor } = parse(listReferralsSchema, options);
      const after = cursor === null ? null : readCursor(cursor); // checked by listReferralsSchema
      const { items, next } = await whenMigrated(() => selectReferrals(ctx, id, limit, after));
      return { items, nextCursor: next && encodeCursor(next) };
    },

    async explainReferral(userId) {
      const id = parse(userIdSchema, userId, 'userId');
      const [referral, decisions, flags, conversions, rewards] = await whenMigrated(() =>
        Promise.all([
          selectReferral(ctx, id),
          selectDecisions(ctx, id),
          flagsByTrack(ctx, id),
          conversionsOf(ctx, id),
          explainRewards(ctx, id),
        ]),
      );
      return {
        referral,
        decisions: decisions.map((d) => (flags.has(d.trackId) ? { ...d, flags: flags.get(d.trackId)! } : d)),
        conversions,
        rewards,
      };
    },

    recordConversion: conversions.recordConversion,
    refundConversion: conversions.refundConversion,
    listConversions: conversions.listConversions,
    exportConversions: conversions.exportConversions,

    async stats(query = {}) {
      const q = parse(statsQuerySchema, query);
      const everyone = q.userId === undefined && q.promocode === undefined;
      const stats = await whenMigrated(() => selectStats(readsOf(parts, everyone), q));
      return { ...stats, byScene: stats.byScene.map((s) => ({ scene: s.scene, label: sceneLabel(s.scene), visits: s.visits })) };
    },

    async leaderboard(query = {}) {
      const parsed = parse(leaderboardQuerySchema, query);
      // A heavy read: it takes a turn with the stats statements (heavy-reads.ts).
      return whenMigrated(() =>
        operatorCtx.heavyRead(`leaderboard ${JSON.stringify(parsed)}`, () => selectLeaderboard(operatorCtx, parsed)),
      );
    },

    // Checked at the call, so bad input throws before anything is read.
    exportTracks: (query = {}) => pagesWhenMigrated(parts, exportTrackRows(operatorCtx, parse(exportQuerySchema, query))),
    exportReferrals: (query = {}) => pagesWhenMigrated(parts, exportReferralRows(operatorCtx, parse(exportQuerySchema, query))),

    forgetUser: privacy.forgetUser,
    purge: privacy.purge,

    startWorker: (options) => codes.startWorker(options, () => rewards.releaseDueRewards()),
    startWebhookDelivery: (options) => codes.startWorker(options, () => rewards.releaseDueRewards()),
    pregenerateCodes: codes.pregenerateCodes,
    codeJobs: codes.codeJobs,
    retryFailedCodes: codes.retryFailedCodes,
    listWebhookMessages: webhooks.listWebhookMessages,
    redeliverWebhookMessage: webhooks.redeliverWebhookMessage,

    listFlagged: abuse.listFlagged,
    resolveFlags: abuse.resolveFlags,
    ...rewards,
  };
}
