import Database from 'better-sqlite3';
const raw = new Database('/tmp/pt/q/l.db');
const sqls = {
 fold: `insert into "track" (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) select case when exists (select 1 from "visitor" where user_id = ?) then 2 else 1 end, ?, ?, ?, promocode, user_id, ?, ? from "promo" where promocode = ? returning id, track_type, referrer`,
 plain: `insert into "track" (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) values (?,?,?,?,?,?,?,?) returning id`,
 decision: `insert into "decision" ("user_id", "track_id", "promocode", "candidate", "outcome", "at") values (?, ?, ?, ?, ?, ?) returning "id"`,
 sel: `select user_id from promo where promocode = ?`,
 commit: 'commit', begin: 'begin immediate',
};
for (const [k, s] of Object.entries(sqls)) { const N = 3000; const t = performance.now(); for (let i = 0; i < N; i++) raw.prepare(s); console.log(k, ((performance.now() - t) * 1000 / N).toFixed(1), 'µs per prepare'); }
console.log(raw.prepare('select count(*) from sqlite_schema').pluck().get(), 'schema objects');
