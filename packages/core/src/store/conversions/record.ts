import type { Kysely } from 'kysely';
import type { Conversion } from '../../model/types.js';
import { conversionEvent } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { builtOnce, runCompiled } from '../compiled.js';
import { insertIfAbsent } from '../insert.js';
import { wants, writeEvents } from '../outbox/index.js';
import { type ReferralRow, toReferral } from '../rows.js';
import type { ConversionHooks } from './hooks.js';
import { type ConversionInput, newConversion } from './input.js';
import { byKey, sameAs } from './first-record.js';
import { onceKey } from './rows.js';
import { conversionShortcut } from './shortcut.js';

/**
 * Records a conversion (a write of its own): one statement where the dialect answers RETURNING and
 * nothing else is written with it, else the transaction of `writeConversion`.
 */
export function recordConversionRow(
  ctx: StoreContext,
  input: ConversionInput,
  hooks: ConversionHooks = {},
): Promise<{ conversion: Conversion; created: boolean }> {
  const alone = ctx.dialect.returning && !hooks.recorded && !wants(ctx, 'conversion.recorded');
  const shortcut = alone ? conversionShortcut(ctx, input, onceKey(input.userId, input.orderId)) : undefined;
  return ctx.dialect.write(ctx.db, (trx) => writeConversion(ctx, trx, input, hooks), shortcut);
}

/**
 * Records a conversion in the caller's transaction, credited to the user's referrer as bound now.
 * A repeat of its key answers the first record (`created: false`) and writes nothing; the same key
 * with another user, amount or currency is a `ConflictError`.
 */
export async function writeConversion(
  ctx: StoreContext,
  trx: Kysely<any>,
  input: ConversionInput,
  hooks: ConversionHooks = {},
): Promise<{ conversion: Conversion; created: boolean }> {
  const key = onceKey(input.userId, input.orderId);
  // No read of the key first: the insert below does nothing for a repeat, which is then read.
  const binding = (await runCompiled<ReferralRow>(trx, bindingOf(ctx), [input.userId])).rows[0];
  const referral = binding ? toReferral(binding) : null;
  const id = await insertIfAbsent(trx, ctx.dialect, ctx.tables.conversion, {
    user_id: input.userId,
    type: input.type,
    order_id: input.orderId,
    once_key: key,
    amount: input.amount,
    refunded_amount: 0,
    currency: input.currency,
    referrer: referral?.referrerId ?? null,
    promocode: referral?.promocode ?? null,
    detail: input.detail,
    created_at: input.at,
  });
  if (id === null) {
    // A repeat, or another caller's insert of the same key committed meanwhile.
    const first = await byKey(ctx, trx, input.type, key, true);
    if (!first) throw new Error('conversion key conflict without a stored conversion');
    return { conversion: sameAs(first, input), created: false };
  }
  const conversion = newConversion(input, id, referral?.referrerId ?? null);
  // Here, with the transaction, the conversion and the credited binding, more writes can happen.
  const more = (await hooks.recorded?.(trx, { conversion, referral })) ?? [];
  await writeEvents(ctx, trx, [conversionEvent('conversion.recorded', conversion), ...more]);
  return { conversion, created: true };
}

/** The user's binding, compiled by Kysely once per tracker (store/compiled.ts). */
const bindingOf = builtOnce(
  (ctx: StoreContext) => ctx.db.selectFrom(ctx.tables.referral).selectAll().where('user_id', '=', 0).compile().sql,
);
