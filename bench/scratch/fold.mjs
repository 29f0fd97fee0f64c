import Database from 'better-sqlite3';
import fs from 'node:fs';
const dir = fs.readdirSync('node_modules/.cache/promo-track-bench')[0];
fs.copyFileSync(`node_modules/.cache/promo-track-bench/${dir}/lib-template.db`, '/tmp/pt/f.db'); const src = new Database('/tmp/pt/f.db'); src.pragma('journal_mode=DELETE');
const db = new Database(src.serialize());
const codes = db.prepare('select promocode from promo order by user_id').pluck().all();
const S = {
 fold: db.prepare(`insert into "track" (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) select case when exists (select 1 from "visitor" where user_id = ?) then 2 else 1 end, ?, ?, ?, promocode, user_id, ?, ? from "promo" where promocode = ? returning id, track_type, referrer`),
 foldNoRet: db.prepare(`insert into "track" (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) select case when exists (select 1 from "visitor" where user_id = ?) then 2 else 1 end, ?, ?, ?, promocode, user_id, ?, ? from "promo" where promocode = ?`),
 plain: db.prepare(`insert into "track" (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) values (?,?,?,?,?,?,?,?) returning id`),
 plainNoRet: db.prepare(`insert into "track" (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) values (?,?,?,?,?,?,?,?)`),
 dec: db.prepare(`insert into "decision" ("user_id", "track_id", "promocode", "candidate", "outcome", "at") values (?, ?, ?, ?, ?, ?) returning "id"`),
 decNoRet: db.prepare(`insert into "decision" ("user_id", "track_id", "promocode", "candidate", "outcome", "at") values (?, ?, ?, ?, ?, ?)`),
};
const N = 20000;
for (const round of [1, 2]) for (const [k, st] of Object.entries(S)) {
  const t = performance.now();
  for (let i = 0; i < N; i++) {
    const o = 1 + (i * 7919) % 10000, u = 100001 + (i * 104729) % 40000;
    if (k.startsWith('fold')) (st.reader ? st.all(u, '1047', null, u, null, Date.now(), codes[o - 1]) : st.run(u, '1047', null, u, null, Date.now(), codes[o - 1]));
    else if (k.startsWith('plain')) (st.reader ? st.all(2, '1047', null, u, codes[o - 1], o, null, Date.now()) : st.run(2, '1047', null, u, codes[o - 1], o, null, Date.now()));
    else (st.reader ? st.all(u, i, codes[o - 1], o, 'returning_user', Date.now()) : st.run(u, i, codes[o - 1], o, 'returning_user', Date.now()));
  }
  console.log(round, k, ((performance.now() - t) * 1000 / N).toFixed(2), 'µs');
}
