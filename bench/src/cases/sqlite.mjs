import { copies, openLibrary, openTwin } from '../seed.mjs';
import { timedAsync, timedConcurrent, timedSync } from '../measure.mjs';
import { rng } from '../util.mjs';
import { check, createStream, OWNERS } from '../workload.mjs';

/**
 * The in-process SQLite cases: one call in flight at a time on each side (the twin is
 * synchronous; the library is awaited), each side on its own copy of the seeded database.
 */
export function sqliteCase(name, unit, makeOps, { workers = 1, libOptions = {} } = {}) {
  let lib, twin, ops;
  return {
    name,
    unit,
    async setup(env) {
      const files = copies(env.templates, env.dir, name);
      lib = openLibrary(files.libFile, libOptions);
      twin = openTwin(files.twinFile);
      ops = makeOps(lib.tracker, twin.twin, env.templates.codes, twin.db);
      // Warm both sides up (JIT, page cache) before the first measured round.
      await timedAsync(env.warmup, ops.lib);
      timedSync(env.warmup, ops.twin);
    },
    async round(i, env) {
      const runLib = () => (workers > 1 ? timedConcurrent(env.seconds, workers, ops.lib) : timedAsync(env.seconds, ops.lib));
      const runTwin = () => timedSync(env.seconds, ops.twin);
      if (i % 2 === 0) {
        const l = await runLib();
        return { lib: l, twin: runTwin() };
      }
      const t = runTwin();
      return { lib: await runLib(), twin: t };
    },
    async teardown() {
      await lib?.close();
      twin?.close();
    },
  };
}

const recordTrackOps = (tracker, twin, codes) => {
  const libStream = createStream(codes, 42);
  const twinStream = createStream(codes, 42);
  return {
    async lib() {
      const v = libStream.next();
      check(await tracker.recordTrack(v.input), v, 'library');
      libStream.confirm(v);
      return 1;
    },
    twin() {
      const v = twinStream.next();
      check(twin.recordTrack(v.input), v, 'twin');
      twinStream.confirm(v);
      return 1;
    },
  };
};

export const recordTrackSqlite = sqliteCase('recordTrack sqlite', 'tracks', recordTrackOps);

/** The same stream with a webhook endpoint: its events go into the outbox in each visit's transaction. */
const endpoint = (events) => ({
  webhooks: [{ url: 'http://127.0.0.1:9/hooks', secret: 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA==', events }],
});
export const recordTrackSqliteBoundHook = sqliteCase('recordTrack sqlite, referral.bound webhook', 'tracks', recordTrackOps, {
  libOptions: endpoint(['referral.bound']),
});
export const recordTrackSqliteTrackHook = sqliteCase('recordTrack sqlite, track.recorded webhook', 'tracks', recordTrackOps, {
  libOptions: endpoint(['track.recorded']),
});

/**
 * 50 callers each awaiting one recordTrack after another (a server's requests, in process): the
 * library shares one COMMIT among the calls queued together; the synchronous twin runs them one
 * at a time whatever the number of callers.
 */
export const recordTrackSqliteConcurrent = sqliteCase(
  'recordTrack sqlite, 50 concurrent callers',
  'tracks',
  (tracker, twin, codes) => {
    const libStream = createStream(codes, 45);
    const twinStream = createStream(codes, 45);
    return {
      async lib() {
        const v = libStream.next();
        check(await tracker.recordTrack(v.input), v, 'library');
        libStream.confirm(v);
        return 1;
      },
      twin() {
        const v = twinStream.next();
        check(twin.recordTrack(v.input), v, 'twin');
        twinStream.confirm(v);
        return 1;
      },
    };
  },
  { workers: 50 },
);

/** findPromo of an existing code, against one prepared select by promocode. */
export const findPromoSqlite = sqliteCase('findPromo sqlite', 'calls', (tracker, _twin, codes, twinDb) => {
  const rl = rng(46);
  const rt = rng(46);
  const select = twinDb.prepare('select * from promo where promocode = ?');
  const checkPromo = (p, userId, where) => {
    if (!p || p.promocode !== codes[userId - 1] || (p.userId ?? p.user_id) !== userId) {
      throw new Error(`${where}: wrong promo for code of user ${userId}: ${JSON.stringify(p)}`);
    }
  };
  return {
    async lib() {
      const userId = 1 + rl.int(OWNERS);
      checkPromo(await tracker.findPromo(codes[userId - 1]), userId, 'library');
      return 1;
    },
    twin() {
      const userId = 1 + rt.int(OWNERS);
      const row = select.get(codes[userId - 1]);
      checkPromo(row && { ...row, createdAt: new Date(row.created_at) }, userId, 'twin');
      return 1;
    },
  };
});

const BATCH = 1000;
const batchOf = (stream) => Array.from({ length: BATCH }, () => stream.next());
/** A batch never names one new visitor twice, so every expectation holds inside it too. */
const checkBatch = (tracks, batch, stream, where) => {
  if (tracks.length !== batch.length) throw new Error(`${where}: ${tracks.length} tracks for ${batch.length} inputs`);
  batch.forEach((v, j) => check(tracks[j], v, where));
  batch.forEach((v) => stream.confirm(v));
};

export const recordTracksSqlite = sqliteCase(`recordTracks sqlite (${BATCH} per call)`, 'tracks', (tracker, twin, codes) => {
  const libStream = createStream(codes, 43);
  const twinStream = createStream(codes, 43);
  return {
    async lib() {
      const batch = batchOf(libStream);
      checkBatch(await tracker.recordTracks(batch.map((v) => v.input)), batch, libStream, 'library');
      return BATCH;
    },
    twin() {
      const batch = batchOf(twinStream);
      checkBatch(twin.recordTracks(batch.map((v) => v.input)), batch, twinStream, 'twin');
      return BATCH;
    },
  };
});

export const getOrCreatePromoHitSqlite = sqliteCase('getOrCreatePromo hit sqlite', 'calls', (tracker, twin, codes) => {
  const rl = rng(44);
  const rt = rng(44);
  const checkPromo = (p, userId, where) => {
    if (!p || p.userId !== userId || p.promocode !== codes[userId - 1] || p.promoType !== 1) {
      throw new Error(`${where}: wrong promo for user ${userId}: ${JSON.stringify(p)}`);
    }
  };
  return {
    async lib() {
      const userId = 1 + rl.int(OWNERS);
      checkPromo(await tracker.getOrCreatePromo({ userId }), userId, 'library');
      return 1;
    },
    twin() {
      const userId = 1 + rt.int(OWNERS);
      checkPromo(twin.getOrCreatePromo({ userId }), userId, 'twin');
      return 1;
    },
  };
});
