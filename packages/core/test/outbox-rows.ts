import { sql } from 'kysely';
import type { Tracker } from '@promo-track/core';
import type { TrackerFixture } from './support.js';

export { until } from './wait-until.js';

export interface OutboxRow {
  id: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/** The outbox's rows, oldest first, as stored. */
export async function outboxRows(f: Pick<TrackerFixture, 'db' | 'prefix'>): Promise<OutboxRow[]> {
  const { rows } =
    await sql<OutboxRow>`select id, status, attempts, next_attempt_at, last_error from ${sql.table(`${f.prefix}webhook_message`)} order by id`.execute(
      f.db,
    );
  return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts), next_attempt_at: Number(r.next_attempt_at) }));
}

/** Binds `n` users to user 2: `n` referral.bound messages. */
export async function bind(tracker: Tracker, n: number, from = 100): Promise<void> {
  const { promocode } = await tracker.getOrCreatePromo({ userId: 2 });
  for (let i = 0; i < n; i++) await tracker.recordTrack({ userId: from + i, promocode, scene: 1047 });
}
