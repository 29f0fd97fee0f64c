import { type Kysely, sql } from 'kysely';
import type { StoreContext } from './context.js';

/**
 * The row an earlier call wrote under this user's `eventId` in `table` (tracks, shares, …), or
 * undefined; `latest`: a locking read that sees a row committed after the transaction's snapshot (MySQL).
 */
export function rowByEvent(ctx: StoreContext, trx: Kysely<any>, table: string, userId: number, eventId: string, latest = false) {
  return trx
    .selectFrom(table)
    .selectAll()
    .where('user_id', '=', userId)
    .where('event_id', '=', eventId)
    .$if(latest, (q) => q.modifyEnd(sql.raw(ctx.dialect.shareLock)))
    .executeTakeFirst();
}
