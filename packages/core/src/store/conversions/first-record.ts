import { type Kysely, sql } from 'kysely';
import { ConflictError } from '../../model/errors.js';
import type { Conversion } from '../../model/types.js';
import { builtOnce, runCompiled } from '../compiled.js';
import type { StoreContext } from '../context.js';
import type { ConversionInput } from './input.js';
import { type ConversionRow, toConversion } from './rows.js';

// A conversion's key (type, once_key) already taken: the first record, and whether a repeat says the same.

const differences = (first: Conversion, input: ConversionInput) =>
  [
    first.userId !== input.userId && 'user',
    first.amount !== input.amount && 'amount',
    first.currency !== input.currency && 'currency',
  ].filter(Boolean);

/** A repeat of the first record's key that says the same (user, amount, currency). */
export const sameRecord = (first: Conversion, input: ConversionInput): boolean => differences(first, input).length === 0;

/** The first record of a repeated key, unless the repeat says something else: then nothing is written. */
export function sameAs(first: Conversion, input: ConversionInput): Conversion {
  const differs = differences(first, input);
  if (differs.length) {
    const what =
      input.orderId === null ? `type "${input.type}" for user ${input.userId}` : `order "${input.orderId}" of type "${input.type}"`;
    throw new ConflictError(`A conversion was already recorded for ${what} with another ${differs.join(', ')} (conversion ${first.id})`);
  }
  return first;
}

/** `latest`: a locking read that sees a row committed after the transaction's snapshot (MySQL). */
export async function byKey(
  ctx: StoreContext,
  trx: Kysely<any>,
  type: string,
  key: string,
  latest = false,
  lock = '',
): Promise<Conversion | null> {
  const row = (await runCompiled<ConversionRow>(trx, statements(ctx).byKey(latest ? lock || ctx.dialect.shareLock : lock), [type, key]))
    .rows[0];
  return row ? toConversion(row) : null;
}

/** SQL compiled by Kysely once per tracker and run with each call's values (store/compiled.ts). */
const statements = builtOnce((ctx: StoreContext) => {
  const { db, tables: t } = ctx;
  const byKey = new Map<string, string>();
  return {
    /** The conversion of a (type, once_key), read with `lock` (a dialect's lock suffix, or none). */
    byKey(lock: string): string {
      let text = byKey.get(lock);
      if (text === undefined) {
        text = db
          .selectFrom(t.conversion)
          .selectAll()
          .where('type', '=', '')
          .where('once_key', '=', '')
          .modifyEnd(sql.raw(lock))
          .compile().sql;
        byKey.set(lock, text);
      }
      return text;
    },
  };
});
