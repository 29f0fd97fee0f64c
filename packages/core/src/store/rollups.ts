import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { StoreContext } from './context.js';
import { localDay } from './day-buckets.js';
import { DistinctUsers, encodeSketch } from './hll.js';
import { num } from './rows.js';
import type { Tally } from './stats.js';

/**
 * Daily rollups of closed days, built lazily by the first stats call that needs a day, kept in the
 * library's own tables and rebuilt after anything changes a closed day (docs/stats.md):
 * - a day is closed once it ended CLOSED_MARGIN ago, so writes in flight at its end have committed;
 * - a write committed more than LATE_MS after its time (backdated visits, a slow commit), forgetUser
 *   and purge delete the rollup rows of the days they touch, after their commit;
 * - a build claims its days with a token before reading, and keeps its result only if the token is
 *   still there when it writes: an invalidation in between (which deletes the claim) voids it.
 */
export const CLOSED_MARGIN = 2 * 60_000;
export const LATE_MS = 60_000;
/** Days read per build query: bounds the rows one build holds in memory. */
const BUILD_DAYS = 16;

/** What a rollup row was counted for: a zone's days, an attribution model, a set of excluded scenes. */
export function scopeOf(ctx: StoreContext): string {
  const excluded = [...ctx.rules.excludeScenes].sort().join(',');
  let hash = 0x811c9dc5;
  for (let i = 0; i < excluded.length; i++) hash = Math.imul(hash ^ excluded.charCodeAt(i), 0x01000193) >>> 0;
  return `${ctx.zone.name}|${ctx.rules.model}|${hash.toString(16)}`.slice(0, 96);
}

/** The counts of closed days, and their distinct users as a sketch. */
export interface RolledUp extends Tally {
  users: DistinctUsers;
}

/** The rollups of days `first`…`last` (closed), built first where missing. */
export async function readRollups(ctx: StoreContext, first: number, last: number): Promise<RolledUp> {
  const scope = scopeOf(ctx);
  const { db, t } = ctx;
  const readDays = () =>
    db
      .selectFrom(t.rollupDay)
      .select(['day', 'visits', 'new_user_visits', 'shares', 'referrals', 'users'])
      .where('scope', '=', scope)
      .where('day', '>=', first)
      .where('day', '<=', last)
      .where('ready', '=', 1)
      .execute();
  let rows = await readDays();
  if (rows.length < last - first + 1) {
    const have = new Set(rows.map((r) => num(r.day)));
    const missing: number[] = [];
    for (let day = first; day <= last; day++) if (!have.has(day)) missing.push(day);
    for (let i = 0; i < missing.length; i += BUILD_DAYS) await buildDays(ctx, scope, missing.slice(i, i + BUILD_DAYS));
    rows = await readDays();
  }

  const out: RolledUp = {
    visits: 0,
    newUserVisits: 0,
    shares: 0,
    referrals: 0,
    byDay: new Map(),
    byScene: new Map(),
    byShareType: new Map(),
    users: new DistinctUsers(),
  };
  for (const r of rows) {
    const day = { visits: num(r.visits), newUserVisits: num(r.new_user_visits), shares: num(r.shares) };
    out.visits += day.visits;
    out.newUserVisits += day.newUserVisits;
    out.shares += day.shares;
    out.referrals += num(r.referrals);
    if (day.visits || day.shares) out.byDay.set(num(r.day), day);
    if (r.users) out.users.addSketch(r.users as Uint8Array);
  }
  // Only the details of days whose row is ready (a day invalidated meanwhile keeps stale details
  // until its next build replaces them).
  const details = (table: string, key: string) =>
    db
      .selectFrom(`${table} as x`)
      .innerJoin(`${t.rollupDay} as d`, (j) => j.onRef('d.scope', '=', 'x.scope').onRef('d.day', '=', 'x.day'))
      .select([`x.${key} as k`, (eb) => eb.fn.sum(`x.n`).as('n')])
      .where('x.scope', '=', scope)
      .where('x.day', '>=', first)
      .where('x.day', '<=', last)
      .where('d.ready', '=', 1)
      .groupBy(`x.${key}`)
      .execute();
  const [scenes, shareTypes] = await Promise.all([details(t.rollupScene, 'scene'), details(t.rollupShareType, 'share_type')]);
  for (const r of scenes) out.byScene.set(String(r.k), num(r.n));
  for (const r of shareTypes) out.byShareType.set(num(r.k), num(r.n));
  return out;
}

interface DayCounts {
  visits: number;
  newUserVisits: number;
  shares: number;
  referrals: number;
  users: number[];
  scenes: Map<string, number>;
  shareTypes: Map<number, number>;
}

/** Builds the rollups of `days` (consecutive-or-not local days, all closed) from the raw rows. */
async function buildDays(ctx: StoreContext, scope: string, days: number[]): Promise<void> {
  const { db, t, zone } = ctx;
  const token = randomBytes(12).toString('hex');
  const bounds = days.map((day) => ({ day, start: zone.startOf(day), end: zone.startOf(day + 1) }));
  await ctx.d.write(db, async (trx) => {
    await trx.deleteFrom(t.rollupDay).where('scope', '=', scope).where('day', 'in', days).execute();
    await trx
      .insertInto(t.rollupDay)
      .values(bounds.map((b) => ({ scope, day: b.day, start_at: b.start, end_at: b.end, token, ready: 0 })))
      .execute();
  });

  const from = Math.min(...bounds.map((b) => b.start));
  const to = Math.max(...bounds.map((b) => b.end));
  const range = { from: new Date(from), to: new Date(to) };
  const inDays = (column: string) => (eb: any) =>
    eb.and([eb(column, '>=', from), eb(column, '<', to)]);
  const excluded = [...ctx.rules.excludeScenes];
  const counted = (eb: any) => eb.and([inDays('created_at')(eb), ...(excluded.length ? [eb('scene', 'not in', excluded)] : [])]);
  const day = localDay(ctx, 'created_at', range);
  const boundDay = localDay(ctx, 'bound_at', range);
  const [visitRows, userRows, shareRows, referralRows] = await Promise.all([
    db.selectFrom(t.track).select([day.as('day'), 'scene', 'track_type', (eb) => eb.fn.countAll().as('n')]).where(counted).groupBy([day, 'scene', 'track_type']).execute(),
    db.selectFrom(t.track).select([day.as('day'), 'user_id']).distinct().where(counted).execute(),
    db.selectFrom(t.share).select([day.as('day'), 'share_type', (eb) => eb.fn.countAll().as('n')]).where(inDays('created_at')).groupBy([day, 'share_type']).execute(),
    db.selectFrom(t.referral).select([boundDay.as('day'), (eb) => eb.fn.countAll().as('n')]).where(inDays('bound_at')).groupBy(boundDay).execute(),
  ]);

  const counts = new Map<number, DayCounts>(
    days.map((d) => [d, { visits: 0, newUserVisits: 0, shares: 0, referrals: 0, users: [], scenes: new Map(), shareTypes: new Map() }]),
  );
  const of = (d: unknown) => counts.get(num(d));
  for (const r of visitRows) {
    const c = of(r.day);
    if (!c) continue;
    const n = num(r.n);
    c.visits += n;
    if (num(r.track_type) === 1) c.newUserVisits += n;
    c.scenes.set(String(r.scene), (c.scenes.get(String(r.scene)) ?? 0) + n);
  }
  for (const r of userRows) of(r.day)?.users.push(num(r.user_id));
  for (const r of shareRows) {
    const c = of(r.day);
    if (!c) continue;
    c.shares += num(r.n);
    c.shareTypes.set(num(r.share_type), (c.shareTypes.get(num(r.share_type)) ?? 0) + num(r.n));
  }
  for (const r of referralRows) {
    const c = of(r.day);
    if (c) c.referrals += num(r.n);
  }

  await ctx.d.write(db, async (trx) => {
    for (const b of bounds) {
      const c = counts.get(b.day)!;
      const sketch = encodeSketch(c.users);
      const done = await trx
        .updateTable(t.rollupDay)
        .set({
          ready: 1,
          visits: c.visits,
          new_user_visits: c.newUserVisits,
          shares: c.shares,
          referrals: c.referrals,
          users: Buffer.from(sketch.buffer, sketch.byteOffset, sketch.byteLength),
        })
        .where('scope', '=', scope)
        .where('day', '=', b.day)
        .where('token', '=', token)
        .executeTakeFirst();
      // Invalidated (or claimed by another build) since this one began: its counts may be stale.
      if (Number(done.numUpdatedRows) === 0) continue;
      await replaceDetails(trx, t.rollupScene, 'scene', scope, b, c.scenes);
      await replaceDetails(trx, t.rollupShareType, 'share_type', scope, b, c.shareTypes);
    }
  });
}

async function replaceDetails(
  trx: Kysely<any>,
  table: string,
  key: string,
  scope: string,
  b: { day: number; start: number },
  values: Map<string | number, number>,
): Promise<void> {
  await trx.deleteFrom(table).where('scope', '=', scope).where('day', '=', b.day).execute();
  if (values.size === 0) return;
  await trx
    .insertInto(table)
    .values([...values].map(([k, n]) => ({ scope, day: b.day, start_at: b.start, [key]: k, n })))
    .execute();
}

const HOUR = 3_600_000;

/**
 * Voids the rollups of every day (in any scope) that holds one of `times`, after the write that
 * changed those days has committed. Times are taken by the hour (a day holds whole hours in every
 * zone but a few historical ones, where a neighbouring day is voided too: harmless).
 */
export async function invalidateTimes(ctx: StoreContext, times: Iterable<number>): Promise<void> {
  const hours = [...new Set([...times].map((ms) => Math.floor(ms / HOUR)))];
  for (let i = 0; i < hours.length; i += 100) {
    const chunk = hours.slice(i, i + 100);
    await ctx.d.write(ctx.db, (trx) =>
      trx
        .deleteFrom(ctx.t.rollupDay)
        .where((eb) => eb.or(chunk.map((h) => eb.and([eb('start_at', '<', (h + 1) * HOUR), eb('end_at', '>', h * HOUR)]))))
        .execute(),
    );
  }
}

/** Voids the rollups of every day that starts before `before` (after a purge). */
export async function invalidateBefore(ctx: StoreContext, before: number): Promise<void> {
  await ctx.d.write(ctx.db, (trx) => trx.deleteFrom(ctx.t.rollupDay).where('start_at', '<', before).execute());
}

/** The earliest time any counted row has, or `null` when there are none. */
export async function earliestRow(ctx: StoreContext): Promise<number | null> {
  const { db, t } = ctx;
  const min = (table: string, column: string) =>
    db.selectFrom(table).select(sql<unknown>`min(${sql.ref(column)})`.as('m')).executeTakeFirst();
  const found = (await Promise.all([min(t.track, 'created_at'), min(t.share, 'created_at'), min(t.referral, 'bound_at')]))
    .map((r) => (r?.m == null ? null : num(r.m)))
    .filter((m): m is number => m !== null);
  return found.length ? Math.min(...found) : null;
}
