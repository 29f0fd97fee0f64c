import type { KnownVisitors } from '../context.js';

/**
 * Users this process has recorded a visit for, so with a visitor row: a hint that picks the cheap
 * one-statement later visit over the optimistic visit's bigger statement (docs/concurrency.md,
 * "Round trips"), never a fact a decision rests on. A hint gone stale (the user forgotten by
 * another process) costs one statement that writes nothing, then the transaction decides. The
 * `max` most recently recorded users (a Set keeps insertion order: the first is the oldest).
 */
export function createKnownVisitors(max = 50_000): KnownVisitors {
  const users = new Set<number>();
  return {
    has: (userId) => users.has(userId),
    add(userId) {
      users.delete(userId);
      users.add(userId);
      if (users.size > max) users.delete(users.values().next().value!);
    },
    forget: (userId) => void users.delete(userId),
  };
}
