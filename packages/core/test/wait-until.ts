/**
 * Polls `check` until it holds (anything but `false`), or fails with its last error after `ms` of
 * real time (tests move Date). The wait is long because CI runs files side by side: it only costs
 * time when the test fails.
 */
export async function until(check: () => unknown | Promise<unknown>, ms = 20_000, everyMs = 15): Promise<void> {
  const end = performance.now() + ms;
  for (;;) {
    try {
      if ((await check()) !== false) return;
    } catch (error) {
      if (performance.now() > end) throw error;
    }
    if (performance.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
