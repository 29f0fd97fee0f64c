// Where a recordTrack's time goes, library beside twin: `node bench/src/diagnose.mjs` (after a
// build and one bench run, which seeds the templates). Per kind of visit it prints the wall time
// of a call, the part spent inside SQLite statements, and each statement's mean cost. The twin's
// BEGIN and COMMIT run inside better-sqlite3's transaction(), so they count as outside statements.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker, withStatementCache } from '@promo-track/core';
import { copies, loadTemplates } from './seed.mjs';
import { createSqliteTwin } from './twin-sqlite.mjs';
import { now, openSqlite } from './util.mjs';
import { createStream, SALT } from './workload.mjs';

const ROUNDS = 8;
const PER_ROUND = 5000;

/** A database whose statements add their time to `clock`, per SQL text. */
function timedDatabase(raw, clock) {
  return {
    close: () => raw.close(),
    transaction: (fn) => raw.transaction(fn),
    prepare(sql) {
      const statement = raw.prepare(sql);
      const timed =
        (method) =>
        (...args) => {
          const t = now();
          try {
            return statement[method](...args);
          } finally {
            clock.add(sql, now() - t);
          }
        };
      const proxy = new Proxy(statement, {
        get(target, key) {
          if (['all', 'get', 'run'].includes(key)) return timed(key);
          const value = Reflect.get(target, key);
          if (typeof value !== 'function') return value;
          // Native methods need the statement itself as `this`; chained ones (pluck) answer the proxy.
          return (...args) => {
            const result = value.apply(target, args);
            return result === target ? proxy : result;
          };
        },
      });
      return proxy;
    },
  };
}

function createClock() {
  let call = new Map();
  const kinds = {};
  return {
    add: (sql, ns) => call.set(sql, [(call.get(sql)?.[0] ?? 0) + ns, (call.get(sql)?.[1] ?? 0) + 1]),
    end(kind, wall) {
      const k = (kinds[kind] ??= { calls: 0, wall: 0, statements: new Map() });
      k.calls++;
      k.wall += wall;
      for (const [sql, [ns, n]] of call) {
        const s = k.statements.get(sql) ?? [0, 0];
        k.statements.set(sql, [s[0] + ns, s[1] + n]);
      }
      call = new Map();
    },
    report(side) {
      for (const [kind, k] of Object.entries(kinds)) {
        const inSql = [...k.statements.values()].reduce((a, [ns]) => a + ns, 0);
        const count = [...k.statements.values()].reduce((a, [, n]) => a + n, 0);
        const us = (ns) => (ns / k.calls / 1000).toFixed(1).padStart(6);
        console.log(
          `${side}, ${kind} visit: ${us(k.wall)} µs a call, ${us(inSql)} µs in ${(count / k.calls).toFixed(1)} statements, ${us(k.wall - inSql)} µs outside them`,
        );
        for (const [sql, [ns, n]] of k.statements)
          console.log(`   ${us(ns)} µs  ${(n / k.calls).toFixed(2)}×  ${sql.replace(/\s+/g, ' ').slice(0, 90)}`);
      }
    },
  };
}

const templates = await loadTemplates();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promo-track-diagnose-'));
const files = copies(templates, dir, 'diagnose');
const libClock = createClock();
const twinClock = createClock();
const libRaw = openSqlite(Database, files.libFile);
const db = new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(timedDatabase(libRaw, libClock)) }) });
const tracker = createTracker({ db, salt: SALT });
const twinRaw = openSqlite(Database, files.twinFile);
const twin = createSqliteTwin(timedDatabase(twinRaw, twinClock), SALT);
const libStream = createStream(templates.codes, 42);
const twinStream = createStream(templates.codes, 42);

for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < PER_ROUND; i++) {
    const v = libStream.next();
    const t = now();
    await tracker.recordTrack(v.input);
    libClock.end(v.expect.trackType === 1 ? 'new' : 'returning', now() - t);
    libStream.confirm(v);
  }
  for (let i = 0; i < PER_ROUND; i++) {
    const v = twinStream.next();
    const t = now();
    twin.recordTrack(v.input);
    const wall = now() - t;
    twinClock.end(v.expect.trackType === 1 ? 'new' : 'returning', wall);
    twinStream.confirm(v);
  }
}
libClock.report('promo-track');
twinClock.report('twin');
await db.destroy();
twinRaw.close();
fs.rmSync(dir, { recursive: true, force: true });
