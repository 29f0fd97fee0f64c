import type { HttpResponse } from '@promo-track/core';

/** At most this many ids per `GET /dashboard/names` call: one page of referrals or the leaderboard. */
export const MAX_NAME_IDS = 200;
const MAX_NAME_LENGTH = 100;
const INT32_MAX = 2_147_483_647;

/** The host's names for user ids (`dashboard({ displayName })`); ids missing from the map show as ids. */
export type DisplayName = (userIds: number[]) => Promise<Map<number, string>>;

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

const invalid = (message: string) => json(400, { error: { code: 'validation_failed', message, issues: [{ path: 'ids', message }] } });

/** `ids=1,2,3` → the distinct ids, or a message saying what is wrong. */
export function parseIds(raw: unknown): number[] | string {
  if (typeof raw !== 'string' || raw === '') return 'ids must be user ids separated by commas, e.g. ids=1001,1002';
  const parts = raw.split(',');
  if (parts.length > MAX_NAME_IDS) return `ids takes at most ${MAX_NAME_IDS} user ids`;
  const ids = new Set<number>();
  for (const part of parts) {
    const id = /^[1-9]\d{0,9}$/.test(part) ? Number(part) : NaN;
    if (!(id <= INT32_MAX)) return `ids must be positive integers up to ${INT32_MAX}, not "${part.slice(0, 12)}"`;
    ids.add(id);
  }
  return [...ids];
}

/**
 * `GET /dashboard/names?ids=…` → `{ names: { "1001": "Alice" } }`: what the host's `displayName`
 * answers for those ids (non-empty strings only, cut to 100 characters); `{}` without one.
 */
export async function answerNames(displayName: DisplayName | undefined, query: Readonly<Record<string, unknown>>): Promise<HttpResponse> {
  const ids = parseIds(query.ids);
  if (typeof ids === 'string') return invalid(ids);
  const names: Record<string, string> = {};
  if (displayName) {
    const found = await displayName(ids);
    for (const id of ids) {
      const name = found instanceof Map ? found.get(id) : undefined;
      if (typeof name === 'string' && name.trim() !== '') names[id] = name.trim().slice(0, MAX_NAME_LENGTH);
    }
  }
  return json(200, { names });
}

export { json };
