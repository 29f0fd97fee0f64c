import { type Kysely, sql } from 'kysely';
import type { TableNames } from '../../schema/table-names.js';
import { isRetryable } from './server-errors.js';

/**
 * One call of the shared code budget: a slot among `1…slots` last used at or before `cutoff` is
 * held until `until` (the call's deadline: its end moves it back) under `claim`.
 */
export interface BudgetTake {
  until: number;
  cutoff: number;
  slots: number;
  claim: string;
}

/**
 * SQLite (in its write queue: one writer at a time) and PostgreSQL (the free slot read `FOR UPDATE
 * SKIP LOCKED`, so concurrent takers pick different slots; the outer WHERE checks again on the row
 * it locked): UPDATE … WHERE slot IN (the oldest free slot) RETURNING slot.
 */
export async function takeSlotInOneStatement(db: Kysely<any>, t: TableNames, p: BudgetTake, lock: string): Promise<boolean> {
  const oldestFree = db
    .selectFrom(t.codeBudget)
    .select('slot')
    .where('slot', '<=', p.slots)
    .where('taken_at', '<=', p.cutoff)
    .orderBy('taken_at')
    .limit(1)
    .modifyEnd(sql.raw(lock));
  const rows = await db
    .updateTable(t.codeBudget)
    .set({ taken_at: p.until, claim: p.claim })
    .where('slot', 'in', oldestFree)
    .where('taken_at', '<=', p.cutoff)
    .returning('slot')
    .execute();
  return rows.length > 0;
}

/**
 * MySQL / MariaDB: UPDATE … ORDER BY taken_at LIMIT 1, whose locking read sees the latest rows (a
 * slot another taker just spent no longer matches). A deadlock between takers is tried again.
 */
export async function takeSlotOrdered(db: Kysely<any>, t: TableNames, p: BudgetTake): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await db
        .updateTable(t.codeBudget)
        .set({ taken_at: p.until, claim: p.claim })
        .where('slot', '<=', p.slots)
        .where('taken_at', '<=', p.cutoff)
        .orderBy('taken_at')
        .limit(1)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    } catch (error) {
      if (attempt >= 5 || !isRetryable(error)) throw error;
    }
  }
}
