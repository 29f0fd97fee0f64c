import { z } from 'zod';
import { flaggedWire } from '../model/abuse-wire.js';
import type { Tracker } from '../model/types.js';
import { listFlaggedSchema, parse, resolveFlagsSchema } from '../validation.js';
import { jsonResponse } from './errors.js';
import type { Route } from './routes.js';
import { integerText, userIdParam } from './wire-inputs.js';

const flagsQuery = z.object({
  status: listFlaggedSchema.shape.status,
  limit: integerText(listFlaggedSchema.shape.limit.unwrap()).optional(),
  cursor: listFlaggedSchema.shape.cursor,
});

/** `GET /flags` and `POST /users/:user_id/flags/resolve`: the operators' review queue (docs/abuse.md). Admin only. */
export function abuseRoutes<Raw>(tracker: Tracker): Route<Raw>[] {
  return [
    {
      method: 'GET',
      path: '/flags',
      async handle({ query, access }) {
        const { status, limit, cursor } = parse(flagsQuery, query);
        await access.requireAdmin();
        const page = await tracker.listFlagged({ status, limit, cursor });
        return jsonResponse(200, { items: page.items.map(flaggedWire), next_cursor: page.nextCursor });
      },
    },
    {
      method: 'POST',
      path: '/users/:user_id/flags/resolve',
      async handle({ params, body, access }) {
        const userId = parse(userIdParam, params.user_id, 'user_id');
        await access.requireAdmin();
        const { action, note } = parse(resolveFlagsSchema, (await body()) ?? {});
        return jsonResponse(200, flaggedWire(await tracker.resolveFlags(userId, action, { note })));
      },
    },
  ];
}
