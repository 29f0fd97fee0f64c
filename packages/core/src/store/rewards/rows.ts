import { type Kysely, sql } from 'kysely';
import type { Reward, RewardStatus } from '../../model/rewards.js';
import type { StoreContext } from '../context.js';
import { insertRow } from '../insert.js';
import { num } from '../rows.js';

/** A `reward` row as the drivers answer it (BIGINTs may be strings). */
export interface RewardRow {
  id: number | string;
  rule_id: string;
  user_id: number | null;
  referrer: number | null;
  referee: number | null;
  conversion_id: number | string | null;
  track_id: number | string | null;
  amount: number | string;
  currency: string;
  status: string;
  review: number | string;
  fact_at: number | string;
  payable_at: number | string;
  created_at: number | string;
  settled_at: number | string | null;
  replaces: number | string | null;
  reversal_of: number | string | null;
  cap_period: string | null;
  note: string | null;
}

const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

export const toReward = (r: RewardRow): Reward => ({
  id: num(r.id),
  ruleId: r.rule_id,
  userId: orNull(r.user_id),
  referrerId: orNull(r.referrer),
  refereeId: orNull(r.referee),
  conversionId: orNull(r.conversion_id),
  amount: num(r.amount),
  currency: r.currency,
  status: r.status as RewardStatus,
  payableAt: new Date(num(r.payable_at)),
  createdAt: new Date(num(r.created_at)),
  settledAt: r.settled_at === null ? null : new Date(num(r.settled_at)),
  replaces: orNull(r.replaces),
  reversalOf: orNull(r.reversal_of),
  note: r.note,
});

/** An entry about to be written: everything but its id. */
export type NewEntry = Omit<RewardRow, 'id'>;

/** Inserts an entry in the caller's transaction and answers it as a record. */
export async function insertEntry(ctx: StoreContext, trx: Kysely<any>, entry: NewEntry): Promise<{ reward: Reward; row: RewardRow }> {
  const id = await insertRow(trx, ctx.dialect, ctx.tables.reward, entry as unknown as Record<string, unknown>);
  const row = { ...entry, id };
  return { reward: toReward(row), row };
}

/** Entries by id, locked for writing (the status changes of settle, void, refund, rebinding take turns per entry). */
export async function lockEntries(ctx: StoreContext, trx: Kysely<any>, where: (q: any) => any): Promise<RewardRow[]> {
  const q = where(trx.selectFrom(ctx.tables.reward).selectAll()).orderBy('id');
  return (await q.modifyEnd(sql.raw(ctx.dialect.updateLock)).execute()) as RewardRow[];
}
