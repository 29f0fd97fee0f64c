/**
 * The README says Node 20 or later: `npm install` on Node 20 must print no EBADENGINE warning, so
 * no package the lockfile installs may ask for a newer Node (npm warns for exactly these).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: unknown }>;
};
const minimum = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

it(`every package in package-lock.json accepts Node 20 (the root's engines: ${minimum})`, () => {
  const oldest = semver.minVersion(minimum)!.version;
  expect(oldest).toBe('20.0.0');
  // npm compares with the running Node; a range that accepts 20.x from some minor on is fine on the Node 20 the README names.
  const node20 = [oldest, '20.19.0', process.version.startsWith('v20.') ? process.version : '20.20.0'];
  const refusing = Object.entries(lock.packages)
    .filter(([, pkg]) => {
      const engines = pkg.engines as { node?: string } | undefined;
      const range = engines && typeof engines === 'object' && !Array.isArray(engines) ? engines.node : undefined;
      return typeof range === 'string' && !node20.some((v) => semver.satisfies(v, range));
    })
    .map(([path, pkg]) => `${path}@${pkg.version}: node ${(pkg.engines as { node: string }).node}`);
  expect(refusing).toEqual([]);
});
