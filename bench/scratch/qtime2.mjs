import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker } from '@promo-track/core';
import { withStatementCache } from './cache-wrap.mjs';
import { createStream, OWNERS } from '../src/workload.mjs';
const raw = new Database(':memory:');
const agg = new Map();
const db = new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(raw) }), log(e) { const k = e.query.sql.slice(0, 70); const a = agg.get(k) ?? { n: 0, ms: 0 }; a.n++; a.ms += e.queryDurationMillis; agg.set(k, a); } });
const t = createTracker({ db, salt: 'bench-salt-0123456789' });
await t.migrate();
const codes = []; for (let u = 1; u <= OWNERS; u++) codes.push((await t.getOrCreatePromo({ userId: u })).promocode);
await t.recordTracks(Array.from({length: 1000}, (_, i) => ({ userId: 100001 + i, promocode: codes[i], scene: '1047' })));
agg.clear();
const s1 = createStream(codes, 3);
let t0 = performance.now(), n = 0;
while (performance.now() - t0 < 3000) { const v = s1.next(); v.input.userId = v.expect.trackType === 1 ? v.input.userId : 100001 + (v.input.userId % 1000); await t.recordTrack(v.input); n++; }
const total = performance.now() - t0;
console.log('per track µs', (total * 1000 / n).toFixed(1));
for (const [k, a] of [...agg].sort((x, y) => y[1].ms - x[1].ms)) console.log((a.ms * 1000 / n).toFixed(1).padStart(8), 'µs/track', String(a.n).padStart(7), k);
