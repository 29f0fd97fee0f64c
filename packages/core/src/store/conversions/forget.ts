import type { Kysely } from 'kysely';
import type { StoreContext } from '../context.js';

/**
 * forgetUser's part, in its transaction: the user's own conversions (and their refunds) go; those
 * credited to the user stay counted, credited to no one. Answers the count removed and the times of
 * every conversion touched (the rollups they void).
 */
export async function forgetConversions(
  ctx: StoreContext,
  trx: Kysely<any>,
  userId: number,
): Promise<{ conversions: number; times: number[] }> {
  const { tables } = ctx;
  const [own, credited] = await Promise.all([
    trx.selectFrom(tables.conversion).select(['id', 'created_at']).where('user_id', '=', userId).execute(),
    trx.selectFrom(tables.conversion).select('created_at').where('referrer', '=', userId).execute(),
  ]);
  const ids = own.map((r) => Number(r.id));
  for (let i = 0; i < ids.length; i += 1000) {
    await trx
      .deleteFrom(tables.conversionRefund)
      .where('conversion_id', 'in', ids.slice(i, i + 1000))
      .execute();
  }
  await trx.deleteFrom(tables.conversion).where('user_id', '=', userId).execute();
  await trx.updateTable(tables.conversion).set({ referrer: null }).where('referrer', '=', userId).execute();
  return { conversions: ids.length, times: [...own, ...credited].map((r) => Number(r.created_at)) };
}
