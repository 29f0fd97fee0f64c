import type { Kysely } from 'kysely';
import type { Share, ShareType } from '../../model/types.js';
import { shareRecorded } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { rowByEvent } from '../event-rows.js';
import { insertIfAbsent, insertRow } from '../insert.js';
import { storeSignals } from '../abuse/index.js';
import { writeEvents } from '../outbox/index.js';
import { type ShareRow, toShare } from '../rows.js';
import { promoOwner } from '../visits/index.js';

/** A share as storage takes it: checked at the edge, its time decided. */
export interface ShareInput {
  userId: number | null;
  shareType: ShareType;
  page: string | null;
  promocode: string | null;
  eventId: string | null;
  /** When it happened (ms): the share's `created_at`. */
  at: number;
  /** The sharer's signals as keyed hashes (store/abuse/): a referee's visit may later match them. */
  ip: string | null;
  device: string | null;
}

export async function writeShare(ctx: StoreContext, trx: Kysely<any>, input: ShareInput): Promise<{ share: Share; created: boolean }> {
  if (input.promocode !== null) await promoOwner(ctx, trx, input.promocode);
  const idempotent = input.eventId !== null && input.userId !== null;
  if (idempotent) {
    const repeated = await shareByEvent(ctx, trx, input.userId!, input.eventId!);
    if (repeated) return { share: repeated, created: false };
  }
  const row = {
    share_type: input.shareType,
    page: input.page,
    user_id: input.userId,
    promocode: input.promocode,
    event_id: input.eventId,
    created_at: input.at,
  };
  const id = idempotent
    ? await insertIfAbsent(trx, ctx.dialect, ctx.tables.share, row)
    : await insertRow(trx, ctx.dialect, ctx.tables.share, row);
  if (id === null) {
    const first = await shareByEvent(ctx, trx, input.userId!, input.eventId!, true);
    if (!first) throw new Error('event_id conflict without a stored share');
    return { share: first, created: false };
  }
  const share: Share = {
    id,
    shareType: input.shareType,
    page: input.page,
    userId: input.userId,
    promocode: input.promocode,
    createdAt: new Date(input.at),
  };
  await writeEvents(ctx, trx, [shareRecorded(share)]);
  if (input.userId !== null)
    await storeSignals(ctx, trx, { userId: input.userId, at: input.at, ip: input.ip, device: input.device, newUser: false });
  return { share, created: true };
}

/** `latest`: a locking read that sees a row committed after the transaction's snapshot (MySQL). */
async function shareByEvent(ctx: StoreContext, trx: Kysely<any>, userId: number, eventId: string, latest = false): Promise<Share | null> {
  const row = await rowByEvent(ctx, trx, ctx.tables.share, userId, eventId, latest);
  return row ? toShare(row as ShareRow) : null;
}
