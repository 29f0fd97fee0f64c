/**
 * The claim strategies themselves (store/dialects/claims.ts), raced within one process over
 * several connections: every due message is claimed exactly once, a leased one not again until
 * its lease runs out. The lease-only UPDATE (older MySQL / MariaDB) runs on MySQL here too.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import {
  claimByLease,
  claimInOneStatement,
  claimSkippingLocked,
  type ClaimParams,
  type ClaimQueue,
  messageQueue,
  type QueueClaim,
} from '../src/store/dialects/claims.js';
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

  type Strategy = (db: Kysely<any>, q: ClaimQueue, p: QueueClaim) => Promise<Record<string, unknown>[]>;
  const strategies: Record<string, Strategy> = {
    sqlite: { dialect: ((...a) => detectDialect(f.db).claim(...a)) as Strategy },
    postgres: { 'skip locked': ((...a) => claimInOneStatement(...a, ' for update skip locked')) as Strategy },
    mysql: { 'skip locked': claimSkippingLocked, 'lease only': claimByLease },
  }[database.name];

  for (const [name, strategy] of Object.entries(strategies)) {
    const claim = async (db: Kysely<any>, t: ReturnType<typeof tableNames>, p: ClaimParams) =>
      (await strategy(db, messageQueue(t, p), p)).map((r) => ({ id: Number(r.id) }));
    it(`${name}: six claimers racing take each due message once; leased ones stay theirs until the lease ends`, async () => {
      const now = Date.now();
      await fill(now);
      const t = tableNames(f.prefix);
      const params = (): ClaimParams => ({
        now,
        leaseUntil: now + 20_000,
        limit: 7,
        endpoints: ['e1'],
        claim: randomBytes(12).toString('base64url'),
      });
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
