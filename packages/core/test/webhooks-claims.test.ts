/**
 * The claim strategies themselves (store/dialects/claims.ts), raced within one process over
 * several connections: every due message is claimed exactly once, a leased one not again until
 * its lease runs out. The lease-only UPDATE (older MySQL / MariaDB) runs on MySQL here too.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { claimByLease, type ClaimedMessage, claimInOneStatement, claimSkippingLocked, type ClaimParams } from '../src/store/dialects/claims.js';
import { detectDialect } from '../src/store/dialects/detect.js';
import { tableNames } from '../src/schema/table-names.js';
import { eachDatabase, useTracker } from './support.js';

const N = 120;

eachDatabase((database) => {
  const f = useTracker(database);

  async function fill(now: number) {
    // N for the claimers' endpoint, and 5 for another one, which they must leave alone.
    const rows = Array.from({ length: N + 5 }, (_, i) => ({
      token: randomBytes(12).toString('base64url'),
      endpoint: i < N ? 'e1' : 'e2',
      type: 'referral.bound',
      payload: `{"n":${i}}`,
      names: '',
      status: 'pending',
      attempts: 0,
      next_attempt_at: now - i,
      created_at: now,
    }));
    await f.db.insertInto(`${f.prefix}webhook_message`).values(rows).execute();
  }

  type Claim = (...a: Parameters<typeof claimByLease>) => Promise<ClaimedMessage[]>;
  const strategies: Record<string, Claim> = {
    sqlite: { dialect: ((...a) => detectDialect(f.db).claimMessages(...a)) as Claim },
    postgres: { 'skip locked': ((...a) => claimInOneStatement(...a, ' for update skip locked')) as Claim },
    mysql: { 'skip locked': claimSkippingLocked, 'lease only': claimByLease },
  }[database.name];

  for (const [name, claim] of Object.entries(strategies)) {
    it(`${name}: six claimers racing take each due message once; leased ones stay theirs until the lease ends`, async () => {
      const now = Date.now();
      await fill(now);
      const t = tableNames(f.prefix);
      const params = (): ClaimParams => ({ now, leaseUntil: now + 20_000, limit: 7, endpoints: ['e1'], claim: randomBytes(12).toString('base64url') });
      const taken: number[] = [];
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          for (;;) {
            const got = await claim(f.db, t, params());
            if (got.length === 0) return;
            taken.push(...got.map((m) => m.id));
          }
        }),
      );
      expect(taken).toHaveLength(N);
      expect(new Set(taken).size).toBe(N);
      expect(await claim(f.db, t, { ...params(), now: now + 19_999 })).toEqual([]);
      expect(await claim(f.db, t, { ...params(), now: now + 20_000, limit: 500 })).toHaveLength(N);
      const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(t.webhookMessage)} where claim is null`.execute(f.db);
      expect(Number(rows[0]!.n)).toBe(5);
    });
  }
});
