/**
 * A page's end as the opaque cursor `listReferrals` hands out: base64url of `<bound_at ms>.<track id>`.
 * Read back against the columns' ranges, so that a crafted one never reaches the database.
 */
export const encodeCursor = (c: { boundAt: number; trackId: number }): string => Buffer.from(`${c.boundAt}.${c.trackId}`).toString('base64url');

const MAX_ID = 2_147_483_647;
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The cursor's position, or `null` for one this API could not have returned. */
export function readCursor(cursor: string): { boundAt: number; trackId: number } | null {
  const match = /^(\d{1,15})\.(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const position = match ? { boundAt: Number(match[1]), trackId: Number(match[2]) } : null;
  return position && position.boundAt <= LAST_MS && position.trackId >= 1 && position.trackId <= MAX_ID ? position : null;
}
