import type { Conversion } from '../../model/types.js';

/** A conversion as storage takes it: checked at the edge, its time decided. */
export interface ConversionInput {
  userId: number;
  type: string;
  orderId: string | null;
  amount: number;
  currency: string;
  detail: string | null;
  /** When it happened (ms): the conversion's `created_at`. */
  at: number;
}

/** The record of a conversion just written: its id and the referrer it was credited to. */
export const newConversion = (input: ConversionInput, id: number, referrerId: number | null): Conversion => ({
  id,
  userId: input.userId,
  type: input.type,
  orderId: input.orderId,
  amount: input.amount,
  refundedAmount: 0,
  currency: input.currency,
  referrerId,
  detail: input.detail,
  createdAt: new Date(input.at),
});
