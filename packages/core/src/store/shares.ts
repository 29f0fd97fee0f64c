import type { Kysely } from 'kysely';
import type { Share } from '../types.js';
import type { ParsedShareInput } from '../validation.js';
import type { StoreContext } from './context.js';
import { insertIfAbsent, insertRow } from './insert.js';
import { type ShareRow, toShare } from './rows.js';
import { promoOwner } from './tracks.js';

export async function writeShare(ctx: StoreContext, trx: Kysely<any>, input: ParsedShareInput): Promise<{ share: Share; created: boolean }> {
  if (input.promocode !== null) await promoOwner(ctx, trx, input.promocode);
  const idempotent = input.eventId !== null && input.userId !== null;
  if (idempotent) {
    const repeated = await shareByEvent(ctx, trx, input.userId!, input.eventId!);
    if (repeated) return { share: repeated, created: false };
  }
  const now = Date.now();
  const row = {
    share_type: input.shareType,
    page: input.page,
    user_id: input.userId,
    promocode: input.promocode,
    event_id: input.eventId,
    created_at: now,
  };
  const id = idempotent ? await insertIfAbsent(trx, ctx.d, ctx.t.share, row) : await insertRow(trx, ctx.d, ctx.t.share, row);
  if (id === null) {
    const first = await shareByEvent(ctx, trx, input.userId!, input.eventId!);
    if (!first) throw new Error('event_id conflict without a stored share');
    return { share: first, created: false };
  }
  return {
    share: { id, shareType: input.shareType, page: input.page, userId: input.userId, promocode: input.promocode, createdAt: new Date(now) },
    created: true,
  };
}

async function shareByEvent(ctx: StoreContext, trx: Kysely<any>, userId: number, eventId: string): Promise<Share | null> {
  const row = await trx
    .selectFrom(ctx.t.share)
    .selectAll()
    .where('user_id', '=', userId)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row ? toShare(row as ShareRow) : null;
}
