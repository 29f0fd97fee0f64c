import { ValidationError } from '../model/errors.js';

/** The `webhook-id` of a message: its row id and its random token (never reused, not guessable). */
export const messageId = (id: number, token: string): string => `msg_${id}_${token}`;

/** The row a `webhook-id` names, or `null` for one this library could not have made. */
export function parseMessageId(value: string): { id: number; token: string } | null {
  const match = /^msg_(\d{1,15})_([A-Za-z0-9_-]{16})$/.exec(value);
  // Ids are checked against the column's range before any query.
  return match && Number(match[1]) <= 2_147_483_647 ? { id: Number(match[1]), token: match[2]! } : null;
}

/** A page's end: base64url of the last row id. */
export const encodeMessageCursor = (id: number): string => Buffer.from(`m${id}`).toString('base64url');

export function decodeMessageCursor(cursor: string): number {
  const match = /^m(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  return Number(match[1]);
}
