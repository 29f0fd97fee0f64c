// One process that both imports (ESM build) and requires (CommonJS build) @promo-track/core, as an
// app does when one of its dependencies is CommonJS. Every error class must be one identity: an
// error made by either build is `instanceof` the classes of both. Prints one JSON line.
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import * as esm from '@promo-track/core';

const cjs = createRequire(import.meta.url)('@promo-track/core');

// How to make one error of each exported class, from a build's exports.
const make = {
  TrackError: (m) => new m.TrackError('not_found', 'x'),
  ValidationError: (m) => new m.ValidationError([{ path: 'track_type', message: 'expected 1 or 2' }]),
  NotFoundError: (m) => new m.NotFoundError(),
  ConflictError: (m) => new m.ConflictError('x'),
  UnknownPromocodeError: (m) => new m.UnknownPromocodeError('abc12345'),
  UnauthorizedError: (m) => new m.UnauthorizedError(),
  ForbiddenError: (m) => new m.ForbiddenError(),
  StorageError: (m) => new m.StorageError(),
  NotMigratedError: (m) => new m.NotMigratedError(),
  HttpBodyError: (m) => new m.HttpBodyError('invalid_json', 'x'),
  WxacodeError: (m) => new m.WxacodeError({ api: 'stable_token', kind: 'network', errmsg: 'x' }),
};

// Every exported Error class, so that a new one missing from `make` shows up in the result.
const exported = Object.keys(esm)
  .filter((name) => typeof esm[name] === 'function' && esm[name].prototype instanceof Error)
  .sort();
const builds = { esm, cjs };
const distinctBuilds = esm.TrackError !== cjs.TrackError && esm.ValidationError !== cjs.ValidationError;

// For each class C and each pair of builds (maker, checker): is an error made as C by `maker`
// an instance of C as `checker` exports it, and of exactly the classes it should be?
const results = {};
for (const name of exported) {
  if (!make[name]) {
    results[name] = 'no factory';
    continue;
  }
  const checks = {};
  for (const [makerName, maker] of Object.entries(builds)) {
    const error = make[name](maker);
    for (const [checkerName, checker] of Object.entries(builds)) {
      const wrongly = exported.filter((other) => {
        const expected = other === name || (other === 'TrackError' && error instanceof maker.TrackError);
        return error instanceof checker[other] !== expected;
      });
      checks[`${makerName}→${checkerName}`] = wrongly.length === 0 ? 'ok' : `wrong for ${wrongly.join(', ')}`;
    }
  }
  results[name] = checks;
}

// And real ones: a call rejected by a tracker of one build, caught by the other build's classes.
const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
const thrown = {};
for (const [makerName, maker] of Object.entries(builds)) {
  const tracker = maker.createTracker({ db, salt: 'mixed-salt-123' });
  await tracker.migrate();
  const invalid = await tracker.getOrCreatePromo({ userId: -1 }).catch((e) => e);
  const unknown = await tracker.recordTrack({ userId: 2, promocode: 'NoSuchCode99', scene: 1047 }).catch((e) => e);
  for (const [checkerName, checker] of Object.entries(builds)) {
    thrown[`${makerName}→${checkerName}`] = [
      invalid instanceof checker.ValidationError,
      invalid instanceof checker.TrackError,
      unknown instanceof checker.UnknownPromocodeError,
      unknown instanceof checker.ValidationError,
    ];
  }
}
await db.destroy();
// A plain Error and look-alike objects are no TrackError, in either build.
const plain = [new Error('plain'), { name: 'TrackError', code: 'not_found' }, Object.create(null), null, 'TrackError'];
const impostors = plain.flatMap((value) => [value instanceof esm.TrackError, value instanceof cjs.ValidationError]);

console.log(
  JSON.stringify({
    distinctBuilds,
    exported,
    results,
    thrown,
    impostors,
  }),
);
