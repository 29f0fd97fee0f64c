import { type RawBuilder, sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { localDay } from './day-buckets.js';
import { EXACT_MAX, SPARSE_MAX } from './hll.js';

export const HOUR_MS = 3_600_000;

/**
 * What a rollup counts by: local days of the tracker's zone, or UTC hours (the same in every zone).
 * Rows of both live in twin tables, keyed by (scope, bucket), with the bucket's instants
 * `[start_at, end_at)`, which writes, forgets and purges match on (docs/stats.md).
 */
export interface Grain {
  /** The bucket's column: `day` or `hour`. */
  key: 'day' | 'hour';
  tables: {
    buckets: string;
    scenes: string;
    shareTypes: string;
    referrals: string;
    referrerVisits: string;
    /** Conversions by type, currency and credit; by referrer and currency (migration 0008). */
    conversions: string;
    referrerConversions: string;
  };
  /** What a row was counted for (see `scopeOf`). */
  scope: string;
  /** Buckets one build query reads: bounds the rows one build holds in memory. */
  perBuild: number;
  /** A bucket keeps its users' exact ids up to this many, else a HyperLogLog (hll.ts). */
  sparseMax: number;
  /** Rows (of every scope) whose bucket started longer ago than this are dropped by the next build. */
  keptMs?: number;
  startOf(bucket: number): number;
  /** The bucket of a BIGINT ms column, as SQL, for rows within `range`. */
  of(column: string, range: { from: Date; to: Date }): RawBuilder<number>;
  /** The local day a bucket lies in (a bucket never spans two). */
  dayOf(bucket: number): number;
}

/** The attribution model and excluded scenes a rollup row was counted for. */
function rulesKey(ctx: StoreContext): string {
  const excluded = [...ctx.rules.excludeScenes].sort().join(',');
  let hash = 0x811c9dc5;
  for (let i = 0; i < excluded.length; i++) hash = Math.imul(hash ^ excluded.charCodeAt(i), 0x01000193) >>> 0;
  return `${ctx.rules.model}|${hash.toString(16)}`;
}

/** What a daily rollup row was counted for: a zone's days, an attribution model, a set of excluded scenes. */
const scopeOf = (ctx: StoreContext): string => `${ctx.zone.name}|${rulesKey(ctx)}`.slice(0, 96);

/** Closed local days of the tracker's zone. */
export function dayGrain(ctx: StoreContext): Grain {
  const { tables, zone } = ctx;
  return {
    key: 'day',
    tables: {
      buckets: tables.rollupDay,
      scenes: tables.rollupScene,
      shareTypes: tables.rollupShareType,
      referrals: tables.rollupReferrals,
      referrerVisits: tables.rollupRefVisits,
      conversions: tables.rollupConversions,
      referrerConversions: tables.rollupRefConversions,
    },
    scope: scopeOf(ctx),
    perBuild: 16,
    sparseMax: SPARSE_MAX,
    startOf: (day) => zone.startOf(day),
    of: (column, range) => localDay(ctx, column, range),
    dayOf: (day) => day,
  };
}

/** Closed UTC hours: zone-free, so one row serves every zone whose offset is whole hours. */
export function hourGrain(ctx: StoreContext): Grain {
  const { tables, zone } = ctx;
  return {
    key: 'hour',
    tables: {
      buckets: tables.rollupHour,
      scenes: tables.rollupHourScene,
      shareTypes: tables.rollupHourShareType,
      referrals: tables.rollupHourReferrals,
      referrerVisits: tables.rollupHourRefVisits,
      conversions: tables.rollupHourConversions,
      referrerConversions: tables.rollupHourRefConversions,
    },
    scope: rulesKey(ctx),
    perBuild: 24,
    // Exact ids up to the size past which any union turns into an estimate anyway: a range of
    // closed hours alone (today) counts its visitors exactly, as it did when read live.
    sparseMax: EXACT_MAX,
    // Hours serve today (in any zone) and the partial days at a range's ends: closed days have their own rows.
    keptMs: 2 * 86_400_000,
    startOf: (hour) => hour * HOUR_MS,
    of: (column) => sql<number>`${sql.ref(column)}${sql.raw(ctx.dialect.intDiv)}${sql.lit(HOUR_MS)}`,
    dayOf: (hour) => zone.dayOf(hour * HOUR_MS),
  };
}

/** True when UTC hour `hour` lies wholly in one local day (not so across midnight in a :30 or :45 zone). */
export const hourInOneDay = (ctx: StoreContext, hour: number): boolean =>
  ctx.zone.dayOf(hour * HOUR_MS) === ctx.zone.dayOf((hour + 1) * HOUR_MS - 1);
