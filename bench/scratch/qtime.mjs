import fs from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker } from '@promo-track/core';
import { loadTemplates } from '../src/seed.mjs';
import { createStream, SALT } from '../src/workload.mjs';
import { openSqlite } from '../src/util.mjs';
const tpl = await loadTemplates();
const dir='/tmp/pt/q'; fs.rmSync(dir,{recursive:true,force:true}); fs.mkdirSync(dir,{recursive:true});
fs.copyFileSync(tpl.libFile, dir+'/l.db');
const raw = openSqlite(Database, dir+'/l.db');
const agg = new Map();
const db = new Kysely({ dialect: new SqliteDialect({ database: raw }), log(e) { const k = e.query.sql.slice(0, 90); const a = agg.get(k) ?? { n: 0, ms: 0 }; a.n++; a.ms += e.queryDurationMillis; agg.set(k, a); } });
const tracker = createTracker({ db, salt: SALT });
const s = createStream(tpl.codes, 1);
const mode = process.argv[2] || 'batch';
const t = performance.now(); let n = 0;
while (performance.now() - t < 4000) {
  if (mode === 'batch') { const b = Array.from({ length: 1000 }, () => s.next()); await tracker.recordTracks(b.map((v) => v.input)); b.forEach((v) => s.confirm(v)); n += 1000; }
  else { const v = s.next(); await tracker.recordTrack(v.input); s.confirm(v); n++; }
}
const total = performance.now() - t;
console.log('per track µs', (total * 1000 / n).toFixed(0));
for (const [k, a] of [...agg].sort((x, y) => y[1].ms - x[1].ms)) console.log((a.ms * 1000 / n).toFixed(1).padStart(8), 'µs/track', String(a.n).padStart(7), k);
