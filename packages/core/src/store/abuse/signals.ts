import { type Kysely, sql } from 'kysely';
import type { BindingSignals } from '../../model/abuse.js';
import { HOUR_MS } from '../../model/abuse.js';
import { builtOnce, runCompiled } from '../compiled.js';
import type { StoreContext } from '../context.js';
import { num } from '../rows.js';
import { type BindingOperand, bindingReads } from '../dialects/binding-reads.js';

/** A visit's or share's signals as storage takes them: keyed hashes, never raw values. */
export interface SignalWrite {
  userId: number;
  /** When they were seen (ms). */
  at: number;
  ip: string | null;
  device: string | null;
  /** They came with the user's first visit as a new user (what `device_cluster` counts). */
  newUser: boolean;
}

/** One stored signal: `(user_id, kind, hash)`, when it was seen, and whether with a first visit as a new user. */
export interface SignalRow {
  userId: number;
  kind: 'device' | 'ip';
  hash: string;
  at: number;
  newUser: boolean;
}

export const rowsOf = (w: SignalWrite): SignalRow[] => {
  const rows: SignalRow[] = [];
  if (w.device) rows.push({ userId: w.userId, kind: 'device', hash: w.device, at: w.at, newUser: w.newUser });
  if (w.ip) rows.push({ userId: w.userId, kind: 'ip', hash: w.ip, at: w.at, newUser: w.newUser });
  return rows;
};

/** Rows per upsert statement at most. */
export const UPSERT_ROWS = 256;

interface Statements {
  /** `n` rows of `(user_id, kind, hash, seen_at, new_user)`, keeping the later `seen_at` (built per `n` when first needed). */
  upsert(n: number): string;
  binding: string;
  /** The values `binding` takes, in order. */
  bindingOrder: BindingOperand[];
  counters: [string, string];
}

/** SQL compiled by Kysely once per tracker and run with each call's values (store/compiled.ts). */
const statements = builtOnce((ctx: StoreContext): Statements => {
  const { db, tables: t, dialect: d } = ctx;
  const row = { user_id: 0, kind: '', hash: '', seen_at: 0, new_user: 0 };
  const upserts = new Map<number, string>();
  const upsert = (n: number) => {
    let text = upserts.get(n);
    if (text === undefined) {
      text =
        db
          .insertInto(t.signal)
          .values(Array.from({ length: n }, () => row))
          .compile().sql + d.upsertTail(t.signal, ['user_id', 'kind', 'hash'], { seen_at: 'max', new_user: 'max' });
      upserts.set(n, text);
    }
    return text;
  };
  const counters = (n: number) =>
    db
      .insertInto(t.abuseCounter)
      .values(Array.from({ length: n }, () => ({ name: '', n: 1 })))
      .compile().sql + d.upsertTail(t.abuseCounter, ['name'], { n: 'add' });
  const bindingOrder: BindingOperand[] = [];
  const binding =
    'select ' + bindingReads(t, d, (name) => (bindingOrder.push(name), d.numberedParameters ? `$${bindingOrder.length}` : '?'));
  return { upsert, binding, bindingOrder, counters: [counters(1), counters(2)] };
});

/** The row `bindingReads` answers, as the checks take it (`judgeBinding`). */
export function bindingSignalsOf(
  row: { device_at: unknown; ip_at: unknown; recent: unknown; cluster: unknown },
  b: { at: number; ip: string | null; device: string | null },
): BindingSignals {
  return {
    referrerDeviceAt: b.device && row.device_at !== null ? num(row.device_at) : null,
    referrerIpAt: b.ip && row.ip_at !== null ? num(row.ip_at) : null,
    at: b.at,
    recentBindings: num(row.recent),
    deviceNewUsers: b.device ? num(row.cluster) : 0,
  };
}

/** Writes the signals of one visit or share (the later `seen_at` wins; `new_user` once set stays). */
export const storeSignals = (ctx: StoreContext, db: Kysely<any>, w: SignalWrite): Promise<void> => storeSignalRows(ctx, db, rowsOf(w));

/** Writes rows, in key order (so that two writers lock them in the same order), at most UPSERT_ROWS a statement. */
export async function storeSignalRows(ctx: StoreContext, db: Kysely<any>, rows: SignalRow[]): Promise<void> {
  if (rows.length === 0) return;
  const key = (r: SignalRow) => `${String(r.userId).padStart(10, '0')}${r.kind}${r.hash}`;
  const sorted = rows.length > 1 ? [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1)) : rows;
  for (let i = 0; i < sorted.length; i += UPSERT_ROWS) {
    const chunk = sorted.slice(i, i + UPSERT_ROWS);
    await runCompiled(
      db,
      statements(ctx).upsert(chunk.length),
      chunk.flatMap((r) => [r.userId, r.kind, r.hash, r.at, r.newUser ? 1 : 0]),
    );
  }
}

/**
 * Locks the counter rows of a binding's checks (the referrer's, the device's) until the transaction
 * ends, so that concurrent bindings through one referrer or one device are checked one after the
 * other; where writes are serialized (SQLite) they are anyway. `n` counts the bindings checked.
 */
export async function lockCounters(ctx: StoreContext, trx: Kysely<any>, names: string[]): Promise<void> {
  if (ctx.dialect.serializedWrites || names.length === 0) return;
  await runCompiled(
    trx,
    statements(ctx).counters[names.length - 1]!,
    names.sort().flatMap((name) => [name, 1]),
  );
}

/** What the checks of one binding need, in one statement (under the counter rows' locks). */
export async function readBindingSignals(
  ctx: StoreContext,
  trx: Kysely<any>,
  b: { refereeId: number; referrerId: number; at: number; ip: string | null; device: string | null },
): Promise<BindingSignals> {
  const { binding, bindingOrder } = statements(ctx);
  const values: Record<BindingOperand, unknown> = {
    referrer: b.referrerId,
    referee: b.refereeId,
    since: b.at - HOUR_MS,
    device: b.device ?? '',
    ip: b.ip ?? '',
  };
  const params = bindingOrder.map((name) => values[name]);
  type Row = { device_at: unknown; ip_at: unknown; recent: unknown; cluster: unknown };
  return bindingSignalsOf((await runCompiled<Row>(trx, binding, params)).rows[0]!, b);
}
