import { z } from 'zod';
import type { Tracker } from '../model/types.js';
import { parse, pregenerateCodesSchema } from '../validation.js';
import { jsonResponse } from './errors.js';
import type { Route } from './routes.js';

const code = pregenerateCodesSchema.shape;
/** The wire's names, so that an issue's path is the body's own (`user_ids.3`). */
const pregenerateBody = z.object({ user_ids: code.userIds, promo_type: code.promoType, appid: code.appid, page: code.page });

/**
 * The code images' admin routes (docs/wxacode.md): `POST /codes/pregenerate` queues the codes of up
 * to 10 000 users (202 `{ queued }`), `GET /codes/jobs` reports the queue, `POST /codes/retry` puts
 * the failed jobs back (202 `{ queued }`).
 */
export function codeRoutes<Raw>(tracker: Tracker): Route<Raw>[] {
  return [
    {
      method: 'POST',
      path: '/codes/pregenerate',
      async handle({ body, access }) {
        await access.requireAdmin();
        const { user_ids, promo_type, appid, page } = parse(pregenerateBody, await body());
        return jsonResponse(202, await tracker.pregenerateCodes({ userIds: user_ids, promoType: promo_type, appid, page }));
      },
    },
    {
      method: 'GET',
      path: '/codes/jobs',
      async handle({ access }) {
        await access.requireAdmin();
        return jsonResponse(200, await tracker.codeJobs());
      },
    },
    {
      method: 'POST',
      path: '/codes/retry',
      async handle({ access }) {
        await access.requireAdmin();
        return jsonResponse(202, await tracker.retryFailedCodes());
      },
    },
  ];
}
