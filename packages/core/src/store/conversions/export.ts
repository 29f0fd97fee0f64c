import type { Conversion } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { pages } from '../exports/index.js';
import { type ConversionRow, toConversion } from './rows.js';

/** Every conversion in range, oldest first (ties by id), a page at a time by keyset. */
export async function* exportConversionRows(ctx: StoreContext, range: { from?: Date; to?: Date }): AsyncGenerator<Conversion> {
  for await (const rows of pages<ConversionRow & Record<string, unknown>>(ctx, ctx.tables.conversion, 'created_at', 'id', range)) {
    for (const row of rows) yield toConversion(row);
  }
}
