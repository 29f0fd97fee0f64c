import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTracker, StorageError, withStatementCache } from '@promo-track/core';
import { SALT } from './support.js';

// Another process holds the file's write lock until told to let go (a line on its stdin).
const HOLDER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.exec('begin immediate');
db.exec("insert into promo_track_lock (name) values ('held')");
process.stdout.write('locked\\n');
process.stdin.once('data', () => { db.exec('rollback'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
`;

async function holdWriteLock(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', HOLDER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('locked\n');
  return child;
}

describe('SQLite: another process writing the same file', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = async () => {
    dir = mkdtempSync(join(tmpdir(), 'promo-busy-'));
    const file = join(dir, 'app.db');
    // As the README sets it up: WAL, and a short busy timeout (the library waits without blocking).
    const database = new Database(file, { timeout: 20 });
    database.pragma('journal_mode = WAL');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    const tracker = createTracker({ db, salt: SALT });
    await tracker.migrate();
    return { file, db, tracker };
  };

  it('keeps reads answering while a write waits for the lock, then writes', async () => {
    const { file, db, tracker } = await open();
    try {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      const holder = await holdWriteLock(file);
      let written = false;
      const write = tracker.recordTrack({ userId: 2, promocode, scene: 1047 }).then((t) => ((written = true), t));
      // While the other process holds the lock: the event loop is free, reads answer.
      for (let i = 0; i < 5; i++) {
        expect(await tracker.findPromo(promocode)).toMatchObject({ userId: 1 });
        expect((await tracker.stats()).visits).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(written).toBe(false);
      holder.stdin!.write('go\n');
      expect(await write).toMatchObject({ userId: 2, trackType: 1, referrerId: 1 });
      expect((await tracker.stats()).visits).toBe(1);
    } finally {
      await db.destroy();
    }
  });

  it('fails a write with StorageError (503) when the lock is held past the deadline, having written nothing', async () => {
    const { file, db, tracker } = await open();
    try {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      const holder = await holdWriteLock(file);
      const started = performance.now();
      await expect(tracker.recordTrack({ userId: 2, promocode, scene: 1047 })).rejects.toBeInstanceOf(StorageError);
      expect(performance.now() - started).toBeGreaterThan(4000);
      holder.stdin!.write('go\n');
      await once(holder, 'exit');
      expect((await tracker.stats()).visits).toBe(0);
    } finally {
      await db.destroy();
    }
  }, 20_000);

  it("bounds every write by the README's 5 s from its own call: one queued behind a waiting write fails by then too (issue 30, P5)", async () => {
    const { file, db, tracker } = await open();
    try {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      const holder = await holdWriteLock(file);
      const timed = (write: Promise<unknown>) => {
        const started = performance.now();
        return write.then(
          () => ({ error: null as unknown, ms: performance.now() - started }),
          (error: unknown) => ({ error, ms: performance.now() - started }),
        );
      };
      const first = timed(tracker.recordTrack({ userId: 2, promocode, scene: 1047 }));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      // Queued while the first waits for the lock: it used to wait for the first's 5 s, then 5 s of its own.
      const second = timed(tracker.recordShare({ userId: 3, shareType: 1 }));
      const [a, b] = await Promise.all([first, second]);
      holder.stdin!.write('go\n');
      await once(holder, 'exit');
      for (const { error } of [a, b]) expect(error).toBeInstanceOf(StorageError);
      expect(a.ms).toBeGreaterThan(4900);
      console.log(`503 after ${a.ms.toFixed(0)} ms (first) and ${b.ms.toFixed(0)} ms (queued 2.5 s later)`);
      // The bound, with room for a loaded machine's timers (the sleeps between tries are at most 50 ms).
      for (const { ms } of [a, b]) expect(ms).toBeLessThan(5600);
      expect((await tracker.stats()).visits).toBe(0);
      expect((await tracker.stats()).shares).toBe(0);
    } finally {
      await db.destroy();
    }
  }, 30_000);
});
