import { expect } from 'vitest';

/** The checks every consumer of mixed.mjs makes on its output. */
export function expectOneIdentity(result: {
  distinctBuilds: boolean;
  exported: string[];
  results: Record<string, unknown>;
  thrown: Record<string, boolean[]>;
  impostors: boolean[];
}): void {
  // Two copies of every class were loaded, so ordinary `instanceof` alone would fail.
  expect(result.distinctBuilds).toBe(true);
  expect(result.exported).toEqual(
    expect.arrayContaining([
      'TrackError',
      'ValidationError',
      'NotFoundError',
      'UnknownPromocodeError',
      'UnauthorizedError',
      'ForbiddenError',
      'StorageError',
      'NotMigratedError',
      'HttpBodyError',
      'WxacodeError',
    ]),
  );
  const all = { 'esm→esm': 'ok', 'esm→cjs': 'ok', 'cjs→esm': 'ok', 'cjs→cjs': 'ok' };
  expect(result.results).toEqual(Object.fromEntries(result.exported.map((name) => [name, all])));
  // [ValidationError, TrackError, UnknownPromocodeError, ValidationError] for a validation failure and an unknown code.
  for (const pair of ['esm→esm', 'esm→cjs', 'cjs→esm', 'cjs→cjs']) expect(result.thrown[pair], pair).toEqual([true, true, true, false]);
  expect(result.impostors.every((x) => x === false)).toBe(true);
}
