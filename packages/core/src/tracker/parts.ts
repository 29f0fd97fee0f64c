import { type Codec, createCodec } from '../codes.js';
import { createZone } from '../days/time-zone.js';
import { heavyReadGate } from '../heavy-reads.js';
import { windowMs } from '../model/attribution.js';
import type { TrackerEvent, TrackerOptions } from '../model/types.js';
import { type ResolvedOptions, resolveOptions } from '../options.js';
import { tableNames } from '../schema/table-names.js';
import type { StoreContext } from '../store/context.js';
import { detectDialect } from '../store/dialects/detect.js';
import { schemaCheck } from '../store/migrations/index.js';
import { invalidateTimes, LATE_MS } from '../store/stats/index.js';
import { createKnownVisitors } from '../store/visits/index.js';
import type { Signals } from '../model/abuse.js';
import { createSignalHasher, type SignalHashes } from '../signal-hashes.js';

/** What every call of one tracker shares: its options, the store's context, the codec, the schema check, the listener. */
export interface TrackerParts {
  o: ResolvedOptions;
  ctx: StoreContext;
  /** The context of the operators' heavy reads: `ctx` with `readDb` the replica (see `readsOf`). */
  operatorCtx: StoreContext;
  codec: Codec;
  /** The call's work after the schema check, storage errors mapped (store/migrations/schema-version.ts). */
  whenMigrated: <T>(work: () => Promise<T>) => Promise<T>;
  /** Called when `migrate()` has succeeded. */
  migrated: () => void;
  /** Tells `onEvent`, whose failures are its own. */
  emit: (event: TrackerEvent) => void;
  /** Raw signals (IP, install id) → keyed hashes: nothing raw goes further than the tracker's edge. */
  hashSignals: (signals: Signals | null | undefined) => SignalHashes;
}

export function trackerParts(options: TrackerOptions): TrackerParts {
  const o = resolveOptions(options);
  const dialect = detectDialect(o.db);
  // The host's plugins (CamelCasePlugin, WithSchemaPlugin, …) are for its own queries: ours name
  // the library's tables and columns exactly, and the hot paths reuse SQL compiled once.
  const db = o.db.withoutPlugins();
  const ctx: StoreContext = {
    db,
    readDb: db,
    dialect,
    tables: tableNames(o.tablePrefix),
    rules: { model: o.model, windowMs: windowMs(o.windowDays), excludeScenes: o.excludeScenes },
    outbox: o.outbox,
    zone: createZone(o.timeZone),
    heavyRead: heavyReadGate(dialect.heavyReads),
    abuse: o.abuse,
    rewards: o.rewards,
    knownVisitors: createKnownVisitors(),
  };
  // Without a replica the operators' reads are everyone else's: the same database, the same turns.
  const operatorCtx: StoreContext =
    o.readDb === o.db ? ctx : { ...ctx, readDb: o.readDb.withoutPlugins(), heavyRead: heavyReadGate(dialect.heavyReads) };
  // Every call but migrate() first checks, once, that the tables are this version's (NotMigratedError).
  const { whenMigrated, migrated } = schemaCheck(ctx.db, ctx.tables, ctx.dialect);

  const emit = (event: TrackerEvent) => {
    if (!o.onEvent) return;
    try {
      const result: unknown = o.onEvent(event);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // A listener's failure is its own; the write it reports has already happened.
    }
  };
  return {
    o,
    ctx,
    operatorCtx,
    codec: createCodec(o.salt, o.codeMinLength),
    whenMigrated,
    migrated,
    emit,
    hashSignals: createSignalHasher(o.salt, o.abuse),
  };
}

/**
 * Where a read goes, the rule in one place: a read over everyone's rows that an operator asks for
 * (global stats, the leaderboard, the exports, the lists not narrowed to one user or referrer) is
 * heavy and may lag a little, so it reads the `readDb` replica; a read about one user or promocode,
 * which may follow that caller's own write (`getReferrer` after `recordTrack`), reads `db`, as every
 * write does. Rollups the heavy reads need are built on `db` (store/stats/rollups.ts).
 */
export function readsOf(parts: Pick<TrackerParts, 'ctx' | 'operatorCtx'>, everyone: boolean): StoreContext {
  return everyone ? parts.operatorCtx : parts.ctx;
}

/**
 * After a write has committed: rows that landed in a day or hour whose rollup may exist already
 * (backdated, or committed late, or a refund of an older conversion) void those rollups (store/stats/rollups.ts).
 */
export function lateRollupsVoider({ ctx, whenMigrated }: Pick<TrackerParts, 'ctx' | 'whenMigrated'>) {
  return (times: Date[]): Promise<void> | undefined => {
    const cutoff = Date.now() - LATE_MS;
    const late = times.map((at) => at.getTime()).filter((at) => at < cutoff);
    return late.length ? whenMigrated(() => invalidateTimes(ctx, late)) : undefined;
  };
}

/** Rows read in pages, each page through whenMigrated (NotMigratedError, StorageError). */
export async function* pagesWhenMigrated<T>(parts: TrackerParts, rows: AsyncIterable<T>): AsyncIterable<T> {
  const it = rows[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await parts.whenMigrated(() => it.next());
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await it.return?.();
  }
}
