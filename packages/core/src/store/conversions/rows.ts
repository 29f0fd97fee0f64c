import type { Conversion } from '../../model/types.js';
import { num } from '../rows.js';

export interface ConversionRow {
  id: number | string;
  user_id: number;
  type: string;
  order_id: string | null;
  amount: number | string;
  refunded_amount: number | string;
  currency: string;
  referrer: number | null;
  promocode: string | null;
  detail: string | null;
  created_at: number | string;
}

export const toConversion = (r: ConversionRow): Conversion => ({
  id: num(r.id),
  userId: num(r.user_id),
  type: r.type,
  orderId: r.order_id,
  amount: num(r.amount),
  refundedAmount: num(r.refunded_amount),
  currency: r.currency,
  referrerId: r.referrer == null ? null : num(r.referrer),
  detail: r.detail,
  createdAt: new Date(num(r.created_at)),
});

/** The idempotency key beside `type`: the order id, else the user (a type happens once per user). */
export const onceKey = (userId: number, orderId: string | null): string => (orderId === null ? `u:${userId}` : `o:${orderId}`);
