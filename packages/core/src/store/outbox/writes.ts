import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ForgetResult, WebhookEventType } from '../../model/types.js';
import { eventBody, namesColumn, type OutboxEvent, userForgotten } from '../../model/webhook-events.js';
import { builtOnce, runCompiled } from '../compiled.js';
import type { StoreContext } from '../context.js';

/** Whether some endpoint asked for `type`: the write path writes nothing else (and pays nothing else). */
export const wants = (ctx: StoreContext, type: WebhookEventType): boolean => ctx.outbox.wants.has(type);

const COLUMNS = ['token', 'endpoint', 'type', 'payload', 'names', 'status', 'attempts', 'next_attempt_at', 'created_at'] as const;
/** Rows per INSERT (9 parameters a row). */
const ROWS_PER_INSERT = 100;
/** INSERT text per tracker and row count, compiled by Kysely once. */
const inserts = builtOnce((_: StoreContext) => new Map<number, string>());

/** One outbox message as a row: what an endpoint is sent, pending from `at`. */
export interface MessageRow {
  token: string;
  endpoint: string;
  type: string;
  payload: string;
  names: string;
}

/** The messages of `events`: one per event and endpoint that wants it. */
export function messagesOf(ctx: StoreContext, events: readonly OutboxEvent[], now: number): MessageRow[] {
  const rows: MessageRow[] = [];
  for (const event of events) {
    if (!wants(ctx, event.type)) continue;
    const payload = eventBody(event, now);
    const names = namesColumn(event.names);
    for (const endpoint of ctx.outbox.endpoints) {
      if (!endpoint.events.has(event.type)) continue;
      rows.push({ token: randomBytes(12).toString('base64url'), endpoint: endpoint.key, type: event.type, payload, names });
    }
  }
  return rows;
}

/**
 * Writes one message per event and endpoint that wants it, in the caller's transaction: the
 * message exists if and only if the fact it reports was committed.
 */
export async function writeEvents(ctx: StoreContext, trx: Kysely<any>, events: readonly OutboxEvent[], now = Date.now()): Promise<void> {
  const rows = messagesOf(ctx, events, now).map((m) => [m.token, m.endpoint, m.type, m.payload, m.names, 'pending', 0, now, now]);
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    await runCompiled(trx, insertText(ctx, chunk.length), chunk.flat());
  }
}

function insertText(ctx: StoreContext, n: number): string {
  const texts = inserts(ctx);
  let text = texts.get(n);
  if (!text) {
    const row = Object.fromEntries(COLUMNS.map((c) => [c, 0]));
    text = ctx.db
      .insertInto(ctx.tables.webhookMessage)
      .values(Array.from({ length: n }, () => row))
      .compile().sql;
    texts.set(n, text);
  }
  return text;
}

/**
 * forgetUser's last step: every message that names the user goes, delivered ones included, then
 * `user.forgotten` is written. The outbox holds what is undelivered plus `webhookRetentionDays` of
 * delivered messages, and `names` is read row by row: a scan of that, inside forgetUser's transaction.
 */
export async function forgetMessages(ctx: StoreContext, trx: Kysely<any>, userId: number, removed: ForgetResult): Promise<void> {
  await trx.deleteFrom(ctx.tables.webhookMessage).where('names', 'like', `%,${userId},%`).execute();
  await writeEvents(ctx, trx, [userForgotten(userId, removed)]);
}
