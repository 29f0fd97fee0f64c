import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { LeaderboardEntry } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { daySpan, hourSpan, planRange, type Span, spanRanges } from './range-plan.js';
import { dayGrain, type Grain, hourGrain } from './rollup-grains.js';
import { earliestRow, readyTokens, referrerBuckets } from './rollups.js';
import { num } from '../rows.js';
import { netAmount, type Range } from './tally.js';

/** The rollups a leaderboard read: per grain, each bucket's build token. */
type Ready = { grain: Grain; buckets: Map<number, string> }[];

/** Reads of the rollups that found a bucket rebuilt meanwhile are repeated this many times in all. */
const ATTEMPTS = 3;

/**
 * The top referrers of a range, exact, from the rollups' per-referrer counts (docs/stats.md): the
 * range is split as for global stats (closed days, closed hours, the rest read live), the referrers
 * are ranked by their referrals in one query over the buckets' counts and the live bindings, and the
 * top ones' visits are added up the same way. If a bucket was voided or rebuilt while it was read
 * (its token changed), the reads are repeated.
 */
export async function selectLeaderboard(ctx: StoreContext, q: LeaderboardRange): Promise<LeaderboardEntry[]> {
  const earliest = await earliestRow(ctx);
  if (earliest === null) return [];
  const plan = planRange(ctx, q, earliest, Date.now());
  const grains = [
    { grain: dayGrain(ctx), wanted: plan.days, span: (day: number) => daySpan(ctx, day) },
    { grain: hourGrain(ctx), wanted: plan.hours, span: hourSpan },
  ];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ready: Ready = await Promise.all(
      grains.map(async ({ grain, wanted }) => ({ grain, buckets: await referrerBuckets(ctx, grain, wanted) })),
    );
    // A bucket voided again while it was built (a backdated write meanwhile): its rows, live.
    const live: Span[] = [...plan.live];
    grains.forEach(({ wanted, span }, i) => wanted.forEach((b) => ready[i]!.buckets.has(b) || live.push(span(b))));
    const answer = await rank(ctx, q, ready, spanRanges(live));
    if (await unchanged(ctx, ready)) return answer;
  }
  // Rebuilt under every attempt: the raw rows of the whole range.
  return rank(ctx, q, [], [q]);
}

/** What a leaderboard line counts; the query's `orderBy` ranks by one of the first three. */
type Metric = 'referrals' | 'conversions' | 'revenue' | 'visits';

/** The leaderboard's query, checked at the edge. */
export interface LeaderboardRange extends Range {
  limit: number;
  orderBy: 'referrals' | 'conversions' | 'revenue';
  currency: string;
}

/**
 * The leaderboard from the counts of `ready` buckets and the raw rows of `live` (ranges that do not
 * overlap them): the referrers ranked by the chosen count in one query, then their other counts.
 */
async function rank(ctx: StoreContext, q: LeaderboardRange, ready: Ready, live: Range[]): Promise<LeaderboardEntry[]> {
  const db = ctx.readDb;
  const rolled = (metric: Metric, ids?: number[]) =>
    ready
      .filter(({ buckets }) => buckets.size > 0)
      .map(({ grain, buckets }) => {
        const table = {
          referrals: 'referrals',
          visits: 'referrerVisits',
          conversions: 'referrerConversions',
          revenue: 'referrerConversions',
        } as const;
        return db
          .selectFrom(grain.tables[table[metric]])
          .select(['referrer', metric === 'revenue' ? 'amount as n' : 'n'])
          .where('scope', '=', grain.scope)
          .where(grain.key, 'in', [...buckets.keys()])
          .$if(metric === 'revenue', (qb) => qb.where('currency', '=', q.currency))
          .$if(ids !== undefined, (qb) => qb.where('referrer', 'in', ids!));
      });
  const parts = (metric: Metric, ids?: number[]) =>
    // Under last-touch a rebinding moves an older binding to another referrer and time: bindings are
    // counted from the raw rows, as global stats count them. Under first-touch they never move, and
    // conversions keep the referrer they were credited to.
    metric === 'referrals' && ctx.rules.model !== 'first-touch'
      ? [raw(ctx, metric, q, q, ids)]
      : [...rolled(metric, ids), ...live.map((range) => raw(ctx, metric, q, range, ids))];

  const top = await summed(db, parts(q.orderBy))?.orderBy('total', 'desc').orderBy('referrer', 'asc').limit(q.limit).execute();
  if (!top?.length) return [];
  const ids = top.map((r) => num(r.referrer));
  const counts = new Map<Metric, Map<number, number>>();
  for (const metric of ['referrals', 'visits', 'conversions', 'revenue'] as const) {
    const rows = metric === q.orderBy ? top : ((await summed(db, parts(metric, ids))?.execute()) ?? []);
    counts.set(metric, new Map(rows.map((r) => [num(r.referrer), num(r.total)])));
  }
  const count = (metric: Metric, id: number) => counts.get(metric)!.get(id) ?? 0;
  return ids.map((id) => ({
    referrerId: id,
    referrals: count('referrals', id),
    visits: count('visits', id),
    conversions: count('conversions', id),
    revenue: count('revenue', id),
  }));
}

/** A metric's raw rows in `range`, per referrer (`n`), for `ids` when given. */
function raw(ctx: StoreContext, metric: Metric, q: LeaderboardRange, range: Range, ids?: number[]) {
  const { readDb: db, tables } = ctx;
  const excluded = [...ctx.rules.excludeScenes];
  const query =
    metric === 'referrals'
      ? bindings(ctx, range)
      : metric === 'visits'
        ? db
            .selectFrom(tables.track)
            .select(['referrer', (eb) => eb.fn.countAll().as('n')])
            .where(bounded('created_at', range))
            .$if(excluded.length > 0, (qb) => qb.where('scene', 'not in', excluded))
            .groupBy('referrer')
        : db
            .selectFrom(tables.conversion)
            .select(['referrer', metric === 'revenue' ? netAmount.as('n') : (eb) => eb.fn.countAll().as('n')])
            .where(bounded('created_at', range))
            .where('referrer', 'is not', null)
            .$if(metric === 'revenue', (qb) => qb.where('currency', '=', q.currency))
            .groupBy('referrer');
  return ids === undefined ? query.where('referrer', 'is not', null) : query.where('referrer', 'in', ids);
}

/** Bindings made in `range`, per referrer. */
const bindings = (ctx: StoreContext, range: Range) =>
  ctx.readDb
    .selectFrom(ctx.tables.referral)
    .select(['referrer', (eb) => eb.fn.countAll().as('n')])
    .where(bounded('bound_at', range))
    .groupBy('referrer');

/** The latest instant a `Date` holds: no row lies past it. */
const LAST_MS = 8_640_000_000_000_000;

/**
 * `column` within `range`, bounded at both ends: given an open end, SQLite's planner would rather
 * walk the whole `(referrer, …)` index in order for the GROUP BY than the range on the time index.
 */
const bounded =
  (column: string, { from, to }: Range) =>
  (eb: ExpressionBuilder<any, any>) =>
    eb.and([eb(column, '>=', from?.getTime() ?? -LAST_MS), eb(column, '<', to?.getTime() ?? LAST_MS)]);

/** `sum(n)` per referrer over the rows of `parts` (each `referrer, n`); `undefined` when there are none. */
function summed(db: Kysely<any>, parts: SelectQueryBuilder<any, any, { referrer: unknown; n: unknown }>[]) {
  if (parts.length === 0) return undefined;
  const union = parts.reduce((all, part) => all.unionAll(part));
  return db
    .selectFrom(union.as('u'))
    .select(['referrer', sql<unknown>`sum(n)`.as('total')])
    .groupBy('referrer');
}

/** True when every bucket read still has the token it had before the reads. */
async function unchanged(ctx: StoreContext, ready: Ready): Promise<boolean> {
  for (const { grain, buckets } of ready) {
    if (buckets.size === 0) continue;
    const now = await readyTokens(
      ctx,
      grain,
      [...buckets.keys()].sort((a, b) => a - b),
    );
    const tokens = new Map(now.map((r) => [num(r.b), String(r.token)]));
    for (const [b, token] of buckets) if (tokens.get(b) !== token) return false;
  }
  return true;
}
