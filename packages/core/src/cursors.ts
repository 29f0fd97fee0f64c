/**
 * A page's end as the opaque cursor the paged lists hand out: base64url of `<time ms>.<id>`
 * (`listReferrals`: bound_at and track id; `listConversions`: created_at and conversion id).
 * Read back against the columns' ranges, so that a crafted one never reaches the database.
 */
const encodePosition = (time: number, id: number): string => Buffer.from(`${time}.${id}`).toString('base64url');

const MAX_ID = 2_147_483_647;
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function readPosition(cursor: string, maxId: number): { time: number; id: number } | null {
  const match = /^(\d{1,15})\.(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const position = match ? { time: Number(match[1]), id: Number(match[2]) } : null;
  return position && position.time <= LAST_MS && position.id >= 1 && position.id <= maxId ? position : null;
}

export const encodeCursor = (c: { boundAt: number; trackId: number }): string => encodePosition(c.boundAt, c.trackId);

/** The cursor's position, or `null` for one this API could not have returned. */
export function readCursor(cursor: string): { boundAt: number; trackId: number } | null {
  const p = readPosition(cursor, MAX_ID);
  return p && { boundAt: p.time, trackId: p.id };
}

/** Conversion ids are BIGINT: any safe integer. */
export const encodeConversionCursor = (c: { createdAt: number; id: number }): string => encodePosition(c.createdAt, c.id);

export function readConversionCursor(cursor: string): { createdAt: number; id: number } | null {
  const p = readPosition(cursor, Number.MAX_SAFE_INTEGER);
  return p && { createdAt: p.time, id: p.id };
}

/** `listRewards`' cursor: base64url of `r<last id>` (ids below it follow). */
export const encodeRewardCursor = (id: number): string => Buffer.from(`r${id}`).toString('base64url');

export function readRewardCursor(cursor: string): number | null {
  const match = /^r(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const id = match ? Number(match[1]) : 0;
  return id >= 1 && id <= Number.MAX_SAFE_INTEGER ? id : null;
}

/** A `listFlagged` cursor: the base64url of the last item's review id. */
export const encodeFlagCursor = (id: number): string => Buffer.from(String(id)).toString('base64url');

export function readFlagCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString();
  return /^\d{1,15}$/.test(text) && Number(text) >= 1 ? Number(text) : null;
}
