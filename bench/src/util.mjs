import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A small deterministic PRNG (mulberry32), so both sides of a case see the same stream. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  return next;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

/** Latencies in nanoseconds (numbers) → p50 / p99 in microseconds. */
export function latencySummary(ns) {
  const s = Float64Array.from(ns).sort();
  return { p50_us: round(percentile(s, 50) / 1000, 1), p99_us: round(percentile(s, 99) / 1000, 1) };
}

export const round = (x, digits = 0) => {
  if (x == null || !Number.isFinite(x)) return x ?? null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export const now = () => Number(process.hrtime.bigint());

/** A private scratch directory for this run's database files, removed at exit. */
export function scratchDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promo-track-bench-'));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  process.on('exit', cleanup);
  return dir;
}

/** Copies an SQLite database file (already checkpointed and closed) to a new path. */
export function copyDb(from, to) {
  // A WAL or shared-memory file left by an earlier run would be replayed onto the fresh copy.
  for (const suffix of ['-wal', '-shm']) fs.rmSync(to + suffix, { force: true });
  fs.copyFileSync(from, to);
  return to;
}

/** Opens a better-sqlite3 file database the way a well-configured host does: WAL, synchronous=NORMAL. */
export function openSqlite(Database, file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Closes a better-sqlite3 database after folding its WAL into the main file, so it can be copied. */
export function checkpointAndClose(db) {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

export const log = (...args) => process.stderr.write(args.join(' ') + '\n');
