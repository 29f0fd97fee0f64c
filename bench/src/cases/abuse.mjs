import { copies, openLibrary } from '../seed.mjs';
import { timedAsync } from '../measure.mjs';
import { check, createStream } from '../workload.mjs';

const ALL_ON = { sameDeviceHours: 24, sameIpHours: 24, maxBindingsPerHour: 30, maxNewUsersPerDevice: 3 };
const ALL_OFF = { sameDeviceHours: 0, sameIpHours: 0, maxBindingsPerHour: 0, maxNewUsersPerDevice: 0 };

/** Each user's phone and network: the same install id and address on every visit of theirs. */
const withSignals = (input) => ({
  ...input,
  signals: { device: `install-${input.userId}`, ip: `10.${(input.userId >> 16) & 255}.${(input.userId >> 8) & 255}.${input.userId & 255}` },
});

/**
 * The cost of the abuse checks: `recordTrack sqlite`'s stream, every visit with an IP and an install
 * id, through a tracker with all four checks on (signals hashed and stored, each binding checked under
 * its counter rows) beside one with all four off (nothing stored), each on its own copy of the seed.
 * The "twin" column is the library without checks; target ≥ 0.9.
 */
export const recordTrackSqliteAbuse = (() => {
  const name = 'recordTrack sqlite, abuse checks on vs off';
  let on, off, ops;
  return {
    name,
    unit: 'tracks',
    async setup(env) {
      on = openLibrary(copies(env.templates, env.dir, `${name} on`).libFile, { abuse: ALL_ON });
      off = openLibrary(copies(env.templates, env.dir, `${name} off`).libFile, { abuse: ALL_OFF });
      const codes = env.templates.codes;
      const run = (tracker, seed) => {
        const stream = createStream(codes, seed);
        return async () => {
          const v = stream.next();
          check(await tracker.recordTrack(withSignals(v.input)), v, 'library');
          stream.confirm(v);
          return 1;
        };
      };
      ops = { on: run(on.tracker, 47), off: run(off.tracker, 47) };
      await timedAsync(env.warmup, ops.on);
      await timedAsync(env.warmup, ops.off);
    },
    async round(i, env) {
      if (i % 2 === 0) {
        const lib = await timedAsync(env.seconds, ops.on);
        return { lib, twin: await timedAsync(env.seconds, ops.off) };
      }
      const twin = await timedAsync(env.seconds, ops.off);
      return { lib: await timedAsync(env.seconds, ops.on), twin };
    },
    async teardown() {
      await on?.close();
      await off?.close();
    },
  };
})();
