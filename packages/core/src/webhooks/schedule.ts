const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Waits after the 1st, 2nd, … failed attempt (Standard Webhooks' schedule); after the last, `failed`. */
export const RETRY_DELAYS_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

/** When to try again after `attempts` failed attempts, ±20% jitter; `null`: give up (`failed`). */
export function nextAttemptAt(attempts: number, now: number, random: () => number = Math.random): number | null {
  const delay = RETRY_DELAYS_MS[attempts - 1];
  if (delay === undefined) return null;
  return now + Math.round(delay * (0.8 + 0.4 * random()));
}
