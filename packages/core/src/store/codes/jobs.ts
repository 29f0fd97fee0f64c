import type { Kysely } from 'kysely';
import type { Promo } from '../../model/types.js';
import { wxacodeGenerated } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import type { ClaimQueue, QueueClaim } from '../dialects/claims.js';
import { writeEvents } from '../outbox/index.js';
import { num, type PromoRow, toPromo } from '../rows.js';

/** A code image to make: the promo it is for, WeChat's scene (the promocode) and page, and the attempts so far. */
export interface CodeJob {
  id: number;
  promoId: number;
  userId: number;
  scene: string;
  page: string | null;
  attempts: number;
}

/** How an attempt ended, as the queue records it. */
export type CodeJobOutcome =
  | { done: string }
  /** Not sent (the budget was spent): due again at `at`, the attempt not counted. */
  | { released: number }
  /** Tried and failed: due again at `retryAt` (back-off), or `failed` for good when it is `null`. */
  | { retryAt: number | null; errcode: number | null; errmsg: string };

const COLUMNS = ['id', 'promo_id', 'user_id', 'scene', 'page', 'attempts'] as const;
/** Rows per INSERT (10 parameters a row). */
const ROWS_PER_INSERT = 500;

const queueOf = (ctx: StoreContext): ClaimQueue => ({ table: ctx.tables.codeJob, columns: COLUMNS });

const toJob = (r: Record<string, unknown>): CodeJob => ({
  id: num(r.id),
  promoId: num(r.promo_id),
  userId: num(r.user_id),
  scene: String(r.scene),
  page: r.page == null ? null : String(r.page),
  attempts: num(r.attempts),
});

/** One statement, through the dialect's writer (SQLite takes its turn in the write queue). */
const write = <T>(ctx: StoreContext, statement: (db: Kysely<any>) => Promise<T>): Promise<T> =>
  ctx.dialect.write(ctx.db, statement, statement);

const jobRow = (promo: Promo, now: number, lease?: { claim: string; until: number }) => ({
  promo_id: promo.id,
  user_id: promo.userId,
  scene: promo.promocode,
  page: promo.page,
  status: 'pending',
  attempts: 0,
  next_attempt_at: lease?.until ?? now,
  claim: lease?.claim ?? null,
  created_at: now,
  updated_at: now,
});

/** Inserts the rows whose promo has no job yet (the unique promo_id decides, never a check first); answers how many. */
async function insertAbsent(ctx: StoreContext, db: Kysely<any>, rows: ReturnType<typeof jobRow>[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const insert = db.insertInto(ctx.tables.codeJob).values(rows.slice(i, i + ROWS_PER_INSERT));
    if (ctx.dialect.returning) {
      inserted += (
        await insert
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .execute()
      ).length;
    } else {
      inserted += Number((await insert.ignore().executeTakeFirst()).numInsertedOrUpdatedRows ?? 0);
    }
  }
  return inserted;
}

/** Queues a job for each promo that has none (due now); answers how many were queued. */
export const queueJobs = (ctx: StoreContext, promos: readonly Promo[], now: number): Promise<number> =>
  promos.length === 0
    ? Promise.resolve(0)
    : write(ctx, (db) =>
        insertAbsent(
          ctx,
          db,
          promos.map((p) => jobRow(p, now)),
        ),
      );

/**
 * The job of one promo, claimed by this caller (getOrCreatePromo makes the code itself): queued
 * already leased when it has no job, else taken if it is pending and due. `null`: another caller
 * holds it, it waits for its back-off, or it is done or failed.
 */
export async function claimJobOf(ctx: StoreContext, promo: Promo, p: Omit<QueueClaim, 'limit'>): Promise<CodeJob | null> {
  const lease = { claim: p.claim, until: p.leaseUntil };
  const queued = await write(ctx, (db) => insertAbsent(ctx, db, [jobRow(promo, p.now, lease)]));
  if (queued === 0) {
    const taken = await write(ctx, (db) =>
      db
        .updateTable(ctx.tables.codeJob)
        .set({ claim: p.claim, next_attempt_at: p.leaseUntil })
        .where('promo_id', '=', promo.id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', p.now)
        .executeTakeFirst(),
    );
    if (Number(taken.numUpdatedRows) === 0) return null;
  }
  const row = await ctx.db
    .selectFrom(ctx.tables.codeJob)
    .select(COLUMNS)
    .where('promo_id', '=', promo.id)
    .where('claim', '=', p.claim)
    .executeTakeFirst();
  return row ? toJob(row) : null;
}

/** Leases due jobs to one worker, the dialect's way (as the webhook outbox). */
export const claimDueJobs = async (ctx: StoreContext, p: QueueClaim): Promise<CodeJob[]> =>
  (await ctx.dialect.claim(ctx.db, queueOf(ctx), p)).map(toJob);

/**
 * Records an attempt, only while `claim` still holds the job's lease. A made code fills the promo
 * (unless it has one already) in the same transaction as its `wxacode.generated` event, and answers
 * the promo as stored (`null`: the promo is gone, or the lease was lost).
 */
export async function recordJob(
  ctx: StoreContext,
  job: CodeJob,
  claim: string,
  outcome: CodeJobOutcome,
  now: number,
): Promise<Promo | null> {
  const job_ = (db: Kysely<any>) => db.updateTable(ctx.tables.codeJob).where('id', '=', job.id).where('claim', '=', claim);
  if ('released' in outcome) {
    await write(ctx, (db) => job_(db).set({ claim: null, next_attempt_at: outcome.released, updated_at: now }).execute());
    return null;
  }
  if ('retryAt' in outcome) {
    const { retryAt, errcode, errmsg } = outcome;
    const status = retryAt === null ? 'failed' : 'pending';
    const next = retryAt ?? now;
    await write(ctx, (db) =>
      job_(db)
        .set({
          status,
          attempts: job.attempts + 1,
          next_attempt_at: next,
          claim: null,
          errcode,
          errmsg: errmsg.slice(0, 255),
          updated_at: now,
        })
        .execute(),
    );
    return null;
  }
  return ctx.dialect.write(ctx.db, async (trx) => {
    const recorded = await job_(trx)
      .set({ status: 'done', attempts: job.attempts + 1, claim: null, errcode: null, errmsg: null, updated_at: now })
      .executeTakeFirst();
    if (Number(recorded.numUpdatedRows) === 0) return null;
    const filled = await trx
      .updateTable(ctx.tables.promo)
      .set({ wxbcode: outcome.done })
      .where('id', '=', job.promoId)
      .where('wxbcode', 'is', null)
      .executeTakeFirst();
    const row = await trx.selectFrom(ctx.tables.promo).selectAll().where('id', '=', job.promoId).executeTakeFirst();
    const promo = row ? toPromo(row as PromoRow) : null;
    if (promo && Number(filled.numUpdatedRows) > 0) await writeEvents(ctx, trx, [wxacodeGenerated(promo)], now);
    return promo;
  });
}

/** Failed jobs back in the queue, due now, with a fresh back-off; answers how many. */
export const retryFailedJobs = (ctx: StoreContext, now: number): Promise<number> =>
  write(ctx, async (db) => {
    const result = await db
      .updateTable(ctx.tables.codeJob)
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, claim: null, updated_at: now })
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });

/** forgetUser: the user's jobs go with their promos, in its transaction. */
export async function forgetJobs(ctx: StoreContext, trx: Kysely<any>, userId: number): Promise<void> {
  await trx.deleteFrom(ctx.tables.codeJob).where('user_id', '=', userId).execute();
}
