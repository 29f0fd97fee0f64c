import { setImmediate } from 'node:timers';

/** Runs a heavy read when a slot is free; `key` (its SQL and parameters) lets identical waiting reads share one run. */
export type HeavyRead = <T>(key: string, read: () => Promise<T>) => Promise<T>;

/**
 * At most `slots` heavy reads (statements of stats over raw rows, the leaderboard) at once per
 * tracker; the others wait here, in memory, instead of in the database's queue: a read that is not
 * heavy (a promo, a referrer, a write) then waits behind at most `slots` of them, whatever their
 * number. On SQLite every statement runs on the one connection, one after the other, so a flood of
 * one user's stats would otherwise put every other request behind all of them (issue 30, P7).
 *
 * A read that finds an identical one (same `key`) still waiting for its slot joins it: that one has
 * not started, so its answer includes everything committed before the newcomer asked.
 */
export function heavyReadGate(slots: number): HeavyRead {
  let running = 0;
  const queue: (() => void)[] = [];
  const waiting = new Map<string, Promise<unknown>>();

  const run = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      // A turn of the event loop first: requests that arrived meanwhile queue their reads before this one.
      await new Promise((resolve) => setImmediate(resolve));
      return await read();
    } finally {
      // The slot passes straight to the next reader, if any.
      const next = queue.shift();
      if (next) next();
      else running--;
    }
  };

  return <T>(key: string, read: () => Promise<T>): Promise<T> => {
    const joined = waiting.get(key);
    if (joined) return joined as Promise<T>;
    if (running < slots) {
      running++;
      return run(read);
    }
    const queued = new Promise<void>((resolve) => queue.push(resolve)).then(() => {
      waiting.delete(key); // started: later readers wait for a run of their own
      return run(read);
    });
    waiting.set(key, queued);
    return queued;
  };
}
