import { type Kysely, sql } from 'kysely';
import { NotFoundError, ValidationError } from '../../model/errors.js';
import type { Conversion } from '../../model/types.js';
import { conversionEvent } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { insertIfAbsent } from '../insert.js';
import { writeEvents } from '../outbox/index.js';
import type { ConversionHooks } from './hooks.js';
import { byKey } from './first-record.js';
import { type ConversionRow, toConversion } from './rows.js';

/** Which conversion: by id, or by its type and order id. */
export type ConversionTarget = { conversionId: number } | { type: string; orderId: string };

/**
 * Refunds `amount` (default: what is left) of a conversion in the caller's transaction. The
 * conversion's row is locked first, so concurrent refunds of one conversion take turns and never
 * add up past its amount; a repeated refund id answers the conversion as it is and writes nothing
 * (`refunded: null`; else the amount this refund took).
 */
export async function writeRefund(
  ctx: StoreContext,
  trx: Kysely<any>,
  target: ConversionTarget,
  refund: { refundId: string; amount?: number; at: number },
  hooks: ConversionHooks = {},
): Promise<{ conversion: Conversion; refunded: number | null }> {
  const { tables } = ctx;
  const found =
    'conversionId' in target
      ? await trx
          .selectFrom(tables.conversion)
          .selectAll()
          .where('id', '=', target.conversionId)
          .modifyEnd(sql.raw(ctx.dialect.updateLock))
          .executeTakeFirst()
          .then((r) => (r ? toConversion(r as ConversionRow) : null))
      : await byKey(ctx, trx, target.type, `o:${target.orderId}`, false, ctx.dialect.updateLock);
  if (!found)
    throw new NotFoundError(
      'conversionId' in target
        ? `No conversion has the id ${target.conversionId}`
        : `No conversion of type "${target.type}" has the order id "${target.orderId}"`,
    );

  const repeated = await trx
    .selectFrom(tables.conversionRefund)
    .select('amount')
    .where('conversion_id', '=', found.id)
    .where('refund_id', '=', refund.refundId)
    .executeTakeFirst();
  if (repeated) return { conversion: found, refunded: null };

  const left = found.amount - found.refundedAmount;
  const amount = refund.amount ?? left;
  if (amount < 1 || amount > left) {
    const message = left === 0 ? 'nothing is left to refund' : `must not exceed what is left to refund (${left})`;
    throw new ValidationError([{ path: 'amount', message }]);
  }
  const inserted = await insertIfAbsent(
    trx,
    ctx.dialect,
    tables.conversionRefund,
    { conversion_id: found.id, refund_id: refund.refundId, amount, created_at: refund.at },
    'conversion_id',
  );
  if (inserted === null) return { conversion: found, refunded: null };
  await trx
    .updateTable(tables.conversion)
    .set((eb) => ({ refunded_amount: eb('refunded_amount', '+', amount) }))
    .where('id', '=', found.id)
    .execute();
  const conversion: Conversion = { ...found, refundedAmount: found.refundedAmount + amount };
  // Here, with the transaction, the refunded conversion and the refund, more writes can happen.
  const more = (await hooks.refunded?.(trx, { conversion, refund: { refundId: refund.refundId, amount, at: refund.at } })) ?? [];
  await writeEvents(ctx, trx, [conversionEvent('conversion.refunded', conversion), ...more]);
  return { conversion, refunded: amount };
}
