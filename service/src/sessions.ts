import { randomBytes } from 'node:crypto';

/**
 * The dashboard's sign-in sessions, kept by the server: a cookie holds only a random id, and
 * signing out deletes it here, so a copied cookie stops working at once. They live in this process
 * (a restart signs everyone out), at most `max` of them (the oldest go first).
 */
export function createSessions({ seconds, max = 1000 }: { seconds: number; max?: number }) {
  const sessions = new Map<string, number>(); // id → expiry (ms), oldest first

  return {
    /** A new session's id. */
    open(): string {
      const now = Date.now();
      for (const [id, expires] of sessions) {
        if (expires > now && sessions.size < max) break;
        sessions.delete(id);
      }
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, now + seconds * 1000);
      return id;
    },
    isOpen(id: string): boolean {
      const expires = sessions.get(id);
      if (expires === undefined) return false;
      if (expires > Date.now()) return true;
      sessions.delete(id);
      return false;
    },
    close(id: string): void {
      sessions.delete(id);
    },
  };
}
