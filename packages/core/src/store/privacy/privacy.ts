import { type Kysely, sql } from 'kysely';
import type { ForgetResult, PurgeResult } from '../../model/types.js';
import type { StoreContext } from '../context.js';

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
): Promise<Omit<ForgetResult, 'conversions' | 'rewards'> & { images: string[]; times: number[] }> {
  const { tables } = ctx;
  // A locking read: it waits for the visits in flight like the delete below, and sees a wxbcode
  // filled in meanwhile (a plain read could answer an older snapshot and orphan that image).
  const images = (
    await trx.selectFrom(tables.promo).select('wxbcode').where('user_id', '=', userId).modifyEnd(sql.raw(ctx.dialect.updateLock)).execute()
  )
    .map((r) => r.wxbcode as string | null)
    .filter((url): url is string => !!url);
  const promos = affected(await trx.deleteFrom(tables.promo).where('user_id', '=', userId).execute());
  await trx.deleteFrom(tables.visitor).where('user_id', '=', userId).execute();
  // The times of the rows about to go: the days whose rollups they void (store/stats/rollups.ts).
  const times = (
    await Promise.all([
      trx.selectFrom(tables.track).select('created_at as at').where('user_id', '=', userId).execute(),
      trx.selectFrom(tables.share).select('created_at as at').where('user_id', '=', userId).execute(),
      trx.selectFrom(tables.referral).select('bound_at as at').where('user_id', '=', userId).execute(),
      trx.selectFrom(tables.referral).select('bound_at as at').where('referrer', '=', userId).execute(),
    ])
  ).flatMap((rows) => rows.map((r) => Number(r.at)));
  const tracks = affected(await trx.deleteFrom(tables.track).where('user_id', '=', userId).execute());
  // Other users' visits through the user's codes stay counted, but lead to no one.
  await trx.updateTable(tables.track).set({ referrer: null }).where('referrer', '=', userId).execute();
  const shares = affected(await trx.deleteFrom(tables.share).where('user_id', '=', userId).execute());
  const referrals =
    affected(await trx.deleteFrom(tables.referral).where('user_id', '=', userId).execute()) +
    affected(await trx.deleteFrom(tables.referral).where('referrer', '=', userId).execute());
  await trx.deleteFrom(tables.decision).where('user_id', '=', userId).execute();
  await trx.deleteFrom(tables.decision).where('candidate', '=', userId).execute();
  return { promos, tracks, shares, referrals, images, times };
}

const PURGE_BATCH = 1000;

/** Deletes old tracks and shares in short batches by primary key, keeping decisions (docs/concurrency.md, "Purge"). */
export async function purgeRows(ctx: StoreContext, before: Date): Promise<PurgeResult> {
  const cutoff = before.getTime();
  const { tables } = ctx;
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
          ? await ctx.dialect.write(ctx.db, async (trx) => {
              // The rows locked for writing first, in key order: a host's update of one then waits
              // instead of deadlocking with the archive's shared read (docs/concurrency.md, "Purge").
              if (ctx.dialect.updateLock)
                await sql`select id from ${sql.table(table)} where id in (${sql.join(ids)}) order by id${sql.raw(ctx.dialect.updateLock)}`.execute(
                  trx,
                );
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
  return { tracks: await purgeTable(tables.track, true), shares: await purgeTable(tables.share, false) };
}

function archiveDecisions(ctx: StoreContext, trx: Kysely<any>, ids: number[], cutoff: number) {
  const { tables } = ctx;
  return trx
    .insertInto(tables.decision)
    .columns(['user_id', 'track_id', 'promocode', 'candidate', 'outcome', 'scene', 'at'])
    .expression(
      trx
        .selectFrom(tables.track)
        .select(['user_id', 'id', 'promocode', 'referrer', 'outcome', 'scene', 'created_at'])
        .where('id', 'in', ids)
        .where('created_at', '<', cutoff)
        .where('outcome', 'is not', null)
        .where('referrer', 'is not', null),
    )
    .execute();
}
