import type { Kysely } from 'kysely';
import type { StoreContext } from '../context.js';
import { builtOnce } from '../compiled.js';
import { rowsOf, type SignalRow, type SignalWrite, storeSignalRows, UPSERT_ROWS } from './signals.js';

/** How long a later visit's signals wait to be written with the others of the moment. */
const DELAY_MS = 20;

interface Buffer {
  rows: Map<string, SignalRow>;
  timer: ReturnType<typeof setTimeout> | null;
  flushing: Promise<void>;
  /** Rows taken by a flush that has not ended: a binding writes its referrer's again (upserts keep the latest). */
  inFlight: Set<SignalRow[]>;
}

const keyOf = (row: SignalRow) => `${row.userId}\u0000${row.kind}\u0000${row.hash}`;

const buffers = builtOnce((_ctx: StoreContext): Buffer => ({
  rows: new Map(),
  timer: null,
  flushing: Promise.resolve(),
  inFlight: new Set(),
}));

/**
 * The signals of a later visit written by the dialect's one-statement path (no binding, nothing to
 * check): kept a moment and written with the others of that moment in one statement, so that such a
 * visit stays one statement. A binding's own signals never wait (they are written in its
 * transaction), and a binding first writes the waiting signals of its referrer in its transaction
 * (`takeWaiting`): within one process the checks see every signal; another process's wait at most
 * DELAY_MS before they count (docs/abuse.md). Lost if the process dies within that moment.
 */
export function storeLater(ctx: StoreContext, w: SignalWrite): void {
  const buffer = buffers(ctx);
  for (const row of rowsOf(w)) {
    const key = keyOf(row);
    const seen = buffer.rows.get(key);
    if (!seen || seen.at < row.at) buffer.rows.set(key, row);
  }
  if (buffer.rows.size >= UPSERT_ROWS) void flush(ctx);
  else if (!buffer.timer) {
    buffer.timer = setTimeout(() => void flush(ctx), DELAY_MS);
    buffer.timer.unref?.();
  }
}

/** Writes every waiting row, in its own transaction; a failure drops them (signals are a hint, never a fact). */
export function flush(ctx: StoreContext): Promise<void> {
  const buffer = buffers(ctx);
  if (buffer.timer) clearTimeout(buffer.timer);
  buffer.timer = null;
  const rows = [...buffer.rows.values()];
  buffer.rows.clear();
  if (rows.length === 0) return buffer.flushing;
  buffer.inFlight.add(rows);
  buffer.flushing = buffer.flushing.then(() =>
    ctx.dialect
      .write(ctx.db, (trx) => storeSignalRows(ctx, trx, rows))
      .catch(() => undefined)
      .finally(() => buffer.inFlight.delete(rows)),
  );
  return buffer.flushing;
}

/**
 * The user's waiting rows, taken out of the buffer, and those of a flush not yet committed, written
 * in the caller's transaction (a binding's checks): the checks never miss them.
 */
export async function takeWaiting(ctx: StoreContext, trx: Kysely<any>, userId: number): Promise<void> {
  const buffer = buffers(ctx);
  if (buffer.rows.size === 0 && buffer.inFlight.size === 0) return;
  // One row a key (an upsert may not touch a row twice), the latest.
  const mine = new Map<string, SignalRow>();
  const keep = (row: SignalRow) => {
    const key = keyOf(row);
    const seen = mine.get(key);
    if (!seen || seen.at < row.at) mine.set(key, row);
  };
  for (const batch of buffer.inFlight) for (const row of batch) if (row.userId === userId) keep(row);
  for (const [key, row] of buffer.rows)
    if (row.userId === userId) {
      keep(row);
      buffer.rows.delete(key);
    }
  if (mine.size) await storeSignalRows(ctx, trx, [...mine.values()]);
}

/** forgetUser: the user's waiting rows are dropped, never written. */
export function dropWaiting(ctx: StoreContext, userId: number): void {
  const buffer = buffers(ctx);
  for (const [key, row] of buffer.rows) if (row.userId === userId) buffer.rows.delete(key);
}

/** The user's rows not yet committed (waiting, or taken by a flush in flight), left where they are: a one-statement first visit's checks count them. */
export function uncommitted(ctx: StoreContext, userId: number): SignalRow[] {
  const buffer = buffers(ctx);
  const rows: SignalRow[] = [];
  for (const row of buffer.rows.values()) if (row.userId === userId) rows.push(row);
  for (const batch of buffer.inFlight) for (const row of batch) if (row.userId === userId) rows.push(row);
  return rows;
}
