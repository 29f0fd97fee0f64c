import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker, withStatementCache } from '@promo-track/core';
import { createSqliteTwin, TWIN_SCHEMA } from './twin-sqlite.mjs';
import { checkpointAndClose, copyDb, openSqlite } from './util.mjs';
import { check, OWNERS, SALT, seedVisits } from './workload.mjs';

/** A library tracker over its own WAL file database. */
export function openLibrary(file, options = {}) {
  const raw = openSqlite(Database, file);
  const database = process.env.PROMO_TRACK_BENCH_STATEMENT_CACHE === '0' ? raw : withStatementCache(raw);
  const db = new Kysely({ dialect: new SqliteDialect({ database }) });
  const tracker = createTracker({ db, salt: SALT, ...options });
  return { raw, db, tracker, close: () => db.destroy() };
}

export function openTwin(file) {
  const db = openSqlite(Database, file);
  return { db, twin: createSqliteTwin(db, SALT), close: () => db.close() };
}

/**
 * Seeds one library database and one twin database alike (10k promos, 50k earlier visits), each
 * through its own code, and leaves them as checkpointed files that every case copies.
 */
export async function seedTemplates(dir) {
  const libFile = path.join(dir, 'lib-template.db');
  const lib = openLibrary(libFile);
  fastLoad(lib.raw);
  await lib.tracker.migrate();
  const codes = [];
  for (let userId = 1; userId <= OWNERS; userId++) codes.push((await lib.tracker.getOrCreatePromo({ userId })).promocode);
  const visits = seedVisits(codes);
  for (let i = 0; i < visits.length; i += 1000) {
    const chunk = visits.slice(i, i + 1000);
    const tracks = await lib.tracker.recordTracks(chunk.map(({ userId, promocode, scene }) => ({ userId, promocode, scene })));
    tracks.forEach((t, j) => check(t, wrap(chunk[j]), 'seed library'));
  }
  lib.raw.pragma('wal_checkpoint(TRUNCATE)');
  await lib.close();

  const twinFile = path.join(dir, 'twin-template.db');
  const twinDb = openSqlite(Database, twinFile);
  fastLoad(twinDb);
  twinDb.exec(TWIN_SCHEMA);
  const twin = createSqliteTwin(twinDb, SALT);
  // The same promos, codes and all, as the library made them.
  const src = new Database(libFile, { readonly: true });
  const insert = twinDb.prepare(
    'insert into promo (id, user_id, promo_type, appid, promocode, wxbcode, page, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  twinDb.transaction(() => {
    for (const p of src.prepare('select * from promo order by id').iterate()) {
      insert.run(p.id, p.user_id, p.promo_type, p.appid, p.promocode, p.wxbcode, p.page, p.created_at);
    }
  })();
  src.close();
  for (let i = 0; i < visits.length; i += 1000) {
    const chunk = visits.slice(i, i + 1000);
    const tracks = twin.recordTracks(chunk.map(({ userId, promocode, scene }) => ({ userId, promocode, scene })));
    tracks.forEach((t, j) => check(t, wrap(chunk[j]), 'seed twin'));
  }
  checkpointAndClose(twinDb);
  return { libFile, twinFile, codes };
}

/**
 * Seeding only: no waiting for the disk and a big page cache. Neither setting is stored in the
 * file, so every measured connection opens with the defaults of openSqlite (WAL, NORMAL).
 */
export function fastLoad(raw) {
  raw.pragma('synchronous = OFF');
  raw.pragma('cache_size = -262144');
}

const wrap = (v) => ({ input: { userId: v.userId, promocode: v.promocode }, expect: { trackType: v.isNew ? 1 : 2, referrerId: v.owner } });

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The seeded templates, reused from node_modules/.cache while neither the library's schema
 * (packages/core/src/schema) nor the seeding code has changed; `--fresh` seeds again regardless.
 */
export async function loadTemplates({ fresh = false } = {}) {
  const hash = createHash('sha256');
  const schemaDir = here('../../packages/core/src/schema/');
  const schema = fs.existsSync(schemaDir)
    ? fs
        .readdirSync(schemaDir)
        .sort()
        .map((f) => path.join(schemaDir, f))
    : [];
  for (const file of [...schema, here('./seed.mjs'), here('./workload.mjs'), here('./twin-sqlite.mjs')]) {
    hash.update(fs.readFileSync(file));
  }
  const dir = here(`../../node_modules/.cache/promo-track-bench/${hash.digest('hex').slice(0, 16)}`);
  const done = path.join(dir, 'done');
  if (fresh || !fs.existsSync(done)) {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await seedTemplates(dir);
    fs.writeFileSync(done, new Date().toISOString());
  }
  const twin = new Database(path.join(dir, 'twin-template.db'), { readonly: true });
  const codes = twin.prepare('select promocode from promo where promo_type = 1 order by user_id').pluck().all();
  twin.close();
  return { libFile: path.join(dir, 'lib-template.db'), twinFile: path.join(dir, 'twin-template.db'), codes, cached: dir };
}

/** Fresh copies of both templates for one case. */
export function copies(templates, dir, name) {
  const slug = name.replace(/[^a-z0-9]+/gi, '-');
  return {
    libFile: copyDb(templates.libFile, path.join(dir, `${slug}-lib.db`)),
    twinFile: copyDb(templates.twinFile, path.join(dir, `${slug}-twin.db`)),
  };
}
