import { type Kysely, sql } from 'kysely';
import type { ForgetResult, PurgeResult } from '../model/types.js';
import type { StoreContext } from './context.js';

const affected = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint }[]) =>
  r.reduce((sum, x) => sum + Number(x.numDeletedRows ?? x.numUpdatedRows ?? 0n), 0);

/**
 * Removes every row that names the user, inside the caller's transaction: promos first, then the
 * tables in the order a visit writes them (why: docs/concurrency.md, "The promo's share lock").
 */
export async function forgetRows(
  ctx: StoreContext,
  trx: Kysely<any>,
  userId: number,
): Promise<ForgetResult & { images: string[]; times: number[] }> {
  const { t } = ctx;
  // A locking read: it waits for the visits in flight like the delete below, and sees a wxbcode
  // filled in meanwhile (a plain read could answer an older snapshot and orphan that image).
  const images = (
    await trx
      .selectFrom(t.promo)
      .select('wxbcode')
      .where('user_id', '=', userId)
      .modifyEnd(sql.raw(ctx.d.updateLock))
      .execute()
  )
    .map((r) => r.wxbcode as string | null)
    .filter((url): url is string => !!url);
  const promos = affected(await trx.deleteFrom(t.promo).where('user_id', '=', userId).execute());
  await trx.deleteFrom(t.visitor).where('user_id', '=', userId).execute();
  // The times of the rows about to go: the days whose rollups they void (store/rollups.ts).
  const times = (
    await Promise.all([
      trx.selectFrom(t.track).select('created_at as at').where('user_id', '=', userId).execute(),
      trx.selectFrom(t.share).select('created_at as at').where('user_id', '=', userId).execute(),
      trx.selectFrom(t.referral).select('bound_at as at').where('user_id', '=', userId).execute(),
      trx.selectFrom(t.referral).select('bound_at as at').where('referrer', '=', userId).execute(),
    ])
  ).flatMap((rows) => rows.map((r) => Number(r.at)));
  const tracks = affected(await trx.deleteFrom(t.track).where('user_id', '=', userId).execute());
  // Other users' visits through the user's codes stay counted, but lead to no one.
  await trx.updateTable(t.track).set({ referrer: null }).where('referrer', '=', userId).execute();
  const shares = affected(await trx.deleteFrom(t.share).where('user_id', '=', userId).execute());
  const referrals =
    affected(await trx.deleteFrom(t.referral).where('user_id', '=', userId).execute()) +
    affected(await trx.deleteFrom(t.referral).where('referrer', '=', userId).execute());
  await trx.deleteFrom(t.decision).where('user_id', '=', userId).execute();
  await trx.deleteFrom(t.decision).where('candidate', '=', userId).execute();
  return { promos, tracks, shares, referrals, images, times };
}

const PURGE_BATCH = 1000;

/** Deletes old tracks and shares in short batches by primary key, keeping decisions (docs/concurrency.md, "Purge"). */
export async function purgeRows(ctx: StoreContext, before: Date): Promise<PurgeResult> {
  const cutoff = before.getTime();
  const { t } = ctx;
  const purgeTable = async (table: string, keepDecisions: boolean) => {
    let total = 0;
    let after = 0;
    for (;;) {
      const ids = (
        await ctx.db
          .selectFrom(table)
          .select('id')
          .where('created_at', '<', cutoff)
          .where('id', '>', after)
          .orderBy('id')
          .limit(PURGE_BATCH)
          .execute()
      ).map((r) => Number(r.id));
      if (ids.length === 0) return total;
      const remove = (db: Kysely<any>) => db.deleteFrom(table).where('id', 'in', ids).where('created_at', '<', cutoff).execute();
      total += affected(
        keepDecisions
          ? await ctx.d.write(ctx.db, async (trx) => {
              // The rows locked for writing first, in key order: a host's update of one then waits
              // instead of deadlocking with the archive's shared read (docs/concurrency.md, "Purge").
              if (ctx.d.updateLock) await sql`select id from ${sql.table(table)} where id in (${sql.join(ids)}) order by id${sql.raw(ctx.d.updateLock)}`.execute(trx);
              await archiveDecisions(ctx, trx, ids, cutoff);
              return remove(trx);
            })
          : await remove(ctx.db),
      );
      if (ids.length < PURGE_BATCH) return total;
      after = ids[ids.length - 1]!;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { tracks: await purgeTable(t.track, true), shares: await purgeTable(t.share, false) };
}

function archiveDecisions(ctx: StoreContext, trx: Kysely<any>, ids: number[], cutoff: number) {
  const { t } = ctx;
  return trx
    .insertInto(t.decision)
    .columns(['user_id', 'track_id', 'promocode', 'candidate', 'outcome', 'at'])
    .expression(
      trx
        .selectFrom(t.track)
        .select(['user_id', 'id', 'promocode', 'referrer', 'outcome', 'created_at'])
        .where('id', 'in', ids)
        .where('created_at', '<', cutoff)
        .where('outcome', 'is not', null)
        .where('referrer', 'is not', null),
    )
    .execute();
}
