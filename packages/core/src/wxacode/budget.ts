/**
 * A per-process budget of WeChat code requests: a token bucket that holds `perMinute` requests
 * and refills at `perMinute` a minute, so a burst may spend a minute's worth at once and no more.
 */
export function createCodeBudget(perMinute: number): { take(): boolean } {
  let available = perMinute;
  let checkedAt = Date.now();
  return {
    take() {
      const now = Date.now();
      // A clock set back (NTP, tests) refills nothing, and takes nothing away either.
      available = Math.min(perMinute, available + (Math.max(0, now - checkedAt) / 60_000) * perMinute);
      checkedAt = now;
      if (available < 1) return false;
      available -= 1;
      return true;
    },
  };
}
