import { type Kysely, sql } from 'kysely';
import type { TableNames } from '../../schema/table-names.js';

/**
 * A queue table claimed by workers: rows with `status` 'pending' whose `next_attempt_at` has come,
 * leased to one worker by writing its random `claim` and pushing `next_attempt_at` to the lease's
 * end (the webhook outbox, the code images' jobs). `only` narrows the due rows to some values of a column.
 */
export interface ClaimQueue {
  table: string;
  /** The columns a claim answers. */
  columns: readonly string[];
  only?: { column: string; values: readonly string[] };
}

/** What a worker asks for: due rows, leased to it until `leaseUntil`. */
export interface QueueClaim {
  now: number;
  leaseUntil: number;
  limit: number;
  /** This claim's random token: the worker records a result only while it still holds the lease. */
  claim: string;
}

/** What a sender asks for: due messages of its endpoints. */
export interface ClaimParams extends QueueClaim {
  endpoints: readonly string[];
}

export interface ClaimedMessage {
  id: number;
  token: string;
  endpoint: string;
  type: string;
  payload: string;
  attempts: number;
}

/** The webhook outbox as a claimed queue: due messages of the sender's endpoints. */
export const messageQueue = (t: TableNames, p: ClaimParams): ClaimQueue => ({
  table: t.webhookMessage,
  columns: ['id', 'token', 'endpoint', 'type', 'payload', 'attempts'],
  only: { column: 'endpoint', values: p.endpoints },
});

export const toClaimedMessage = (r: Record<string, unknown>): ClaimedMessage => ({
  id: Number(r.id),
  token: String(r.token),
  endpoint: String(r.endpoint),
  type: String(r.type),
  payload: String(r.payload),
  attempts: Number(r.attempts),
});

const due = (db: Kysely<any>, q: ClaimQueue, p: QueueClaim) =>
  db
    .selectFrom(q.table)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', p.now)
    .$if(q.only !== undefined, (b) => b.where(q.only!.column, 'in', q.only!.values))
    .orderBy('next_attempt_at')
    .limit(p.limit);

/** One UPDATE … WHERE id IN (due rows `lock`) RETURNING: SQLite (in its write queue), PostgreSQL (SKIP LOCKED). */
export async function claimInOneStatement(db: Kysely<any>, q: ClaimQueue, p: QueueClaim, lock: string): Promise<Record<string, unknown>[]> {
  return db
    .updateTable(q.table)
    .set({ claim: p.claim, next_attempt_at: p.leaseUntil })
    .where('id', 'in', due(db, q, p).select('id').modifyEnd(sql.raw(lock)))
    .returning(q.columns)
    .execute();
}

/** MySQL 8 / MariaDB 10.6+: the due rows read FOR UPDATE SKIP LOCKED, leased, in one short transaction. */
export function claimSkippingLocked(db: Kysely<any>, q: ClaimQueue, p: QueueClaim): Promise<Record<string, unknown>[]> {
  return db.transaction().execute(async (trx) => {
    const rows = await due(trx, q, p).select(q.columns).modifyEnd(sql.raw(' for update skip locked')).execute();
    if (rows.length === 0) return [];
    await trx
      .updateTable(q.table)
      .set({ claim: p.claim, next_attempt_at: p.leaseUntil })
      .where(
        'id',
        'in',
        rows.map((r) => Number(r.id)),
      )
      .execute();
    return rows;
  });
}

/**
 * Older MySQL / MariaDB: one UPDATE … ORDER BY … LIMIT leases the due rows (its row locks last only
 * that statement), then the rows are read back by their claim token.
 */
export async function claimByLease(db: Kysely<any>, q: ClaimQueue, p: QueueClaim): Promise<Record<string, unknown>[]> {
  await db
    .updateTable(q.table)
    .set({ claim: p.claim, next_attempt_at: p.leaseUntil })
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', p.now)
    .$if(q.only !== undefined, (b) => b.where(q.only!.column, 'in', q.only!.values))
    .orderBy('next_attempt_at')
    .limit(p.limit)
    .execute();
  return db
    .selectFrom(q.table)
    .select(q.columns)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '=', p.leaseUntil)
    .where('claim', '=', p.claim)
    .execute();
}
