import type { StoreContext } from '../context.js';
import { HOUR_MS } from './rollup-grains.js';

/*
 * What voids rollups (store/stats/rollups.ts), each called after the commit of the change it reports:
 * late writes and forgetUser by the hours they touch, forgetUser's referrer by their rows, purge
 * by everything before its cutoff. The next read rebuilds what is gone.
 */

/**
 * Voids the rollups of every day and hour (in any scope) that holds one of `times`, after the write
 * that changed them has committed. Times are taken by the hour (a day holds whole hours in every
 * zone but those with :30 or :45 offsets, where the neighbouring day is voided too: harmless).
 */
export async function invalidateTimes(ctx: StoreContext, times: Iterable<number>): Promise<void> {
  const hours = [...new Set([...times].map((ms) => Math.floor(ms / HOUR_MS)))];
  for (let i = 0; i < hours.length; i += 100) {
    const chunk = hours.slice(i, i + 100);
    await ctx.dialect.write(ctx.db, async (trx) => {
      await trx
        .deleteFrom(ctx.tables.rollupDay)
        .where((eb) => eb.or(chunk.map((h) => eb.and([eb('start_at', '<', (h + 1) * HOUR_MS), eb('end_at', '>', h * HOUR_MS)]))))
        .execute();
      await trx
        .deleteFrom(ctx.tables.rollupHour)
        .where(
          'start_at',
          'in',
          chunk.map((h) => h * HOUR_MS),
        )
        .execute();
    });
  }
}

/**
 * After forgetUser has committed: the forgotten user leads no binding and no counted visit any more,
 * so their rows in the referrers' details are dropped (every bucket, every scope), and so are the
 * claims of builds in flight, which may have read the rows before the forget (they store nothing).
 */
export async function voidReferrer(ctx: StoreContext, userId: number): Promise<void> {
  const { tables } = ctx;
  await ctx.dialect.write(ctx.db, async (trx) => {
    for (const table of [
      tables.rollupReferrals,
      tables.rollupRefVisits,
      tables.rollupHourReferrals,
      tables.rollupHourRefVisits,
      tables.rollupRefConversions,
      tables.rollupHourRefConversions,
    ]) {
      await trx.deleteFrom(table).where('referrer', '=', userId).execute();
    }
    for (const table of [tables.rollupDay, tables.rollupHour]) await trx.deleteFrom(table).where('ready', '=', 0).execute();
  });
}

/** Voids the rollups of every day and hour that starts before `before` (after a purge). */
export async function invalidateBefore(ctx: StoreContext, before: number): Promise<void> {
  await ctx.dialect.write(ctx.db, async (trx) => {
    await trx.deleteFrom(ctx.tables.rollupDay).where('start_at', '<', before).execute();
    await trx.deleteFrom(ctx.tables.rollupHour).where('start_at', '<', before).execute();
  });
}
