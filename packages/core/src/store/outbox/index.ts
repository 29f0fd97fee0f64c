/** The outbox wing: webhook events written in the transaction of their fact; claiming, delivery records, listing, upkeep (retention, orphans). */
export { forgetMessages, type MessageRow, messagesOf, wants, writeEvents } from './writes.js';
export { type ClaimedMessage, claimDue, recordResult, requeue, selectMessages, type SendResult, toMessage } from './delivery.js';
export { outboxUpkeep } from './upkeep.js';
