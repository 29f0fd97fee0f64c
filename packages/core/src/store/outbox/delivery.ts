import type { Kysely } from 'kysely';
import type { WebhookEventType, WebhookMessage, WebhookMessageStatus } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { type ClaimedMessage, type ClaimParams, messageQueue, toClaimedMessage } from '../dialects/claims.js';

export type { ClaimedMessage } from '../dialects/claims.js';

/** Leases due messages to this sender, the dialect's way. */
export const claimDue = async (ctx: StoreContext, p: ClaimParams): Promise<ClaimedMessage[]> =>
  (await ctx.dialect.claim(ctx.db, messageQueue(ctx.tables, p), p)).map(toClaimedMessage);

/** A send's result, recorded only while the sender still holds the lease (`claim`); `at`: when it was delivered. */
export type SendResult = { delivered: true; at: number } | { delivered: false; error: string; retryAt: number | null };

export async function recordResult(ctx: StoreContext, m: ClaimedMessage, claim: string, result: SendResult): Promise<void> {
  const update = (db: Kysely<any>) =>
    db
      .updateTable(ctx.tables.webhookMessage)
      .set(
        result.delivered
          ? // A delivered message's next_attempt_at is when it was delivered: the sender deletes it after the retention.
            { status: 'delivered', attempts: m.attempts + 1, claim: null, last_error: null, next_attempt_at: result.at }
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
  await ctx.dialect.write(ctx.db, update, update);
}

export interface MessageRow {
  id: number;
  token: string;
  type: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  /** The `user_id` of the message's data, read from its payload. */
  user_id: number | null;
  created_at: number;
}

/** Every event's data names its user as `user_id` (null: an anonymous share). */
function userOf(payload: unknown): number | null {
  try {
    const id = (JSON.parse(String(payload)) as { data?: { user_id?: unknown } }).data?.user_id;
    return typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

/** Newest first; `before` is the last id of the previous page. */
export async function selectMessages(
  ctx: StoreContext,
  q: { status: WebhookMessageStatus | undefined; limit: number; before: number | null },
): Promise<{ rows: MessageRow[]; more: boolean }> {
  const rows = await ctx.readDb
    .selectFrom(ctx.tables.webhookMessage)
    .select(['id', 'token', 'type', 'payload', 'status', 'attempts', 'next_attempt_at', 'last_error', 'created_at'])
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
    user_id: userOf(r.payload),
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
  userId: r.user_id,
  createdAt: new Date(r.created_at),
});

/**
 * Back in the queue for one more attempt, due now (`attempts` goes on counting), when its endpoint
 * is still configured: `'requeued'`, else `'orphaned'`, or `'missing'` when there is no such message.
 */
export async function requeue(ctx: StoreContext, id: number, token: string, now: number): Promise<'requeued' | 'orphaned' | 'missing'> {
  const keys = ctx.outbox.endpoints.map((e) => e.key);
  const update = (db: Kysely<any>): Promise<boolean> =>
    keys.length === 0
      ? Promise.resolve(false)
      : db
          .updateTable(ctx.tables.webhookMessage)
          .set({ status: 'pending', next_attempt_at: now, claim: null })
          .where('id', '=', id)
          .where('token', '=', token)
          .where('endpoint', 'in', keys)
          .executeTakeFirst()
          .then((r) => Number(r.numUpdatedRows) > 0);
  if (await ctx.dialect.write(ctx.db, update, update)) return 'requeued';
  const row = await ctx.db
    .selectFrom(ctx.tables.webhookMessage)
    .select('id')
    .where('id', '=', id)
    .where('token', '=', token)
    .executeTakeFirst();
  return row ? 'orphaned' : 'missing';
}
