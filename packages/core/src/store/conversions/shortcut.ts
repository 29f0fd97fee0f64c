import type { Kysely } from 'kysely';
import type { Conversion } from '../../model/types.js';
import { builtOnce, runCompiled } from '../compiled.js';
import type { StoreContext } from '../context.js';
import type { Shortcut } from '../dialects/dialect.js';
import { num } from '../rows.js';
import { type ConversionInput, newConversion } from './input.js';
import { byKey, sameRecord } from './first-record.js';

const COLUMNS = ['user_id', 'type', 'order_id', 'once_key', 'amount', 'currency', 'detail', 'created_at'] as const;
type Column = (typeof COLUMNS)[number];

/**
 * A new conversion as one statement, where the database answers RETURNING and nothing more must be
 * written with it (no outbox event wanted, no hook): INSERT … ON CONFLICT DO NOTHING, the referrer
 * and promocode read from the binding by subqueries. When the key was taken, a read of the first
 * record answers a repeat (it writes nothing, so it needs no transaction); `null` for a conflict
 * (another user, amount or currency) or a first record gone meanwhile (forgetUser): the
 * transaction then decides, and throws the `ConflictError` in its own savepoint.
 */
export function conversionShortcut(
  ctx: StoreContext,
  input: ConversionInput,
  key: string,
): Shortcut<{ conversion: Conversion; created: boolean }> {
  return async (db: Kysely<any>) => {
    const { sql, order } = statement(ctx);
    const values: Record<Column, unknown> = {
      user_id: input.userId,
      type: input.type,
      order_id: input.orderId,
      once_key: key,
      amount: input.amount,
      currency: input.currency,
      detail: input.detail,
      created_at: input.at,
    };
    const { rows } = await runCompiled<{ id: unknown; referrer: unknown }>(
      db,
      sql,
      order.map((c) => values[c]),
    );
    const row = rows[0];
    if (!row) {
      const first = await byKey(ctx, db, input.type, key);
      return first && sameRecord(first, input) ? { conversion: first, created: false } : null;
    }
    return { conversion: newConversion(input, num(row.id), row.referrer == null ? null : num(row.referrer)), created: true };
  };
}

/** Compiled by Kysely once per tracker, with each parameter marked by its column's name. */
const statement = builtOnce((ctx: StoreContext): { sql: string; order: Column[] } => {
  const mark = (c: Column) => `\u0000${c}`;
  const binding = (column: 'referrer' | 'promocode') =>
    ctx.db.selectFrom(ctx.tables.referral).select(column).where('user_id', '=', mark('user_id'));
  const compiled = ctx.db
    .insertInto(ctx.tables.conversion)
    .values({ ...Object.fromEntries(COLUMNS.map((c) => [c, mark(c)])), referrer: binding('referrer'), promocode: binding('promocode') })
    .onConflict((oc) => oc.doNothing())
    .returning(['id', 'referrer'])
    .compile();
  const order = compiled.parameters.map((p) => {
    const column = COLUMNS.find((c) => p === mark(c));
    if (!column) throw new Error(`unexpected parameter in the conversion statement: ${String(p)}`);
    return column;
  });
  return { sql: compiled.sql, order };
});
