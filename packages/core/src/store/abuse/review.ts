import type { Kysely } from 'kysely';
import type { FlaggedReferee, FlagStatus } from '../../model/abuse.js';
import { NotFoundError, ValidationError } from '../../model/errors.js';
import type { StoreContext } from '../context.js';
import { builtOnce, runCompiled } from '../compiled.js';
import { num } from '../rows.js';
import { lockReview, type ReviewRow, toFlagged } from './flags.js';

/** Flagged referees, newest first (by review id); `after`: the last id of the previous page. */
export async function selectFlagged(
  ctx: StoreContext,
  q: { status: FlagStatus | undefined; limit: number; after: number | null },
): Promise<{ items: FlaggedReferee[]; next: number | null }> {
  const rows = (await ctx.readDb
    .selectFrom(ctx.tables.flagReview)
    .selectAll()
    .$if(q.status !== undefined, (b) => b.where('status', '=', q.status!))
    .$if(q.after !== null, (b) => b.where('id', '<', q.after!))
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute()) as ReviewRow[];
  const page = rows.slice(0, q.limit);
  return { items: page.map(toFlagged), next: rows.length > q.limit ? num(page[page.length - 1]!.id) : null };
}

/**
 * An operator's verdict on a flagged referee, in the caller's transaction (where the ledger's part
 * runs too): the review row locked, its status set. A repeat of the same verdict answers the item as
 * it is (`changed: false`); the other verdict on a resolved referee is refused.
 */
export async function resolveReview(
  ctx: StoreContext,
  trx: Kysely<any>,
  refereeId: number,
  action: 'release' | 'void',
  note: string | null,
  now: number,
): Promise<{ flagged: FlaggedReferee; changed: boolean }> {
  const row = await lockReview(ctx, trx, refereeId);
  if (!row) throw new NotFoundError(`User ${refereeId} has no flagged binding`);
  const status: FlagStatus = action === 'release' ? 'released' : 'voided';
  if (row.status === status) return { flagged: toFlagged(row), changed: false };
  if (row.status !== 'open') {
    throw new ValidationError([{ path: 'action', message: `user ${refereeId}'s flags were already ${row.status}` }]);
  }
  const next = { ...row, status, resolved_at: now, note: note ?? row.note };
  await trx
    .updateTable(ctx.tables.flagReview)
    .set({ status, resolved_at: now, note: next.note })
    .where('referee', '=', refereeId)
    .execute();
  return { flagged: toFlagged(next), changed: true };
}

/** The referee's review status (`null`: never flagged), read in the caller's transaction (the ledger's `earn`). */
export async function reviewStatus(ctx: StoreContext, trx: Kysely<any>, refereeId: number): Promise<FlagStatus | null> {
  const row = (await runCompiled<{ status: string }>(trx, statusOf(ctx), [refereeId])).rows[0];
  return row ? (row.status as FlagStatus) : null;
}

/** Compiled by Kysely once per tracker (store/compiled.ts): it runs for every fact a reward rule matches. */
const statusOf = builtOnce(
  (ctx: StoreContext) => ctx.db.selectFrom(ctx.tables.flagReview).select('status').where('referee', '=', 0).compile().sql,
);
