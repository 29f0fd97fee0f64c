import type { Tracker } from '../model/types.js';
import { isReplayed } from '../replays.js';
import { parse } from '../validation.js';
import { jsonResponse } from './errors.js';
import { isObject, type Route, wirePaths } from './routes.js';
import { conversionBody, conversionsQuery, refundRequest } from './wire-inputs.js';
import { wireRange } from './wire-range.js';
import { conversionPageWire, conversionWire } from './wire-outputs.js';

/**
 * The conversion routes: operators only, since conversions come from the host's backend, never from
 * the mini-program. Input is checked before the caller is, so bad input is 400 for anyone.
 */
export function conversionRoutes<Raw>(tracker: Tracker): Route<Raw>[] {
  return [
    {
      method: 'POST',
      path: '/conversions',
      async handle({ body, access }) {
        const input = parse(conversionBody, await body());
        await access.requireAdmin();
        const conversion = await tracker
          .recordConversion({
            userId: input.user_id,
            type: input.type,
            orderId: input.order_id,
            amount: input.amount,
            currency: input.currency,
            occurredAt: input.occurred_at,
            detail: input.detail,
          })
          .catch(wirePaths(''));
        return jsonResponse(isReplayed(conversion) ? 200 : 201, conversionWire(conversion));
      },
    },
    {
      method: 'POST',
      path: '/conversions/:id/refunds',
      async handle({ params, body, access }) {
        const raw = await body();
        const { id, refund_id, amount } = parse(refundRequest, { ...(isObject(raw) ? raw : { body: raw }), id: params.id });
        await access.requireAdmin();
        const conversion = await tracker.refundConversion({ conversionId: id }, { refundId: refund_id, amount }).catch(wirePaths(''));
        return jsonResponse(200, conversionWire(conversion));
      },
    },
    {
      method: 'GET',
      path: '/conversions',
      async handle({ query, access }) {
        const { user_id, referrer, type, limit, cursor, ...range } = parse(conversionsQuery, query);
        await access.requireAdmin();
        const page = await tracker.listConversions({
          userId: user_id,
          referrerId: referrer,
          type,
          ...wireRange(tracker, range),
          limit,
          cursor,
        });
        return jsonResponse(200, conversionPageWire(page));
      },
    },
  ];
}
