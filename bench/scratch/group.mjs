import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker } from '@promo-track/core';
const raw = new Database(':memory:');
const db = new Kysely({ dialect: new SqliteDialect({ database: raw }) });
const events = [];
const t = createTracker({ db, salt: 'salt-salt-salt', onEvent: (e) => events.push(e.type) });
await t.migrate();
const promos = await Promise.all([1, 2, 3].map((userId) => t.getOrCreatePromo({ userId })));
const calls = [];
for (let i = 0; i < 200; i++) {
  const bad = i % 7 === 3;
  calls.push(t.recordTrack({ userId: 100 + (i % 50), promocode: bad ? 'AAAAAAAAAAAAAAAA' : promos[i % 3].promocode, scene: 1047, eventId: i % 11 === 0 ? 'e' + (i % 50) : undefined }).then((tr) => ({ ok: true, tr }), (e) => ({ ok: false, e: e.code ?? e.message })));
}
const res = await Promise.all(calls);
const ok = res.filter((r) => r.ok).length, bad = res.filter((r) => !r.ok);
console.log('ok', ok, 'failed', bad.length, [...new Set(bad.map((b) => b.e))]);
const n = raw.prepare('select count(*) from track').pluck().get();
const nv = raw.prepare('select count(*) from visitor').pluck().get();
const nd = raw.prepare('select count(*) from decision').pluck().get();
const nr = raw.prepare('select count(*) from referral').pluck().get();
const t1 = raw.prepare('select count(*) from track where track_type = 1').pluck().get();
console.log({ tracks: n, visitors: nv, decisions: nd, referrals: nr, type1: t1, recorded: events.filter((e) => e === 'track.recorded').length, bound: events.filter((e) => e === 'referral.bound').length });
