// Where a recordConversion's time goes, with and without reward rules: `node bench/src/diagnose-conversions.mjs`
// (after a build and one bench run, which seeds the templates). Prints calls per second, the
// statements per call and each statement's share; run under `node --cpu-prof` for a profile.
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker, withStatementCache } from '@promo-track/core';
import { loadTemplates } from './seed.mjs';
import { copyDb, now, openSqlite, rng, scratchDir } from './util.mjs';
import { SALT, SEED_BASE, SEED_VISITORS } from './workload.mjs';

const CALLS = Number(process.env.CALLS ?? 4000);
const THREE_RULES = [
  { id: 'order_cash', on: { conversion: 'order' }, to: 'referrer', amount: 1000, holdDays: 7 },
  { id: 'order_pct', on: { conversion: 'order' }, to: 'referrer', percent: 5, cap: { count: 100, per: 'month' } },
  { id: 'first_order', on: { conversion: 'order' }, to: 'referee', amount: 500, firstOnly: true },
];

async function measure(label, templates, rewards) {
  const file = copyDb(templates.libFile, path.join(scratchDir(), `${label}.db`));
  const raw = openSqlite(Database, file);
  const statements = new Map();
  const cached = withStatementCache(raw);
  // The library's database as the bench opens it, each statement's calls and time counted per SQL text.
  const database = new Proxy(cached, {
    get(target, key) {
      if (key !== 'prepare') return Reflect.get(target, key);
      return (sql) => {
        const s = target.prepare(sql);
        const wrap =
          (m) =>
          (...a) => {
            const t = now();
            try {
              return s[m](...a);
            } finally {
              const e = statements.get(sql) ?? { n: 0, ns: 0 };
              e.n++;
              e.ns += now() - t;
              statements.set(sql, e);
            }
          };
        return new Proxy(s, { get: (t, k) => (['all', 'get', 'run', 'iterate'].includes(k) ? wrap(k) : Reflect.get(t, k)) });
      };
    },
  });
  const db = new Kysely({ dialect: new SqliteDialect({ database }) });
  const tracker = createTracker({ db, salt: SALT, ...(rewards ? { rewards } : {}) });
  await tracker.migrate();
  const r = rng(7);
  let n = 0;
  const call = () =>
    tracker.recordConversion({
      userId: SEED_BASE + 1 + r.int(SEED_VISITORS),
      type: 'order',
      orderId: `o-${++n}`,
      amount: 1000 + r.int(100_000),
    });
  for (let i = 0; i < 500; i++) await call();
  statements.clear();
  const t = now();
  for (let i = 0; i < CALLS; i++) await call();
  const ns = now() - t; // now() counts nanoseconds
  const inside = [...statements.values()].reduce((s, e) => s + e.ns, 0);
  const count = [...statements.values()].reduce((s, e) => s + e.n, 0);
  console.log(
    `\n${label}: ${Math.round((CALLS / ns) * 1e9)} calls/s, ${(ns / CALLS / 1000).toFixed(0)} µs a call, ${(count / CALLS).toFixed(2)} statements a call, ${(inside / CALLS / 1000).toFixed(0)} µs in SQLite`,
  );
  for (const [sql, e] of [...statements].sort((a, b) => b[1].n - a[1].n))
    console.log(`  ${(e.n / CALLS).toFixed(2)}× ${(e.ns / e.n / 1000).toFixed(1)} µs  ${sql.replace(/\s+/g, ' ').slice(0, 150)}`);
  await db.destroy();
}

const templates = await loadTemplates();
const which = process.argv[2] ?? 'both';
if (which !== 'rules') await measure('no rules', templates, null);
if (which !== 'plain') await measure('three rules', templates, THREE_RULES);
