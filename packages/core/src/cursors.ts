import { ValidationError } from './model/errors.js';

/** A page's end as the opaque cursor the API hands out: base64url of `boundAt.trackId`. */
export const encodeCursor = (c: { boundAt: number; trackId: number }): string => Buffer.from(`${c.boundAt}.${c.trackId}`).toString('base64url');

const MAX_ID = 2_147_483_647;

/** The cursor's position, or a `ValidationError` for one this API could not have returned. */
export function decodeCursor(cursor: string): { boundAt: number; trackId: number } {
  const match = /^(\d{1,15})\.(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const position = match ? { boundAt: Number(match[1]), trackId: Number(match[2]) } : null;
  if (!position || position.trackId > MAX_ID) throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  return position;
}
