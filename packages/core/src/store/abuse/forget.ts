import { type Kysely, sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { referrerCounter } from './check.js';

/**
 * forgetUser's part, in its transaction: the user's signals (so they no longer count toward any
 * check), their counter row as a referrer, and every flag and review item that names them, as
 * referee or as referrer.
 */
export async function forgetAbuse(ctx: StoreContext, trx: Kysely<any>, userId: number): Promise<void> {
  const { tables } = ctx;
  await trx.deleteFrom(tables.signal).where('user_id', '=', userId).execute();
  await trx.deleteFrom(tables.abuseCounter).where('name', '=', referrerCounter(userId)).execute();
  for (const table of [tables.flag, tables.flagReview]) {
    await trx
      .deleteFrom(table)
      .where((eb) => eb.or([eb('referee', '=', userId), eb('referrer', '=', userId)]))
      .execute();
  }
}

/**
 * purge's part: signals last seen before `before` of users who are in no binding (neither bound nor
 * referrer). A binding's signals stay as long as it lives: they are what its flags were judged on.
 */
export async function purgeSignals(ctx: StoreContext, before: number): Promise<number> {
  const { tables } = ctx;
  const r = sql.table(tables.referral);
  const result = await ctx.db
    .deleteFrom(tables.signal)
    .where('seen_at', '<', before)
    .where(({ not, exists }) =>
      not(
        exists(
          sql`(select 1 from ${r} where ${r}.user_id = ${sql.ref(`${tables.signal}.user_id`)} or ${r}.referrer = ${sql.ref(`${tables.signal}.user_id`)})`,
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
