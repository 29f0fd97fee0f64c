import Database from 'better-sqlite3';
import fs from 'node:fs';
for (const f of ['l','t']) { fs.copyFileSync(`/tmp/pt/p2/${f}.db`, `/tmp/pt/q/${f}x.db`); }
const codes = new Database('/tmp/pt/q/tx.db').prepare('select promocode from promo order by user_id').pluck().all();
for (const f of ['lx','tx']) {
  const raw = new Database(`/tmp/pt/q/${f}.db`); raw.pragma('journal_mode=WAL'); raw.pragma('synchronous=NORMAL');
  const plain = raw.prepare(`insert into "track" (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) values (?,?,?,?,?,?,?,?) returning id`);
  const N = 5000; const t = performance.now();
  raw.prepare('begin').run();
  for (let i = 0; i < N; i++) { const o = 1 + (i * 7919) % 10000; plain.get(2, '1047', null, 100001 + (i * 104729) % 40000, codes[o - 1], o, null, Date.now()); }
  raw.prepare('commit').run();
  console.log(f, 'plain insert in one txn µs', ((performance.now() - t) * 1000 / N).toFixed(1));
  console.log(raw.prepare("select name, sql from sqlite_schema where tbl_name='track'").all().map(r=>r.sql).join('\n'));
  console.log(raw.prepare('pragma page_size').pluck().get(), raw.prepare('pragma page_count').pluck().get(), raw.prepare('select count(*) from track').pluck().get());
}
