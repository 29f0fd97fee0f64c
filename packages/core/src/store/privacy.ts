import type { Kysely } from 'kysely';
import type { ForgetResult, PurgeResult } from '../types.js';
import type { StoreContext } from './context.js';

const affected = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint }[]) =>
  r.reduce((sum, x) => sum + Number(x.numDeletedRows ?? x.numUpdatedRows ?? 0n), 0);

/**
 * Removes every row that names the user, inside the caller's transaction. The promos go first:
 * a visit in flight holds a share lock on the promo it came through, so this waits for it and the
 * later statements see (and clean) what it wrote.
 */
export async function forgetRows(ctx: StoreContext, trx: Kysely<any>, userId: number): Promise<ForgetResult & { images: string[] }> {
  const { t } = ctx;
  const images = (await trx.selectFrom(t.promo).select('wxbcode').where('user_id', '=', userId).execute())
    .map((r) => r.wxbcode as string | null)
    .filter((url): url is string => !!url);
  const promos = affected(await trx.deleteFrom(t.promo).where('user_id', '=', userId).execute());
  const tracks = affected(await trx.deleteFrom(t.track).where('user_id', '=', userId).execute());
  await trx.updateTable(t.track).set({ referrer: null }).where('referrer', '=', userId).execute();
  const shares = affected(await trx.deleteFrom(t.share).where('user_id', '=', userId).execute());
  const referrals = affected(
    await trx
      .deleteFrom(t.referral)
      .where((eb) => eb.or([eb('user_id', '=', userId), eb('referrer', '=', userId)]))
      .execute(),
  );
  await trx
    .deleteFrom(t.decision)
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('candidate', '=', userId)]))
    .execute();
  await trx.deleteFrom(t.visitor).where('user_id', '=', userId).execute();
  return { promos, tracks, shares, referrals, images };
}

const PURGE_BATCH = 1000;

/**
 * Deletes old tracks and shares a batch at a time, each batch its own short statement, so no
 * lock is held for long; bindings and decisions stay.
 */
export async function purgeRows(ctx: StoreContext, before: Date): Promise<PurgeResult> {
  const cutoff = before.getTime();
  const purgeTable = async (table: string) => {
    let total = 0;
    for (;;) {
      const ids = (
        await ctx.db.selectFrom(table).select('id').where('created_at', '<', cutoff).orderBy('id').limit(PURGE_BATCH).execute()
      ).map((r) => r.id as number);
      if (ids.length === 0) return total;
      total += affected(await ctx.db.deleteFrom(table).where('id', 'in', ids).execute());
      if (ids.length < PURGE_BATCH) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { tracks: await purgeTable(ctx.t.track), shares: await purgeTable(ctx.t.share) };
}
