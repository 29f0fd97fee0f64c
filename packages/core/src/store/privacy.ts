import { type Kysely, sql } from 'kysely';
import type { ForgetResult, PurgeResult } from '../model/types.js';
import type { StoreContext } from './context.js';

const affected = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint }[]) =>
  r.reduce((sum, x) => sum + Number(x.numDeletedRows ?? x.numUpdatedRows ?? 0n), 0);

/**
 * Removes every row that names the user, inside the caller's transaction.
 *
 * The promos go first: a visit in flight holds a share lock on the promo it came through
 * (store/visit-reads.ts), so deleting them waits for those visits to commit, and a visit that comes
 * later finds no promo and fails with `unknown_promocode`. The statements after it each see what
 * those visits committed (PostgreSQL runs READ COMMITTED; on MySQL an UPDATE or DELETE reads the
 * latest rows, not the snapshot), so no track, binding or decision naming the user survives.
 * The tables then follow the order in which a visit writes them (visitor, track, referral, then the
 * purged tracks' decisions), so the two do not deadlock, and each statement filters one indexed
 * column (an OR of two columns can make MySQL scan and lock the whole table).
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

/**
 * Deletes old tracks and shares a batch at a time: each batch is one short transaction over at
 * most PURGE_BATCH rows by primary key, so no lock outlives its batch and writers go on in
 * between. Bindings and decisions stay: a track's decision moves into `decision` in the same
 * transaction that deletes the track. The walk goes up the primary key from where the last batch
 * ended, so each batch reads only its own rows (never again the dead ones of earlier batches).
 */
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
