/**
 * Failed sign-ins per client: at most `failures` within `windowSeconds`; past that, every sign-in
 * from the client (the right token too, or its answer would tell) is refused until the window ends.
 * Counted before the slow answer, so parallel guesses are counted as they arrive.
 */
export function createSignInLimit({ failures = 5, windowSeconds = 15 * 60, maxClients = 10_000 } = {}) {
  const clients = new Map<string, { failed: number; resetAt: number }>(); // oldest window first

  const current = (client: string, now: number) => {
    const entry = clients.get(client);
    if (entry && entry.resetAt <= now) clients.delete(client);
    return entry && entry.resetAt > now ? entry : undefined;
  };

  return {
    /** Seconds until the client may try again, or 0 when it may now. */
    retryAfter(client: string): number {
      const now = Date.now();
      const entry = current(client, now);
      return entry && entry.failed >= failures ? Math.ceil((entry.resetAt - now) / 1000) : 0;
    },
    failed(client: string): void {
      const now = Date.now();
      const entry = current(client, now);
      if (entry) return void entry.failed++;
      for (const [key, old] of clients) {
        if (old.resetAt > now && clients.size < maxClients) break;
        clients.delete(key);
      }
      clients.set(client, { failed: 1, resetAt: now + windowSeconds * 1000 });
    },
  };
}
