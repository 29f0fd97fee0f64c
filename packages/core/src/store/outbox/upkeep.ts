import type { Kysely } from 'kysely';
import type { StoreContext } from '../context.js';

/** What an orphaned message says in `last_error`. */
export const ORPHANED = 'endpoint no longer configured';
/** Rows per DELETE of the retention: never one long lock. */
const PRUNE_BATCH = 500;

/**
 * The sender's upkeep: messages still pending for an endpoint no longer configured are `failed`
 * (`ORPHANED`); delivered messages delivered before `deliveredBefore` are deleted, a batch at a time.
 * Answers how many were deleted.
 */
export async function outboxUpkeep(ctx: StoreContext, { deliveredBefore }: { deliveredBefore: number }): Promise<number> {
  const t = ctx.tables;
  const keys = ctx.outbox.endpoints.map((e) => e.key);
  const orphan = (db: Kysely<any>) =>
    db
      .updateTable(t.webhookMessage)
      .set({ status: 'failed', claim: null, last_error: ORPHANED })
      .where('status', '=', 'pending')
      .$if(keys.length > 0, (b) => b.where('endpoint', 'not in', keys))
      .execute()
      .then(() => true);
  await ctx.dialect.write(ctx.db, orphan, orphan);
  let deleted = 0;
  for (;;) {
    const ids = (
      await ctx.db
        .selectFrom(t.webhookMessage)
        .select('id')
        .where('status', '=', 'delivered')
        .where('next_attempt_at', '<', deliveredBefore)
        .orderBy('next_attempt_at')
        .limit(PRUNE_BATCH)
        .execute()
    ).map((r) => Number(r.id));
    if (ids.length === 0) return deleted;
    const remove = (db: Kysely<any>) =>
      db
        .deleteFrom(t.webhookMessage)
        .where('id', 'in', ids)
        .where('status', '=', 'delivered')
        .executeTakeFirst()
        .then((r) => Number(r.numDeletedRows));
    deleted += await ctx.dialect.write(ctx.db, remove, remove);
    if (ids.length < PRUNE_BATCH) return deleted;
  }
}
