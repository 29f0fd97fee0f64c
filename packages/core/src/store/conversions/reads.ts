import type { Conversion } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { type ConversionRow, toConversion } from './rows.js';

/** Where a page of conversions ends: the (created_at, id) of its last item. */
export interface ConversionCursor {
  createdAt: number;
  id: number;
}

export interface ConversionFilter {
  userId?: number;
  referrerId?: number;
  type?: string;
  from?: Date;
  to?: Date;
}

/** Newest first, ties by id; each filter leads one of the table's `(…, created_at)` indexes. */
export async function selectConversions(
  ctx: StoreContext,
  f: ConversionFilter,
  limit: number,
  after: ConversionCursor | null,
): Promise<{ items: Conversion[]; next: ConversionCursor | null }> {
  const rows = (await ctx.readDb
    .selectFrom(ctx.tables.conversion)
    .selectAll()
    .$if(f.userId !== undefined, (q) => q.where('user_id', '=', f.userId!))
    .$if(f.referrerId !== undefined, (q) => q.where('referrer', '=', f.referrerId!))
    .$if(f.type !== undefined, (q) => q.where('type', '=', f.type!))
    .$if(f.from !== undefined, (q) => q.where('created_at', '>=', f.from!.getTime()))
    .$if(f.to !== undefined, (q) => q.where('created_at', '<', f.to!.getTime()))
    .$if(after !== null, (q) =>
      q
        .where('created_at', '<=', after!.createdAt)
        .where((eb) => eb.or([eb('created_at', '<', after!.createdAt), eb('id', '<', after!.id)])),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()) as ConversionRow[];
  const items = rows.slice(0, limit).map(toConversion);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? { createdAt: last.createdAt.getTime(), id: last.id } : null };
}

/** The user's own conversions, oldest first (explainReferral). */
export async function conversionsOf(ctx: StoreContext, userId: number): Promise<Conversion[]> {
  const rows = await ctx.db
    .selectFrom(ctx.tables.conversion)
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return (rows as ConversionRow[]).map(toConversion);
}
