import { ConflictError, NotFoundError } from '../model/errors.js';
import type { Tracker } from '../model/types.js';
import { requeue, selectMessages, toMessage } from '../store/outbox/index.js';
import { listWebhookMessagesSchema, parse } from '../validation.js';
import { decodeMessageCursor, encodeMessageCursor, messageId, parseMessageId } from '../webhooks/message-ids.js';
import type { TrackerParts } from './parts.js';

/** The outbox's messages as operators see them: listed in pages, one sent again. */
export function webhookCalls({ ctx, operatorCtx, whenMigrated }: TrackerParts) {
  const listWebhookMessages: Tracker['listWebhookMessages'] = async (options = {}) => {
    const { status, limit, cursor } = parse(listWebhookMessagesSchema, options);
    const before = cursor === null ? null : decodeMessageCursor(cursor);
    const { rows, more } = await whenMigrated(() => selectMessages(operatorCtx, { status, limit, before }));
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => toMessage(r, messageId(r.id, r.token))),
      nextCursor: more && last ? encodeMessageCursor(last.id) : null,
    };
  };

  const redeliverWebhookMessage: Tracker['redeliverWebhookMessage'] = async (id) => {
    const key = typeof id === 'string' ? parseMessageId(id) : null;
    const found = key === null ? 'missing' : await whenMigrated(() => requeue(ctx, key.id, key.token, Date.now()));
    if (found === 'missing') throw new NotFoundError(`No webhook message has the id "${String(id)}"`);
    if (found === 'orphaned')
      throw new ConflictError(`Webhook message "${String(id)}" was not queued: its endpoint is no longer configured`);
  };

  return { listWebhookMessages, redeliverWebhookMessage };
}
