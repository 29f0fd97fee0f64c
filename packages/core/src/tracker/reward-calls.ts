import type { Kysely } from 'kysely';
import { encodeRewardCursor, readRewardCursor } from '../cursors.js';
import type { Reward } from '../model/rewards.js';
import type { Tracker } from '../model/types.js';
import { writeEvents } from '../store/outbox/index.js';
import type { ConversionHooks } from '../store/conversions/index.js';
import {
  exportRewardRows,
  RELEASE_BATCH,
  releaseDue,
  rewardsOfConversion,
  rewardsOfRefund,
  selectBalance,
  selectRewards,
  settle,
  voidEntry,
} from '../store/rewards/index.js';
import {
  exportRewardsSchema,
  listRewardsSchema,
  parse,
  rewardIdSchema,
  settleRewardsSchema,
  userIdSchema,
  voidRewardSchema,
} from '../validation.js';
import { pagesWhenMigrated, readsOf, type TrackerParts } from './parts.js';

type RewardMethods = Pick<
  Tracker,
  'listRewards' | 'rewardBalance' | 'releaseDueRewards' | 'settleRewards' | 'voidReward' | 'exportRewards'
>;

/**
 * The ledger's methods on the tracker (docs/rewards.md): inputs checked, each change in one
 * transaction with the outbox events it reports. Entries themselves are written by the facts.
 */
export function rewardCalls(parts: TrackerParts): RewardMethods {
  const { ctx, whenMigrated: guard } = parts;
  const inTransaction = <T>(work: (trx: Kysely<any>) => Promise<T>) => guard(() => ctx.dialect.write(ctx.db, work));
  return {
    async listRewards(options = {}) {
      const { userId, status, limit, cursor } = parse(listRewardsSchema, options);
      const before = cursor === null ? null : readRewardCursor(cursor);
      const reads = readsOf(parts, userId === undefined);
      const { items, more } = await guard(() => selectRewards(reads, { userId: userId ?? null, status: status ?? null, limit, before }));
      const last = items[items.length - 1];
      return { items, nextCursor: more && last ? encodeRewardCursor(last.id) : null };
    },

    async rewardBalance(userId) {
      const id = parse(userIdSchema, userId, 'userId');
      return guard(() => selectBalance(ctx, id));
    },

    async releaseDueRewards() {
      let total = 0;
      for (;;) {
        const released = await inTransaction(async (trx) => {
          const { released, events } = await releaseDue(ctx, trx, Date.now());
          await writeEvents(ctx, trx, events);
          return released;
        });
        total += released;
        if (released < RELEASE_BATCH) return total;
      }
    },

    async settleRewards(input) {
      const { ids } = parse(settleRewardsSchema, input);
      return inTransaction(async (trx) => {
        const { rewards, events } = await settle(ctx, trx, ids, Date.now());
        await writeEvents(ctx, trx, events);
        return rewards;
      });
    },

    async voidReward(id, options = {}) {
      const rewardId = parse(rewardIdSchema, id, 'id');
      const { note } = parse(voidRewardSchema, options ?? {});
      return inTransaction(async (trx): Promise<Reward> => {
        const { reward, events } = await voidEntry(ctx, trx, rewardId, note);
        await writeEvents(ctx, trx, events);
        return reward;
      });
    },

    exportRewards: (query = {}) => {
      const q = parse(exportRewardsSchema, query);
      return pagesWhenMigrated(parts, exportRewardRows(parts.operatorCtx, { ...q, status: q.status ?? null }));
    },
  };
}

/**
 * The conversions wing's hooks (store/conversions/hooks.ts): the rules of a conversion's type pay in
 * the conversion's transaction, and a refund reverses in the refund's. Without conversion rules there
 * is no hook, so that a conversion may stay one statement.
 */
export function rewardHooks({ ctx }: TrackerParts): ConversionHooks {
  if (!ctx.rewards.some((r) => typeof r.on === 'object')) return {};
  return {
    recorded: async (trx, { conversion, referral }) => (await rewardsOfConversion(ctx, trx, conversion, referral)).events,
    refunded: async (trx, { conversion }) => (await rewardsOfRefund(ctx, trx, conversion)).events,
  };
}
