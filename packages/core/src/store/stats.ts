import { type ExpressionBuilder } from 'kysely';
import type { LeaderboardEntry, ShareType, Stats, StatsQuery } from '../model/types.js';
import type { StoreContext } from './context.js';
import { localDay } from './day-buckets.js';
import { num } from './rows.js';
import { dayString } from '../days/time-zone.js';


interface Range {
  from?: Date;
  to?: Date;
}

function inRange(column: string, { from, to }: Range) {
  return (eb: ExpressionBuilder<any, any>) =>
    eb.and([
      ...(from ? [eb(column, '>=', from.getTime())] : []),
      ...(to ? [eb(column, '<', to.getTime())] : []),
    ]);
}

/** Stats without scene labels (the tracker adds them). */
export type StatsRows = Omit<Stats, 'byScene' | 'uniqueVisitorsEstimated'> & { byScene: { scene: string; visits: number }[] };

export async function selectStats(ctx: StoreContext, q: StatsQuery): Promise<StatsRows> {
  const { db, t, d } = ctx;
  const day = localDay(ctx, 'created_at', q);
  const promocodesOf = (column: 'user_id' | 'appid', value: number | string) =>
    db.selectFrom(t.promo).select('promocode').where(column, '=', value);

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
      inRange('created_at', q)(eb),
      byPromo(eb, 'referrer'),
      ...(ctx.rules.excludeScenes.size ? [eb('scene', 'not in', [...ctx.rules.excludeScenes])] : []),
    ]);

  const [visitRows, unique, shareRows, referrals] = await Promise.all([
    db
      .selectFrom(t.track)
      .select([day.as('day'), 'scene', 'track_type', (eb) => eb.fn.countAll().as('n')])
      .where(counted)
      .groupBy([day, 'scene', 'track_type'])
      .execute(),
    db
      .selectFrom(t.track)
      .select((eb) => eb.fn.count(d.distinctUsers).distinct().as('n'))
      .where(counted)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom(t.share)
      .select([day.as('day'), 'share_type', (eb) => eb.fn.countAll().as('n')])
      .where((eb) => eb.and([inRange('created_at', q)(eb), byPromo(eb, null)]))
      .groupBy([day, 'share_type'])
      .execute(),
    db
      .selectFrom(t.referral)
      .select((eb) => eb.fn.countAll().as('n'))
      .where((eb) => eb.and([inRange('bound_at', q)(eb), byPromo(eb, 'referrer')]))
      .executeTakeFirstOrThrow(),
  ]);

  const days = new Map<number, { visits: number; newUserVisits: number; shares: number }>();
  const dayOf = (d: number) => days.get(d) ?? days.set(d, { visits: 0, newUserVisits: 0, shares: 0 }).get(d)!;
  const scenes = new Map<string, number>();
  let visits = 0;
  let newUserVisits = 0;
  for (const r of visitRows) {
    const n = num(r.n);
    const entry = dayOf(num(r.day));
    visits += n;
    entry.visits += n;
    if (num(r.track_type) === 1) {
      newUserVisits += n;
      entry.newUserVisits += n;
    }
    scenes.set(r.scene, (scenes.get(r.scene) ?? 0) + n);
  }
  const shareTypes = new Map<ShareType, number>();
  let shares = 0;
  for (const r of shareRows) {
    const n = num(r.n);
    shares += n;
    dayOf(num(r.day)).shares += n;
    const type = num(r.share_type) as ShareType;
    shareTypes.set(type, (shareTypes.get(type) ?? 0) + n);
  }

  return {
    visits,
    newUserVisits,
    returningUserVisits: visits - newUserVisits,
    uniqueVisitors: num(unique.n),
    referrals: num(referrals.n),
    shares,
    byScene: [...scenes]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([scene, n]) => ({ scene, visits: n })),
    byDay: [...days]
      .sort((a, b) => a[0] - b[0])
      .map(([d, v]) => ({ day: dayString(d), ...v })),
    byShareType: [...shareTypes].sort((a, b) => a[0] - b[0]).map(([shareType, n]) => ({ shareType, shares: n })),
  };
}

export async function selectLeaderboard(ctx: StoreContext, q: Range & { limit: number }): Promise<LeaderboardEntry[]> {
  const { db, t } = ctx;
  const top = await db
    .selectFrom(t.referral)
    .select(['referrer', (eb) => eb.fn.countAll().as('n')])
    .where(inRange('bound_at', q))
    .groupBy('referrer')
    .orderBy('n', 'desc')
    .orderBy('referrer', 'asc')
    .limit(q.limit)
    .execute();
  if (top.length === 0) return [];
  const ids = top.map((r) => num(r.referrer));
  const visitRows = await db
    .selectFrom(t.track)
    .select(['referrer', (eb) => eb.fn.countAll().as('n')])
    .where((eb) =>
      eb.and([
        eb('referrer', 'in', ids),
        inRange('created_at', q)(eb),
        ...(ctx.rules.excludeScenes.size ? [eb('scene', 'not in', [...ctx.rules.excludeScenes])] : []),
      ]),
    )
    .groupBy('referrer')
    .execute();
  const visits = new Map(visitRows.map((r) => [num(r.referrer), num(r.n)]));
  return top.map((r) => ({ referrerId: num(r.referrer), referrals: num(r.n), visits: visits.get(num(r.referrer)) ?? 0 }));
}
