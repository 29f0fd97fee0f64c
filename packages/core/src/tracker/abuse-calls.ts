import { encodeFlagCursor, readFlagCursor } from '../cursors.js';
import type { FlaggedReferee, ListFlaggedOptions } from '../model/abuse.js';
import type { Page } from '../model/types.js';
import { resolveReview, selectFlagged } from '../store/abuse/index.js';
import { writeEvents } from '../store/outbox/index.js';
import { resolveHeld } from '../store/rewards/index.js';
import { listFlaggedSchema, parse, resolveFlagsSchema, userIdSchema } from '../validation.js';
import type { TrackerParts } from './parts.js';

/** listFlagged and resolveFlags (docs/abuse.md): the queue of flagged referees, and an operator's verdict. */
export function abuseCalls({ ctx, operatorCtx, whenMigrated }: TrackerParts) {
  return {
    async listFlagged(options: ListFlaggedOptions = {}): Promise<Page<FlaggedReferee>> {
      const { status, limit, cursor } = parse(listFlaggedSchema, options);
      const after = cursor === null ? null : readFlagCursor(cursor); // checked by the schema
      const { items, next } = await whenMigrated(() => selectFlagged(operatorCtx, { status, limit, after }));
      return { items, nextCursor: next === null ? null : encodeFlagCursor(next) };
    },

    async resolveFlags(refereeId: number, action: 'release' | 'void', options: { note?: string | null } = {}): Promise<FlaggedReferee> {
      const id = parse(userIdSchema, refereeId, 'refereeId');
      const { note } = parse(resolveFlagsSchema, { action, note: options?.note });
      const now = Date.now();
      const { flagged } = await whenMigrated(() =>
        ctx.dialect.write(ctx.db, async (trx) => {
          const resolved = await resolveReview(ctx, trx, id, action, note, now);
          // The referee's entries held for review follow the verdict, in the same transaction.
          if (resolved.changed) await writeEvents(ctx, trx, await resolveHeld(ctx, trx, id, action, note, now));
          return resolved;
        }),
      );
      return flagged;
    },
  };
}
