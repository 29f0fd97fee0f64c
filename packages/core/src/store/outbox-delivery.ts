import type { Kysely } from 'kysely';
import type { WebhookEventType, WebhookMessage, WebhookMessageStatus } from '../model/types.js';
import type { StoreContext } from './context.js';
import type { ClaimedMessage, ClaimParams } from './dialects/claims.js';

export type { ClaimedMessage } from './dialects/claims.js';

/** Leases due messages to this sender, the dialect's way. */
export const claimDue = (ctx: StoreContext, p: ClaimParams): Promise<ClaimedMessage[]> => ctx.d.claimMessages(ctx.db, ctx.t, p);

/** A send's result, recorded only while the sender still holds the lease (`claim`). */
export type SendResult = { delivered: true } | { delivered: false; error: string; retryAt: number | null };

export async function recordResult(ctx: StoreContext, m: ClaimedMessage, claim: string, result: SendResult): Promise<void> {
  const update = (db: Kysely<any>) =>
    db
      .updateTable(ctx.t.webhookMessage)
      .set(
        result.delivered
          ? { status: 'delivered', attempts: m.attempts + 1, claim: null, last_error: null }
          : {
              status: result.retryAt === null ? 'failed' : 'pending',
              attempts: m.attempts + 1,
              claim: null,
              last_error: result.error.slice(0, 255),
              ...(result.retryAt === null ? {} : { next_attempt_at: result.retryAt }),
            },
      )
      .where('id', '=', m.id)
      .where('claim', '=', claim)
      .execute()
      .then(() => true);
  // One statement: through the dialect's writer so that SQLite takes its turn in the write queue.
  await ctx.d.write(ctx.db, update, update);
}

export interface MessageRow {
  id: number;
  token: string;
  type: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
}

/** Newest first; `before` is the last id of the previous page. */
export async function selectMessages(
  ctx: StoreContext,
  q: { status: WebhookMessageStatus | undefined; limit: number; before: number | null },
): Promise<{ rows: MessageRow[]; more: boolean }> {
  const rows = await ctx.db
    .selectFrom(ctx.t.webhookMessage)
    .select(['id', 'token', 'type', 'status', 'attempts', 'next_attempt_at', 'last_error', 'created_at'])
    .$if(q.status !== undefined, (b) => b.where('status', '=', q.status!))
    .$if(q.before !== null, (b) => b.where('id', '<', q.before!))
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute();
  const typed = rows.map((r) => ({
    id: Number(r.id),
    token: String(r.token),
    type: String(r.type),
    status: String(r.status),
    attempts: Number(r.attempts),
    next_attempt_at: Number(r.next_attempt_at),
    last_error: r.last_error === null ? null : String(r.last_error),
    created_at: Number(r.created_at),
  }));
  return { rows: typed.slice(0, q.limit), more: typed.length > q.limit };
}

export const toMessage = (r: MessageRow, id: string): WebhookMessage => ({
  id,
  type: r.type as WebhookEventType,
  status: r.status as WebhookMessageStatus,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'pending' ? new Date(r.next_attempt_at) : null,
  lastError: r.last_error,
  createdAt: new Date(r.created_at),
});

/** Back in the queue, due now, with a fresh schedule; answers whether the message exists. */
export async function requeue(ctx: StoreContext, id: number, token: string, now: number): Promise<boolean> {
  const update = (db: Kysely<any>) =>
    db
      .updateTable(ctx.t.webhookMessage)
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, claim: null })
      .where('id', '=', id)
      .where('token', '=', token)
      .executeTakeFirst()
      .then((r) => Number(r.numUpdatedRows) > 0);
  return ctx.d.write(ctx.db, update, update);
}
