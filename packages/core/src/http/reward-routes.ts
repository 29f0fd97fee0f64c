import { z } from 'zod';
import { localIso } from '../days/local-time.js';
import type { RewardStatus } from '../model/rewards.js';
import type { Tracker } from '../model/types.js';
import { rewardWire } from '../model/wire.js';
import { exportRewardsSchema, listRewardsSchema, parse, rewardIdSchema, settleRewardsSchema, voidRewardSchema } from '../validation.js';
import { csvField, csvResponse } from './csv.js';
import { jsonResponse } from './errors.js';
import type { Route } from './routes.js';
import { exportQuery, integerText, userIdParam } from './wire-inputs.js';
import { trackerZone, wireRange } from './wire-range.js';

const list = listRewardsSchema.shape;
const pageQuery = {
  status: list.status,
  limit: integerText(list.limit.unwrap()).optional(),
  cursor: list.cursor,
};
const userRewardsRequest = z.object({ user_id: userIdParam, ...pageQuery });
const rewardsQuery = z.object({ user_id: userIdParam.optional(), ...pageQuery });
const settleBody = settleRewardsSchema;
const voidBody = voidRewardSchema;
const exportRewardsQuery = exportQuery.extend({ status: exportRewardsSchema.shape.status });

const REWARD_HEADER = [
  'id',
  'rule_id',
  'user_id',
  'referrer',
  'referee',
  'conversion_id',
  'amount',
  'currency',
  'status',
  'payable_at',
  'created_at',
  'settled_at',
  'replaces',
  'reversal_of',
  'note',
  'payable_at_local',
  'created_at_local',
  'settled_at_local',
];

/** The rewards routes (contract: Rewards, HTTP): a user's own entries and balance; the rest for operators. */
export function rewardRoutes<Raw>(tracker: Tracker): Route<Raw>[] {
  /** `2026-12-01T08:03:43.440+08:00`: the instant in the tracker's zone, with its offset. */
  const local = (at: Date | null) => (at ? localIso(trackerZone(tracker), at.getTime()) : null);
  return [
    {
      method: 'GET',
      path: '/users/:user_id/rewards',
      async handle({ params, query, access }) {
        const { user_id: userId, status, limit, cursor } = parse(userRewardsRequest, { ...query, ...params });
        await access.actFor([userId]);
        const [page, balance] = await Promise.all([tracker.listRewards({ userId, status, limit, cursor }), tracker.rewardBalance(userId)]);
        return jsonResponse(200, { items: page.items.map(rewardWire), next_cursor: page.nextCursor, balance });
      },
    },
    {
      method: 'GET',
      path: '/rewards',
      async handle({ query, access }) {
        const { user_id: userId, status, limit, cursor } = parse(rewardsQuery, query);
        await access.requireAdmin();
        const page = await tracker.listRewards({ userId, status: status as RewardStatus | undefined, limit, cursor });
        return jsonResponse(200, { items: page.items.map(rewardWire), next_cursor: page.nextCursor });
      },
    },
    {
      method: 'POST',
      path: '/rewards/settle',
      async handle({ body, access }) {
        const { ids } = parse(settleBody, await body());
        await access.requireAdmin();
        return jsonResponse(200, { items: (await tracker.settleRewards({ ids })).map(rewardWire) });
      },
    },
    {
      method: 'POST',
      path: '/rewards/:id/void',
      async handle({ params, body, access }) {
        const id = parse(integerText(rewardIdSchema), params.id, 'id');
        const { note } = parse(voidBody, (await body()) ?? {});
        await access.requireAdmin();
        return jsonResponse(200, rewardWire(await tracker.voidReward(id, { note })));
      },
    },
    {
      method: 'GET',
      path: '/export/rewards.csv',
      async handle({ query, access }) {
        const { status, ...range } = parse(exportRewardsQuery, query);
        await access.requireAdmin();
        return csvResponse('rewards.csv', tracker.exportRewards({ status, ...wireRange(tracker, range) }), REWARD_HEADER, (r) =>
          [
            csvField(r.id),
            csvField(r.ruleId, true),
            csvField(r.userId),
            csvField(r.referrerId),
            csvField(r.refereeId),
            csvField(r.conversionId),
            csvField(r.amount),
            csvField(r.currency, true),
            csvField(r.status),
            r.payableAt.toISOString(),
            r.createdAt.toISOString(),
            r.settledAt?.toISOString() ?? '',
            csvField(r.replaces),
            csvField(r.reversalOf),
            csvField(r.note, true),
            local(r.payableAt),
            local(r.createdAt),
            local(r.settledAt) ?? '',
          ].join(','),
        );
      },
    },
  ];
}
