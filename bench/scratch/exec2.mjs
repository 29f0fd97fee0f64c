import Database from 'better-sqlite3';
import fs from 'node:fs';
import { loadTemplates } from '../src/seed.mjs';
const tpl = await loadTemplates();
for (const f of ['lib','twin']) { for (const s of ['','-wal','-shm']) fs.rmSync(`/tmp/pt/q/${f}.db${s}`,{force:true}); fs.copyFileSync(f==='lib'?tpl.libFile:tpl.twinFile, `/tmp/pt/q/${f}.db`); }
const codes = tpl.codes;
for (const cache of [2000, 65536]) for (const f of ['lib','twin','lib','twin']) {
  const raw = new Database(`/tmp/pt/q/${f}.db`); raw.pragma('journal_mode=WAL'); raw.pragma('synchronous=NORMAL'); raw.pragma('cache_size=-'+cache);
  const plain = raw.prepare(`insert into "track" (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) values (?,?,?,?,?,?,?,?) returning id`);
  const N = 3000; const t = performance.now();
  raw.prepare('begin').run();
  for (let i = 0; i < N; i++) { const o = 1 + (i * 7919) % 10000; plain.get(2, '1047', null, 100001 + (i * 104729) % 40000, codes[o - 1], o, null, Date.now()); }
  raw.prepare('rollback').run();
  console.log(f, cache, 'insert µs', ((performance.now() - t) * 1000 / N).toFixed(1));
  raw.close();
}
