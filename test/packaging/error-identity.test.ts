/**
 * One error identity across the ESM and CommonJS builds of core, in one process that both imports
 * and requires it (consumer/mixed.mjs). Here against the workspace's build (`npm test` builds
 * first); pack.test.ts runs the same script against the installed tarballs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { expectOneIdentity } from './expect-one-identity.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

it('errors made by either build are instanceof the classes of both (import and require in one process)', async () => {
  const dist = join(root, 'packages/core/dist/index.cjs');
  expect(existsSync(dist), 'packages/core is not built: run `npm run build` (npm test does)').toBe(true);
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'consumer/mixed.mjs')], { cwd: root });
  expectOneIdentity(JSON.parse(stdout));
});
