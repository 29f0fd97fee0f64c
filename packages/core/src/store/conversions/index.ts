/**
 * The conversions wing: what referred users did after they arrived (docs/conversions.md), recorded
 * idempotently and credited to the referrer bound at that moment, their refunds, and their reads.
 */
export type { ConversionHooks } from './hooks.js';
export type { ConversionInput } from './input.js';
export { recordConversionRow, writeConversion } from './record.js';
export { type ConversionTarget, writeRefund } from './refund.js';
export { type ConversionCursor, type ConversionFilter, conversionsOf, selectConversions } from './reads.js';
export { exportConversionRows } from './export.js';
export { forgetConversions } from './forget.js';
export {
  addConversionCell,
  type ConversionCell,
  type ConversionTally,
  emptyConversionTally,
  mergeConversions,
  shapeConversions,
} from './tally.js';
