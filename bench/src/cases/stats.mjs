import path from 'node:path';
import Database from 'better-sqlite3';
import { fastLoad, openLibrary } from '../seed.mjs';
import { now, rng, median, latencySummary, log } from '../util.mjs';
import { OWNERS, SCENES } from '../workload.mjs';

const SIZES = [10_000, 100_000, 1_000_000];
const DAY_MS = 86_400_000;
const SPAN_DAYS = 90;

/**
 * `stats` at 10k, 100k and 1M tracks on one library database. The rows are written with plain
 * SQL into the library's own tables (1M through recordTracks would take minutes): 90 days of
 * visits, ~20% first visits (each with its binding), 2% through the crawler scene (excluded),
 * and one share per 20 visits.
 */
export const statsSqlite = (() => {
  const name = 'stats sqlite 1M tracks';
  return {
    name,
    unit: 'ms per call',
    standalone: true,
    async run(env) {
      const file = path.join(env.dir, 'stats-lib.db');
      const lib = openLibrary(file);
      await lib.tracker.migrate();
      const tpl = new Database(env.templates.libFile, { readonly: true });
      const promos = tpl.prepare('select * from promo order by id').all();
      tpl.close();
      const raw = lib.raw;
      fastLoad(raw);
      const insertPromo = raw.prepare(
        'insert into promo (id, user_id, promo_type, appid, promocode, wxbcode, page, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      raw.transaction(() => promos.forEach((p) => insertPromo.run(p.id, p.user_id, p.promo_type, p.appid, p.promocode, p.wxbcode, p.page, p.created_at)))();
      const codes = promos.map((p) => p.promocode);

      const insertTrack = raw.prepare(
        'insert into track (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) values (?, ?, null, ?, ?, ?, null, ?)',
      );
      const insertReferral = raw.prepare(
        'insert into referral (user_id, referrer, promocode, scene, track_id, bound_at) values (?, ?, ?, ?, ?, ?)',
      );
      const insertVisitor = raw.prepare('insert into visitor (user_id, first_seen_at) values (?, ?)');
      const insertShare = raw.prepare('insert into share (share_type, page, user_id, promocode, event_id, created_at) values (?, null, ?, ?, null, ?)');
      const r = rng(47);
      const start = Date.now() - SPAN_DAYS * DAY_MS;
      let users = 0;
      let written = 0;
      // Each step spreads its rows over the whole 90 days (in time order within the step), so
      // every size is the same period at a different traffic.
      const fill = raw.transaction((to) => {
        const from = written;
        for (; written < to; written++) {
          const at = start + Math.floor(((written - from) / (to - from)) * SPAN_DAYS * DAY_MS);
          const owner = 1 + r.int(OWNERS);
          const code = codes[owner - 1];
          const scene = r() < 0.02 ? '1129' : SCENES[r.int(SCENES.length)];
          const isNew = users === 0 || r() < 0.2;
          const userId = isNew ? 200_000 + ++users : 200_001 + r.int(users);
          const id = Number(insertTrack.run(isNew ? 1 : 2, scene, userId, code, owner, at).lastInsertRowid);
          if (isNew) {
            insertVisitor.run(userId, at);
            if (scene !== '1129') insertReferral.run(userId, owner, code, scene, id, at);
          }
          if (written % 20 === 0) insertShare.run(r.int(3), userId, code, at);
        }
      });

      const rq = rng(48);
      const calls = {
        'one promocode': () => lib.tracker.stats({ promocode: codes[rq.int(OWNERS)] }),
        'one user': () => lib.tracker.stats({ userId: 1 + rq.int(OWNERS) }),
        'global, last 7 days': () => lib.tracker.stats({ from: new Date(start + (SPAN_DAYS - 7) * DAY_MS) }),
        global: () => lib.tracker.stats({}),
      };
      const results = {};
      for (const size of SIZES) {
        const t0 = Date.now();
        fastLoad(raw);
        fill(size);
        raw.pragma('wal_checkpoint(TRUNCATE)');
        raw.pragma('synchronous = NORMAL');
        raw.pragma('cache_size = -2000');
        log(`  stats: ${size} tracks written in ${Date.now() - t0} ms`);
        for (const [label, call] of Object.entries(calls)) {
          const lat = [];
          const budget = now() + env.statsSeconds * 1e9;
          await call(); // warm
          while (lat.length < 3 || (now() < budget && lat.length < 2000)) {
            const t = now();
            const s = await call();
            if (!(s.visits >= 0)) throw new Error(`stats answered ${JSON.stringify(s)}`);
            lat.push(now() - t);
          }
          (results[label] ??= {})[size] = { ms: median(lat) / 1e6, lat };
        }
      }
      await lib.close();
      return results;
    },
  };
})();

export const STATS_SIZES = SIZES;
export { latencySummary };
