import { type Kysely, sql } from 'kysely';
import type { TableNames } from '../../schema/table-names.js';

/** What a sender asks for: due messages of its endpoints, leased to it until `leaseUntil`. */
export interface ClaimParams {
  now: number;
  leaseUntil: number;
  limit: number;
  endpoints: readonly string[];
  /** This claim's random token: the sender records a result only while it still holds the lease. */
  claim: string;
}

export interface ClaimedMessage {
  id: number;
  token: string;
  endpoint: string;
  type: string;
  payload: string;
  attempts: number;
}

const CLAIMED = ['id', 'token', 'endpoint', 'type', 'payload', 'attempts'] as const;

const due = (db: Kysely<any>, t: TableNames, p: ClaimParams) =>
  db
    .selectFrom(t.webhookMessage)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', p.now)
    .where('endpoint', 'in', p.endpoints)
    .orderBy('next_attempt_at')
    .limit(p.limit);

const toClaimed = (r: Record<string, unknown>): ClaimedMessage => ({
  id: Number(r.id),
  token: String(r.token),
  endpoint: String(r.endpoint),
  type: String(r.type),
  payload: String(r.payload),
  attempts: Number(r.attempts),
});

/** One UPDATE … WHERE id IN (due rows `lock`) RETURNING: SQLite (in its write queue), PostgreSQL (SKIP LOCKED). */
export async function claimInOneStatement(db: Kysely<any>, t: TableNames, p: ClaimParams, lock: string): Promise<ClaimedMessage[]> {
  const rows = await db
    .updateTable(t.webhookMessage)
    .set({ claim: p.claim, next_attempt_at: p.leaseUntil })
    .where('id', 'in', due(db, t, p).select('id').modifyEnd(sql.raw(lock)))
    .returning(CLAIMED)
    .execute();
  return rows.map(toClaimed);
}

/** MySQL 8 / MariaDB 10.6+: the due rows read FOR UPDATE SKIP LOCKED, leased, in one short transaction. */
export function claimSkippingLocked(db: Kysely<any>, t: TableNames, p: ClaimParams): Promise<ClaimedMessage[]> {
  return db.transaction().execute(async (trx) => {
    const rows = (await due(trx, t, p).select(CLAIMED).modifyEnd(sql.raw(' for update skip locked')).execute()).map(toClaimed);
    if (rows.length === 0) return [];
    await trx
      .updateTable(t.webhookMessage)
      .set({ claim: p.claim, next_attempt_at: p.leaseUntil })
      .where('id', 'in', rows.map((r) => r.id))
      .execute();
    return rows;
  });
}

/**
 * Older MySQL / MariaDB: one UPDATE … ORDER BY … LIMIT leases the due rows (its row locks last only
 * that statement), then the rows are read back by their claim token.
 */
export async function claimByLease(db: Kysely<any>, t: TableNames, p: ClaimParams): Promise<ClaimedMessage[]> {
  await db
    .updateTable(t.webhookMessage)
    .set({ claim: p.claim, next_attempt_at: p.leaseUntil })
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', p.now)
    .where('endpoint', 'in', p.endpoints)
    .orderBy('next_attempt_at')
    .limit(p.limit)
    .execute();
  const rows = await db
    .selectFrom(t.webhookMessage)
    .select(CLAIMED)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '=', p.leaseUntil)
    .where('claim', '=', p.claim)
    .execute();
  return rows.map(toClaimed);
}
