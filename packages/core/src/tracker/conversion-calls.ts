import { encodeConversionCursor, readConversionCursor } from '../cursors.js';
import type { Tracker } from '../model/types.js';
import { markReplayed } from '../replays.js';
import {
  type ConversionHooks,
  exportConversionRows,
  recordConversionRow,
  selectConversions,
  writeRefund,
} from '../store/conversions/index.js';
import {
  conversionRefSchema,
  exportQuerySchema,
  listConversionsSchema,
  parse,
  recordConversionSchema,
  refundSchema,
} from '../validation.js';
import { visitTime } from '../visit-time.js';
import { lateRollupsVoider, pagesWhenMigrated, readsOf, type TrackerParts } from './parts.js';

/**
 * recordConversion, refundConversion, listConversions and exportConversions: the edge checks, the
 * conversions wing's writes (with `hooks`, more writes in their transaction: rewards), then the
 * rollups a late conversion or a refund voids.
 */
export function conversionCalls(parts: TrackerParts, hooks: ConversionHooks = {}) {
  const { o, ctx, whenMigrated, emit } = parts;
  const voidLateRollups = lateRollupsVoider(parts);

  const recordConversion: Tracker['recordConversion'] = async (input) => {
    const { occurredAt, ...parsed } = parse(recordConversionSchema, input);
    const { conversion, created } = await whenMigrated(() => {
      const at = visitTime(occurredAt, o.backdateDays, Date.now(), 'occurredAt');
      return recordConversionRow(ctx, { ...parsed, at }, hooks);
    });
    if (!created) return markReplayed(conversion);
    await voidLateRollups([conversion.createdAt]);
    emit({ type: 'conversion.recorded', conversion });
    return conversion;
  };

  const refundConversion: Tracker['refundConversion'] = async (ref, refund) => {
    const target = parse(conversionRefSchema, ref, 'ref');
    const { refundId, amount } = parse(refundSchema, refund);
    const at = Date.now();
    const { conversion, refunded } = await whenMigrated(() =>
      ctx.dialect.write(ctx.db, (trx) => writeRefund(ctx, trx, target, { refundId, amount, at }, hooks)),
    );
    if (refunded === null) return conversion;
    // Revenue is net of refunds on the conversion's own day: a closed day's rollups are voided.
    await voidLateRollups([conversion.createdAt]);
    emit({ type: 'conversion.refunded', conversion, refund: { refundId, amount: refunded } });
    return conversion;
  };

  const listConversions: Tracker['listConversions'] = async (query = {}) => {
    const { limit, cursor, ...filter } = parse(listConversionsSchema, query);
    const after = cursor === null ? null : readConversionCursor(cursor); // checked by listConversionsSchema
    const reads = readsOf(parts, filter.userId === undefined && filter.referrerId === undefined);
    const { items, next } = await whenMigrated(() => selectConversions(reads, filter, limit, after));
    return { items, nextCursor: next && encodeConversionCursor(next) };
  };

  // Checked at the call, so bad input throws before anything is read.
  const exportConversions: Tracker['exportConversions'] = (query = {}) =>
    pagesWhenMigrated(parts, exportConversionRows(parts.operatorCtx, parse(exportQuerySchema, query)));

  return { recordConversion, refundConversion, listConversions, exportConversions };
}
