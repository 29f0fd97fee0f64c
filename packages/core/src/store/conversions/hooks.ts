import type { Kysely } from 'kysely';
import type { Conversion, Referral } from '../../model/types.js';
import type { OutboxEvent } from '../../model/webhook-events.js';

/**
 * More writes in a conversion's own transaction (rewards): called once, only when the conversion (or
 * the refund) was written now (never for a repeat), with the transaction, the conversion as it stands
 * after the write and the binding that got the credit (`null`: none). Events it answers go to the
 * outbox in the same transaction; a hook that throws rolls the whole write back.
 */
export interface ConversionHooks {
  recorded?(trx: Kysely<any>, fact: { conversion: Conversion; referral: Referral | null }): Promise<OutboxEvent[] | void>;
  refunded?(
    trx: Kysely<any>,
    fact: { conversion: Conversion; refund: { refundId: string; amount: number; at: number } },
  ): Promise<OutboxEvent[] | void>;
}
