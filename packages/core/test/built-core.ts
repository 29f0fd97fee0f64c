import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll } from 'vitest';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The core bundled once for child processes (as `npm run build` would), into a private directory
 * so that parallel builds of `dist` cannot interfere. `url()` is its import URL, after `beforeAll`.
 */
export function useBuiltCore(): { url(): string } {
  let dir = '';
  beforeAll(async () => {
    // Inside the repository, so that the bundle's imports of its dependencies resolve.
    dir = join(here('../../../node_modules/.cache/promo-track-test'), `core-${process.pid}-${Date.now()}`);
    await build({
      entry: { index: here('../src/index.ts') },
      format: ['esm'],
      outDir: dir,
      platform: 'node',
      target: 'node20',
      external: ['kysely', 'hashids', 'zod', 'standardwebhooks'],
      dts: false,
      clean: false,
      silent: true,
      config: false,
    });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { url: () => pathToFileURL(join(dir, 'index.js')).href };
}
