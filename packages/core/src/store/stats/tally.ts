import { type Compilable, type ExpressionBuilder, sql } from 'kysely';
import { dayString } from '../../days/time-zone.js';
import type { ShareType, Stats, StatsQuery } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { addConversionCell, type ConversionTally, emptyConversionTally, shapeConversions } from '../conversions/index.js';
import { localDay } from './day-buckets.js';
import { num } from '../rows.js';

export interface Range {
  from?: Date;
  to?: Date;
}

export function inRange(column: string, { from, to }: Range) {
  return (eb: ExpressionBuilder<any, any>) =>
    eb.and([...(from ? [eb(column, '>=', from.getTime())] : []), ...(to ? [eb(column, '<', to.getTime())] : [])]);
}

/** Any of `ranges` (each `[from, to)`). */
const inRanges = (column: string, ranges: Range[]) => (eb: ExpressionBuilder<any, any>) =>
  ranges.length === 1 ? inRange(column, ranges[0]!)(eb) : eb.or(ranges.map((r) => inRange(column, r)(eb)));

/** A day's counts in `byDay`. */
export interface DayCounts {
  visits: number;
  newUserVisits: number;
  shares: number;
  conversions: number;
}

/** Stats without scene labels (the tracker adds them). */
export type StatsRows = Omit<Stats, 'byScene'> & { byScene: { scene: string; visits: number }[] };

/** Counts being gathered, from raw rows or rollups, before they are shaped into `Stats`. */
export interface Tally {
  visits: number;
  newUserVisits: number;
  shares: number;
  referrals: number;
  byDay: Map<number, DayCounts>;
  byScene: Map<string, number>;
  byShareType: Map<number, number>;
  conversions: ConversionTally;
}

export const emptyTally = (): Tally => ({
  visits: 0,
  newUserVisits: 0,
  shares: 0,
  referrals: 0,
  byDay: new Map(),
  byScene: new Map(),
  byShareType: new Map(),
  conversions: emptyConversionTally(),
});

export function addDay(tally: Tally, day: number, add: Partial<DayCounts>): void {
  const entry = tally.byDay.get(day) ?? { visits: 0, newUserVisits: 0, shares: 0, conversions: 0 };
  entry.visits += add.visits ?? 0;
  entry.newUserVisits += add.newUserVisits ?? 0;
  entry.shares += add.shares ?? 0;
  entry.conversions += add.conversions ?? 0;
  tally.byDay.set(day, entry);
}

export function shape(tally: Tally, uniqueVisitors: number, uniqueVisitorsEstimated: boolean): StatsRows {
  return {
    visits: tally.visits,
    newUserVisits: tally.newUserVisits,
    returningUserVisits: tally.visits - tally.newUserVisits,
    uniqueVisitors,
    uniqueVisitorsEstimated,
    referrals: tally.referrals,
    shares: tally.shares,
    byScene: [...tally.byScene]
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([scene, n]) => ({ scene, visits: n })),
    byDay: [...tally.byDay].sort((a, b) => a[0] - b[0]).map(([d, v]) => ({ day: dayString(d), ...v })),
    byShareType: [...tally.byShareType]
      .filter(([, n]) => n > 0)
      .sort((a, b) => a[0] - b[0])
      .map(([shareType, n]) => ({ shareType: shareType as ShareType, shares: n })),
    conversions: shapeConversions(tally.conversions),
  };
}

/**
 * Adds the raw rows of `ranges` (within `q`'s promocodes) to `tally`; answers the distinct users,
 * as a count (`'count'`) or as their ids (`'ids'`, to merge with rollup sketches).
 */
export async function tallyRows(
  ctx: StoreContext,
  q: StatsQuery,
  ranges: Range[],
  tally: Tally,
  want: { visits?: boolean; referrals: boolean; uniques: 'count' | 'ids' | 'none' },
): Promise<{ uniques: number | number[] }> {
  const { readDb: db, tables, dialect } = ctx;
  // Each statement takes a heavy-read slot of its own: other reads wait behind at most one of them.
  const heavy = <R>(b: Compilable, run: () => Promise<R>) => {
    const { sql, parameters } = b.compile();
    return ctx.heavyRead(JSON.stringify([sql, parameters]), run);
  };
  const day = localDay(ctx, 'created_at', q);
  const promocodesOf = (column: 'user_id' | 'appid', value: number | string) =>
    db.selectFrom(tables.promo).select('promocode').where(column, '=', value);

  // Which promocodes a query is about: one code, all of a user's, or all of an appid's.
  const byPromo = (eb: ExpressionBuilder<any, any>, ownerColumn: string | null) =>
    eb.and([
      ...(q.promocode !== undefined ? [eb('promocode', '=', q.promocode)] : []),
      ...(q.userId !== undefined
        ? [ownerColumn ? eb(ownerColumn, '=', q.userId) : eb('promocode', 'in', promocodesOf('user_id', q.userId))]
        : []),
      ...(q.appid !== undefined ? [eb('promocode', 'in', promocodesOf('appid', q.appid))] : []),
    ]);
  const counted = (eb: ExpressionBuilder<any, any>) =>
    eb.and([
      inRanges('created_at', ranges)(eb),
      byPromo(eb, 'referrer'),
      ...(ctx.rules.excludeScenes.size ? [eb('scene', 'not in', [...ctx.rules.excludeScenes])] : []),
    ]);

  const [visitRows, unique, shareRows, referrals, conversionRows] = await Promise.all([
    want.visits === false
      ? Promise.resolve([])
      : db
          .selectFrom(tables.track)
          .select([day.as('day'), 'scene', 'track_type', (eb) => eb.fn.countAll().as('n')])
          .where(counted)
          .groupBy([day, 'scene', 'track_type'])
          .$call((b) => heavy(b, () => b.execute())),
    want.uniques === 'none'
      ? Promise.resolve(0)
      : want.uniques === 'count'
        ? db
            .selectFrom(tables.track)
            .select((eb) => eb.fn.count(dialect.distinctUsers).distinct().as('n'))
            .where(counted)
            .$call((b) => heavy(b, () => b.executeTakeFirstOrThrow()))
            .then((r) => num(r.n))
        : db
            .selectFrom(tables.track)
            // The dialect's expression: on SQLite it keeps the planner on the range's time index.
            .select(dialect.distinctUsers.as('user_id'))
            .distinct()
            .where(counted)
            .$call((b) => heavy(b, () => b.execute()))
            .then((rows) => rows.map((r) => num(r.user_id))),
    want.visits === false
      ? Promise.resolve([])
      : db
          .selectFrom(tables.share)
          .select([day.as('day'), 'share_type', (eb) => eb.fn.countAll().as('n')])
          .where((eb) => eb.and([inRanges('created_at', ranges)(eb), byPromo(eb, null)]))
          .groupBy([day, 'share_type'])
          .$call((b) => heavy(b, () => b.execute())),
    want.referrals
      ? db
          .selectFrom(tables.referral)
          .select((eb) => eb.fn.countAll().as('n'))
          .where((eb) => eb.and([inRanges('bound_at', ranges)(eb), byPromo(eb, 'referrer')]))
          .$call((b) => heavy(b, () => b.executeTakeFirstOrThrow()))
          .then((r) => num(r.n))
      : Promise.resolve(0),
    want.visits === false
      ? Promise.resolve([])
      : db
          .selectFrom(tables.conversion)
          .select([day.as('day'), 'type', 'currency', credited.as('referred'), (eb) => eb.fn.countAll().as('n'), netAmount.as('amount')])
          .where((eb) => eb.and([inRanges('created_at', ranges)(eb), byPromo(eb, 'referrer')]))
          .groupBy([day, 'type', 'currency', credited])
          .$call((b) => heavy(b, () => b.execute())),
  ]);

  for (const r of visitRows) {
    const n = num(r.n);
    const isNew = num(r.track_type) === 1;
    tally.visits += n;
    if (isNew) tally.newUserVisits += n;
    addDay(tally, num(r.day), { visits: n, newUserVisits: isNew ? n : 0 });
    tally.byScene.set(r.scene, (tally.byScene.get(r.scene) ?? 0) + n);
  }
  for (const r of shareRows) {
    const n = num(r.n);
    tally.shares += n;
    addDay(tally, num(r.day), { shares: n });
    const type = num(r.share_type);
    tally.byShareType.set(type, (tally.byShareType.get(type) ?? 0) + n);
  }
  tally.referrals += referrals;
  for (const r of conversionRows) {
    const n = num(r.n);
    addDay(tally, num(r.day), { conversions: n });
    addConversionCell(tally.conversions, {
      type: String(r.type),
      currency: String(r.currency),
      referred: num(r.referred) === 1,
      n,
      amount: num(r.amount),
    });
  }
  return { uniques: unique };
}

/** 1 for a conversion credited to a referrer, else 0 (a group-by key). */
export const credited = sql<number>`case when ${sql.ref('referrer')} is null then 0 else 1 end`;
/** Conversions' amounts net of refunds. */
export const netAmount = sql<number>`sum(${sql.ref('amount')} - ${sql.ref('refunded_amount')})`;
