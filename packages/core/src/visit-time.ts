import { ValidationError } from './model/errors.js';

/** How far in the future a client's clock may run ahead of ours. */
const MAX_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/**
 * When a visit or share happened: `occurredAt` when given and plausible, else now. More than five
 * minutes ahead, or older than `backdateDays`, is a `ValidationError` at `path`.
 */
export function visitTime(occurredAt: Date | undefined, backdateDays: number, now: number, path: string): number {
  if (occurredAt === undefined) return now;
  const at = occurredAt.getTime();
  if (at > now + MAX_SKEW_MS) throw new ValidationError([{ path, message: 'must not lie more than 5 minutes in the future' }]);
  if (at < now - backdateDays * DAY_MS) {
    throw new ValidationError([{ path, message: `must not lie more than ${backdateDays} days in the past (backdateDays)` }]);
  }
  return at;
}
