import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker } from '@promo-track/core';
import { createSqliteTwin, TWIN_SCHEMA } from '../src/twin-sqlite.mjs';
import { createStream, OWNERS } from '../src/workload.mjs';
const raw = new Database(':memory:');
const db = new Kysely({ dialect: new SqliteDialect({ database: raw }) });
const t = createTracker({ db, salt: 'bench-salt-0123456789' });
await t.migrate();
const codes = []; for (let u = 1; u <= OWNERS; u++) codes.push((await t.getOrCreatePromo({ userId: u })).promocode);
const traw = new Database(':memory:'); traw.exec(TWIN_SCHEMA); const ins = traw.prepare('insert into promo (user_id, promocode, created_at) values (?,?,0)'); codes.forEach((c, i) => ins.run(i + 1, c));
const twin = createSqliteTwin(traw, 'x');
const s1 = createStream(codes, 3), s2 = createStream(codes, 3);
// earlier visitors
await t.recordTracks(Array.from({length: 1000}, (_, i) => ({ userId: 100001 + i, promocode: codes[i], scene: '1047' })));
for (let i = 0; i < 1000; i++) twin.recordTrack({ userId: 100001 + i, promocode: codes[i], scene: '1047' });
for (let r = 0; r < 3; r++) {
  let t0 = performance.now(), n = 0;
  while (performance.now() - t0 < 1500) { const v = s1.next(); v.input.userId = v.expect.trackType === 1 ? v.input.userId : 100001 + (v.input.userId % 1000); await t.recordTrack(v.input); n++; }
  const a = n / (performance.now() - t0) * 1000;
  t0 = performance.now(); n = 0;
  while (performance.now() - t0 < 1500) { const v = s2.next(); v.input.userId = v.expect.trackType === 1 ? v.input.userId : 100001 + (v.input.userId % 1000); twin.recordTrack(v.input); n++; }
  const b = n / (performance.now() - t0) * 1000;
  let t1 = performance.now(), m = 0; while (performance.now() - t1 < 700) { await t.getOrCreatePromo({ userId: 1 + (m % OWNERS) }); m++; } const c = m / (performance.now() - t1) * 1000;
  t1 = performance.now(); m = 0; while (performance.now() - t1 < 700) { twin.getOrCreatePromo({ userId: 1 + (m % OWNERS) }); m++; } const d = m / (performance.now() - t1) * 1000;
  console.log(':memory: recordTrack lib', a.toFixed(0), 'twin', b.toFixed(0), 'ratio', (a / b).toFixed(2), '| promo hit lib', c.toFixed(0), 'twin', d.toFixed(0), (c / d).toFixed(2));
}
