import path from 'node:path';
import Database from 'better-sqlite3';
import { fastLoad, openLibrary } from '../seed.mjs';
import { now, rng, median, latencySummary, log } from '../util.mjs';
import { OWNERS, SCENES } from '../workload.mjs';

const SIZES = [10_000, 100_000, 1_000_000];
const DAY_MS = 86_400_000;
const SPAN_DAYS = 90;

/**
 * `stats` (and the leaderboard) at 10k, 100k and 1M tracks on one library database. The rows are written with plain
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
      raw.transaction(() =>
        promos.forEach((p) => insertPromo.run(p.id, p.user_id, p.promo_type, p.appid, p.promocode, p.wxbcode, p.page, p.created_at)),
      )();
      const codes = promos.map((p) => p.promocode);

      // Plain SQL inside SQLite (a JS loop over 1M inserts takes too long for --quick).
      const start = Date.now() - SPAN_DAYS * DAY_MS;
      const scenes = [...SCENES.map((s) => `'${s}'`)];
      const sceneExpr = `case when abs(random()) % 50 = 0 then '1129' else (case abs(random()) % ${scenes.length} ${scenes
        .map((s, i) => `when ${i} then ${s}`)
        .join(' ')} end) end`;
      let written = 0;
      const fill = (to) => {
        const n = to - written;
        const lastId = raw.prepare('select coalesce(max(id), 0) from track').pluck().get();
        raw.transaction(() => {
          // Every 5th visit is a new visitor's first; the rest are earlier visitors returning.
          raw
            .prepare(
              `with recursive seq(i) as (select ${written} union all select i + 1 from seq where i < ${to - 1})
               insert into track (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at)
               select case when i % 5 = 0 then 1 else 2 end, ${sceneExpr}, null,
                      case when i % 5 = 0 then 200000 + i / 5 else 200000 + abs(random()) % (i / 5 + 1) end,
                      p.promocode, p.user_id, null, ${start} + (i - ${written}) * ${Math.floor((SPAN_DAYS * DAY_MS) / n)}
               from seq join promo p on p.user_id = 1 + abs(random()) % ${OWNERS} and p.promo_type = 1 and p.appid = ''`,
            )
            .run();
          raw
            .prepare(`insert into visitor (user_id, first_seen_at) select user_id, created_at from track where id > ? and track_type = 1`)
            .run(lastId);
          raw
            .prepare(
              `insert into referral (user_id, referrer, promocode, scene, track_id, bound_at)
               select user_id, referrer, promocode, scene, id, created_at from track where id > ? and track_type = 1 and scene <> '1129'`,
            )
            .run(lastId);
          raw
            .prepare(
              `insert into share (share_type, page, user_id, promocode, event_id, created_at)
               select abs(random()) % 3, null, user_id, promocode, null, created_at from track where id > ? and id % 20 = 0`,
            )
            .run(lastId);
        })();
        written = to;
      };

      const rq = rng(48);
      const calls = {
        'one promocode': () => lib.tracker.stats({ promocode: codes[rq.int(OWNERS)] }),
        'one user': () => lib.tracker.stats({ userId: 1 + rq.int(OWNERS) }),
        'global, last 7 days': () => lib.tracker.stats({ from: new Date(start + (SPAN_DAYS - 7) * DAY_MS) }),
        'global, last 30 days': () => lib.tracker.stats({ from: new Date(Date.now() - 30 * DAY_MS) }),
        global: () => lib.tracker.stats({}),
        // The operators' other global read: the top 10 promoters (a UTC midnight to the next, as the dashboard asks).
        'leaderboard, last 30 days': () => {
          const midnight = Math.floor(Date.now() / DAY_MS) * DAY_MS;
          return lib.tracker.leaderboard({ from: new Date(midnight - 29 * DAY_MS), to: new Date(midnight + DAY_MS), limit: 10 });
        },
        'leaderboard, all time': () => lib.tracker.leaderboard({ limit: 10 }),
      };
      const results = {};
      for (const size of SIZES) {
        const t0 = Date.now();
        fastLoad(raw);
        fill(size);
        // Rows written behind the library's back: its rollups of closed days and hours are rebuilt
        // from them (the first global call pays that, reported apart as "first call").
        for (const table of [
          'rollup_day',
          'rollup_scene',
          'rollup_share_type',
          'rollup_hour',
          'rollup_hour_scene',
          'rollup_hour_share_type',
          'rollup_referrals',
          'rollup_ref_visits',
          'rollup_hour_referrals',
          'rollup_hour_ref_visits',
        ]) {
          raw.prepare(`delete from ${table}`).run();
        }
        raw.pragma('wal_checkpoint(TRUNCATE)');
        raw.pragma('synchronous = NORMAL');
        raw.pragma('cache_size = -2000');
        log(`  stats: ${size} tracks written in ${Date.now() - t0} ms`);
        for (const [label, call] of Object.entries(calls)) {
          const lat = [];
          const budget = now() + env.statsSeconds * 1e9;
          // At least three calls (the first one warms the cache and may build rollups); more while the budget lasts.
          while (lat.length < 3 || (now() < budget && lat.length < 2000)) {
            const t = now();
            const s = await call();
            if (!(Array.isArray(s) ? s.length > 0 : s.visits >= 0)) throw new Error(`${label} answered ${JSON.stringify(s)}`);
            lat.push(now() - t);
          }
          const first = lat[0] / 1e6;
          lat.shift();
          (results[label] ??= {})[size] = { ms: median(lat) / 1e6, first, lat };
        }
      }
      await lib.close();
      return results;
    },
  };
})();

export const STATS_SIZES = SIZES;
export { latencySummary };
