import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { encodeSketch } from './hll.js';
import type { Grain } from './rollup-grains.js';
import { num } from '../rows.js';
import { addConversionCell, type ConversionCell } from '../conversions/index.js';
import { addDay, credited, emptyTally, netAmount, type Tally } from './tally.js';

/**
 * Rollups of closed days and closed hours (rollup-grains.ts), built lazily by the first stats call
 * that needs a bucket, kept in the library's own tables and rebuilt after anything changes a closed
 * bucket (docs/stats.md):
 * - a bucket is closed once it ended CLOSED_MARGIN ago, so writes in flight at its end have committed;
 * - a write committed more than LATE_MS after its time (backdated visits, a slow commit), forgetUser
 *   and purge delete the rollup rows of the buckets they touch, after their commit;
 * - a build claims its buckets with a token before reading, and keeps its result only if the token
 *   is still there when it writes: an invalidation in between (which deletes the claim) voids it;
 * - a bucket that is still missing after its build (voided meanwhile), or whose details do not add
 *   up to its counts (voided and rebuilt between two reads), is answered `missing`: read it live.
 * Each build also writes every referrer's referrals and counted visits in its buckets, which the
 * leaderboard reads (store/stats/leaderboard.ts). What voids them: store/stats/rollup-voids.ts.
 */
export const CLOSED_MARGIN = 2 * 60_000;
export const LATE_MS = 60_000;
/**
 * What a rollup row's build wrote (its `details` column, migration 0007): 1 for the scenes and share
 * types alone (builds before 0007), 2 with the referrers' counts too (builds before 0008), 3 with the
 * conversions' details too, as every build now writes. Reads want 3: older rows are built again.
 */
export const DETAILS = 3;
/** The counts of closed buckets, and their distinct users as stored sketches (hll.ts). */
export interface RolledUp extends Tally {
  users: Uint8Array[];
}

/**
 * The rollups of `wanted` (closed buckets, ascending), built first where missing. `missing`: the
 * buckets whose rows could not be read consistently (a rare race with an invalidation); the caller
 * reads their rows live.
 */
export async function readRollups(ctx: StoreContext, grain: Grain, wanted: number[]): Promise<{ rolled: RolledUp; missing: number[] }> {
  const out: RolledUp = { ...emptyTally(), users: [] };
  if (wanted.length === 0) return { rolled: out, missing: [] };
  const db = ctx.readDb;
  const { key, scope, tables } = grain;
  const lo = wanted[0]!;
  const hi = wanted[wanted.length - 1]!;
  const rows = await builtRows(ctx, grain, wanted, () =>
    db
      .selectFrom(tables.buckets)
      .select([`${key} as b`, 'visits', 'new_user_visits', 'shares', 'referrals', 'conversions', 'users'])
      .where('scope', '=', scope)
      .where(key, '>=', lo)
      .where(key, '<=', hi)
      .where('ready', '=', 1)
      .where('details', '>=', DETAILS)
      .execute(),
  );

  // The details of ready rows, per bucket: a bucket's count whose details do not add up to it was
  // voided (or rebuilt) between the two reads.
  const details = (table: string, columns: string[]) =>
    db
      .selectFrom(`${table} as x`)
      .innerJoin(`${tables.buckets} as r`, (j) => j.onRef('r.scope', '=', 'x.scope').onRef(`r.${key}`, '=', `x.${key}`))
      .select([`x.${key} as b`, 'x.n as n', ...columns.map((c) => `x.${c} as ${c}`)])
      .where('x.scope', '=', scope)
      .where(`x.${key}`, '>=', lo)
      .where(`x.${key}`, '<=', hi)
      .where('r.ready', '=', 1)
      .execute();
  const [scenes, shareTypes, conversions] = await Promise.all([
    details(tables.scenes, ['scene']),
    details(tables.shareTypes, ['share_type']),
    details(tables.conversions, ['type', 'currency', 'referred', 'amount']),
  ]);
  const sums = (found: typeof scenes) => {
    const by = new Map<number, number>();
    for (const r of found) by.set(num(r.b), (by.get(num(r.b)) ?? 0) + num(r.n));
    return by;
  };
  const sceneSums = sums(scenes);
  const shareSums = sums(shareTypes);
  const conversionSums = sums(conversions);
  const counted = new Set<number>();
  for (const r of rows) {
    const b = num(r.b);
    const bucket = { visits: num(r.visits), newUserVisits: num(r.new_user_visits), shares: num(r.shares), conversions: num(r.conversions) };
    const sumsMatch =
      (sceneSums.get(b) ?? 0) === bucket.visits &&
      (shareSums.get(b) ?? 0) === bucket.shares &&
      (conversionSums.get(b) ?? 0) === bucket.conversions;
    if (!sumsMatch) continue;
    counted.add(b);
    out.visits += bucket.visits;
    out.newUserVisits += bucket.newUserVisits;
    out.shares += bucket.shares;
    out.referrals += num(r.referrals);
    if (bucket.visits || bucket.shares || bucket.conversions) addDay(out, grain.dayOf(b), bucket);
    if (r.users) out.users.push(r.users as Uint8Array);
  }
  for (const r of scenes) if (counted.has(num(r.b))) out.byScene.set(String(r.scene), (out.byScene.get(String(r.scene)) ?? 0) + num(r.n));
  for (const r of shareTypes)
    if (counted.has(num(r.b))) out.byShareType.set(num(r.share_type), (out.byShareType.get(num(r.share_type)) ?? 0) + num(r.n));
  for (const r of conversions) {
    if (!counted.has(num(r.b))) continue;
    addConversionCell(out.conversions, {
      type: String(r.type),
      currency: String(r.currency),
      referred: num(r.referred) === 1,
      n: num(r.n),
      amount: num(r.amount),
    });
  }
  return { rolled: out, missing: wanted.filter((b) => !counted.has(b)) };
}

/**
 * The rows `read` answers for `wanted` (closed buckets, ascending), after building the buckets it
 * did not answer. A bucket voided again meanwhile may still be absent: the caller reads it live.
 *
 * `read` reads `ctx.readDb`; builds write `ctx.db`. With a replica, a bucket just built on the
 * primary is usually not there yet when read again: it is answered absent, and the caller counts its
 * raw rows from the replica too, so one answer never mixes the primary's rows with the replica's.
 * The next call finds it replayed. A bucket the replica lacks but the primary has (built by an
 * earlier call, not replayed yet) is not built again.
 */
async function builtRows<R extends { b: unknown }>(
  ctx: StoreContext,
  grain: Grain,
  wanted: number[],
  read: () => Promise<R[]>,
): Promise<R[]> {
  const want = new Set(wanted);
  const readRows = async () => (await read()).filter((r) => want.has(num(r.b)));
  const rows = await readRows();
  if (rows.length === want.size) return rows;
  const have = new Set(rows.map((r) => num(r.b)));
  let absent = wanted.filter((b) => !have.has(b));
  if (ctx.readDb !== ctx.db && absent.length > 0) {
    const built = new Set((await readyTokens(ctx, grain, absent, ctx.db)).map((r) => num(r.b)));
    absent = absent.filter((b) => !built.has(b));
  }
  for (let i = 0; i < absent.length; i += grain.perBuild) await buildBuckets(ctx, grain, absent.slice(i, i + grain.perBuild));
  return readRows();
}

/**
 * The buckets of `wanted` (closed, ascending) whose referrers' counts are ready, built first where
 * missing (or built before migration 0007), each with its build's token: while a bucket keeps its
 * token its counts stay those of that build (a void deletes the row, a rebuild claims a new token),
 * so a reader that finds the same tokens after its reads has read one build of each bucket.
 */
export async function referrerBuckets(ctx: StoreContext, grain: Grain, wanted: number[]): Promise<Map<number, string>> {
  if (wanted.length === 0) return new Map();
  const rows = await builtRows(ctx, grain, wanted, () => readyTokens(ctx, grain, wanted));
  return new Map(rows.map((r) => [num(r.b), String(r.token)]));
}

/** The tokens of the buckets of `wanted` whose referrers' counts are ready (in `wanted`'s span: the caller filters). */
export async function readyTokens(
  ctx: StoreContext,
  grain: Grain,
  wanted: number[],
  db: Kysely<any> = ctx.readDb,
): Promise<{ b: unknown; token: unknown }[]> {
  if (wanted.length === 0) return [];
  return db
    .selectFrom(grain.tables.buckets)
    .select([`${grain.key} as b`, 'token'])
    .where('scope', '=', grain.scope)
    .where(grain.key, '>=', wanted[0]!)
    .where(grain.key, '<=', wanted[wanted.length - 1]!)
    .where('ready', '=', 1)
    .where('details', '>=', DETAILS)
    .execute();
}

interface BucketCounts {
  visits: number;
  newUserVisits: number;
  shares: number;
  referrals: number;
  users: Set<number>;
  scenes: Map<string, number>;
  shareTypes: Map<number, number>;
  /** Per referrer: bindings made in the bucket, and counted visits through their codes. */
  referralsBy: Map<number, number>;
  visitsBy: Map<number, number>;
  conversions: number;
  /** By type, currency and credit; by referrer and currency (`referrer|currency`). */
  conversionCells: ConversionCell[];
  conversionsBy: Map<string, { referrer: number; currency: string; n: number; amount: number }>;
}

interface Bounds {
  bucket: number;
  start: number;
  end: number;
}

/** Builds the rollups of `buckets` (ascending, all closed) from the raw rows. */
async function buildBuckets(ctx: StoreContext, grain: Grain, buckets: number[]): Promise<void> {
  const { db } = ctx;
  const { key, scope, tables } = grain;
  const token = randomBytes(12).toString('hex');
  const bounds: Bounds[] = buckets.map((bucket) => ({ bucket, start: grain.startOf(bucket), end: grain.startOf(bucket + 1) }));
  await ctx.dialect.write(db, async (trx) => {
    if (grain.keptMs !== undefined) {
      const old = Date.now() - grain.keptMs;
      for (const table of Object.values(tables)) await trx.deleteFrom(table).where('start_at', '<', old).execute();
    }
    await trx.deleteFrom(tables.buckets).where('scope', '=', scope).where(key, 'in', buckets).execute();
    await trx
      .insertInto(tables.buckets)
      .values(bounds.map((b) => ({ scope, [key]: b.bucket, start_at: b.start, end_at: b.end, token, ready: 0 })))
      .execute();
  });

  const from = bounds[0]!.start;
  const to = bounds[bounds.length - 1]!.end;
  const range = { from: new Date(from), to: new Date(to) };
  const inBuckets = (column: string) => (eb: any) => eb.and([eb(column, '>=', from), eb(column, '<', to)]);
  const excluded = [...ctx.rules.excludeScenes];
  const counted = (eb: any) => eb.and([inBuckets('created_at')(eb), ...(excluded.length ? [eb('scene', 'not in', excluded)] : [])]);
  const bucket = grain.of('created_at', range);
  const boundBucket = grain.of('bound_at', range);
  const [visitRows, userRows, shareRows, referralRows, conversionRows, referrerConversionRows] = await Promise.all([
    db
      .selectFrom(ctx.tables.track)
      .select([bucket.as('b'), 'scene', 'track_type', (eb) => eb.fn.countAll().as('n')])
      .where(counted)
      .groupBy([bucket, 'scene', 'track_type'])
      .execute(),
    // The bucket's users, and by the way its visits per referrer: one read of the rows for both.
    db
      .selectFrom(ctx.tables.track)
      .select([bucket.as('b'), 'user_id', 'referrer', (eb) => eb.fn.countAll().as('n')])
      .where(counted)
      .groupBy([bucket, 'user_id', 'referrer'])
      .execute(),
    db
      .selectFrom(ctx.tables.share)
      .select([bucket.as('b'), 'share_type', (eb) => eb.fn.countAll().as('n')])
      .where(inBuckets('created_at'))
      .groupBy([bucket, 'share_type'])
      .execute(),
    db
      .selectFrom(ctx.tables.referral)
      .select([boundBucket.as('b'), 'referrer', (eb) => eb.fn.countAll().as('n')])
      .where(inBuckets('bound_at'))
      .groupBy([boundBucket, 'referrer'])
      .execute(),
    db
      .selectFrom(ctx.tables.conversion)
      .select([bucket.as('b'), 'type', 'currency', credited.as('referred'), (eb) => eb.fn.countAll().as('n'), netAmount.as('amount')])
      .where(inBuckets('created_at'))
      .groupBy([bucket, 'type', 'currency', credited])
      .execute(),
    db
      .selectFrom(ctx.tables.conversion)
      .select([bucket.as('b'), 'referrer', 'currency', (eb) => eb.fn.countAll().as('n'), netAmount.as('amount')])
      .where(inBuckets('created_at'))
      .where('referrer', 'is not', null)
      .groupBy([bucket, 'referrer', 'currency'])
      .execute(),
  ]);

  const counts = new Map<number, BucketCounts>(
    buckets.map((b) => [
      b,
      {
        visits: 0,
        newUserVisits: 0,
        shares: 0,
        referrals: 0,
        users: new Set(),
        scenes: new Map(),
        shareTypes: new Map(),
        referralsBy: new Map(),
        visitsBy: new Map(),
        conversions: 0,
        conversionCells: [],
        conversionsBy: new Map(),
      },
    ]),
  );
  const add = <K>(map: Map<K, number>, key: K, n: number) => map.set(key, (map.get(key) ?? 0) + n);
  // Rows of buckets between the wanted ones (not asked for) are left out.
  const of = (b: unknown) => counts.get(num(b));
  for (const r of visitRows) {
    const c = of(r.b);
    if (!c) continue;
    const n = num(r.n);
    c.visits += n;
    if (num(r.track_type) === 1) c.newUserVisits += n;
    c.scenes.set(String(r.scene), (c.scenes.get(String(r.scene)) ?? 0) + n);
  }
  for (const r of userRows) {
    const c = of(r.b);
    if (!c) continue;
    c.users.add(num(r.user_id));
    if (r.referrer !== null) add(c.visitsBy, num(r.referrer), num(r.n));
  }
  for (const r of shareRows) {
    const c = of(r.b);
    if (!c) continue;
    c.shares += num(r.n);
    c.shareTypes.set(num(r.share_type), (c.shareTypes.get(num(r.share_type)) ?? 0) + num(r.n));
  }
  for (const r of referralRows) {
    const c = of(r.b);
    if (!c) continue;
    c.referrals += num(r.n);
    add(c.referralsBy, num(r.referrer), num(r.n));
  }
  for (const r of conversionRows) {
    const c = of(r.b);
    if (!c) continue;
    c.conversions += num(r.n);
    c.conversionCells.push({
      type: String(r.type),
      currency: String(r.currency),
      referred: num(r.referred) === 1,
      n: num(r.n),
      amount: num(r.amount),
    });
  }
  for (const r of referrerConversionRows) {
    const c = of(r.b);
    if (!c) continue;
    c.conversionsBy.set(`${num(r.referrer)}|${String(r.currency)}`, {
      referrer: num(r.referrer),
      currency: String(r.currency),
      n: num(r.n),
      amount: num(r.amount),
    });
  }

  await ctx.dialect.write(db, async (trx) => {
    for (const b of bounds) {
      const c = counts.get(b.bucket)!;
      const sketch = encodeSketch([...c.users], grain.sparseMax);
      const done = await trx
        .updateTable(tables.buckets)
        .set({
          ready: 1,
          details: DETAILS,
          visits: c.visits,
          new_user_visits: c.newUserVisits,
          shares: c.shares,
          referrals: c.referrals,
          conversions: c.conversions,
          users: Buffer.from(sketch.buffer, sketch.byteOffset, sketch.byteLength),
        })
        .where('scope', '=', scope)
        .where(key, '=', b.bucket)
        .where('token', '=', token)
        .executeTakeFirst();
      // Invalidated (or claimed by another build) since this one began: its counts may be stale.
      if (Number(done.numUpdatedRows) === 0) continue;
      await replaceDetails(trx, grain, tables.scenes, 'scene', b, c.scenes);
      await replaceDetails(trx, grain, tables.shareTypes, 'share_type', b, c.shareTypes);
      await replaceDetails(trx, grain, tables.referrals, 'referrer', b, c.referralsBy);
      await replaceDetails(trx, grain, tables.referrerVisits, 'referrer', b, c.visitsBy);
      const cells = c.conversionCells.map(({ type, currency, referred, n, amount }) => ({
        type,
        currency,
        referred: referred ? 1 : 0,
        n,
        amount,
      }));
      await replaceRows(trx, grain, tables.conversions, b, cells);
      await replaceRows(trx, grain, tables.referrerConversions, b, [...c.conversionsBy.values()]);
    }
  });
}

function replaceDetails(
  trx: Kysely<any>,
  grain: Grain,
  table: string,
  column: string,
  b: Bounds,
  values: Map<string | number, number>,
): Promise<void> {
  return replaceRows(
    trx,
    grain,
    table,
    b,
    [...values].map(([k, n]) => ({ [column]: k, n })),
  );
}

/** Replaces a bucket's rows of a details table with `rows` (each without the bucket's own columns). */
async function replaceRows(trx: Kysely<any>, grain: Grain, table: string, b: Bounds, rows: Record<string, unknown>[]): Promise<void> {
  await trx.deleteFrom(table).where('scope', '=', grain.scope).where(grain.key, '=', b.bucket).execute();
  const full = rows.map((row) => ({ scope: grain.scope, [grain.key]: b.bucket, start_at: b.start, ...row }));
  // A day may have thousands of referrers: within every database's limit of bound parameters.
  for (let i = 0; i < full.length; i += DETAIL_ROWS)
    await trx
      .insertInto(table)
      .values(full.slice(i, i + DETAIL_ROWS))
      .execute();
}

/** Detail rows per INSERT (at most 8 parameters each). */
const DETAIL_ROWS = 1000;

/** The earliest time any counted row has, or `null` when there are none. */
export async function earliestRow(ctx: StoreContext): Promise<number | null> {
  const { readDb: db, tables } = ctx;
  const min = (table: string, column: string) =>
    db
      .selectFrom(table)
      .select(sql<unknown>`min(${sql.ref(column)})`.as('m'))
      .executeTakeFirst();
  const found = (
    await Promise.all([
      min(tables.track, 'created_at'),
      min(tables.share, 'created_at'),
      min(tables.referral, 'bound_at'),
      min(tables.conversion, 'created_at'),
    ])
  )
    .map((r) => (r?.m == null ? null : num(r.m)))
    .filter((m): m is number => m !== null);
  return found.length ? Math.min(...found) : null;
}
