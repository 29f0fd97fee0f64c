const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;

/**
 * When a code job tries again after its `attempts`-th failed attempt (45009, 45011, a network
 * failure, …): about 5 s after the first, each wait doubled, ±20% jitter (so the processes that all
 * met a 45009 at once do not come back at once), never more than 5 minutes.
 */
export function codeRetryAt(attempts: number, now: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(0, attempts - 1), 16));
  return now + Math.min(MAX_RETRY_MS, Math.round(base * (0.8 + 0.4 * random())));
}
