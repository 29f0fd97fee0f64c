import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
const raw = new Database(process.argv[2]);
const db = new Kysely({ dialect: new SqliteDialect({ database: raw }), log(e){ if(e.level==='query'){ const q=e.query; console.log((e.queryDurationMillis).toFixed(1),'ms',q.sql.slice(0,300)); for (const r of raw.prepare('explain query plan '+q.sql).all(...q.parameters)) console.log('   ', r.detail);} } });
const { createTracker } = await import('@promo-track/core');
const t = createTracker({ db, salt: 'bench-salt-0123456789' });
await t.stats({ from: new Date(Date.now()-7*86400000) });
await t.stats({});
