import { sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { num } from '../rows.js';

/** The queue at a glance: jobs by status, and the failed ones by WeChat's errcode (one errmsg as the example). */
export interface CodeJobCounts {
  pending: number;
  done: number;
  failed: number;
  failures: { errcode: number; errmsg: string; count: number }[];
}

export async function countJobs(ctx: StoreContext): Promise<CodeJobCounts> {
  const [byStatus, failures] = await Promise.all([
    ctx.readDb
      .selectFrom(ctx.tables.codeJob)
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute(),
    ctx.readDb
      .selectFrom(ctx.tables.codeJob)
      .select([sql<number>`coalesce(errcode, 0)`.as('errcode'), sql<string>`max(errmsg)`.as('errmsg'), sql<number>`count(*)`.as('n')])
      .where('status', '=', 'failed')
      .groupBy(sql`coalesce(errcode, 0)`)
      .orderBy(sql`count(*)`, 'desc')
      .execute(),
  ]);
  const of = (status: string) => num(byStatus.find((r) => r.status === status)?.n ?? 0);
  return {
    pending: of('pending'),
    done: of('done'),
    failed: of('failed'),
    failures: failures.map((r) => ({ errcode: num(r.errcode), errmsg: String(r.errmsg ?? ''), count: num(r.n) })),
  };
}
