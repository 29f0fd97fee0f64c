import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const TESTS = ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'service/test/**/*.test.ts'];

/**
 * Files that assert on time (a p99 against a baseline, a back-off's spacing, a 5 s bound, throughput of
 * three processes against one, a budget's window): they run last, one at a time, so that other files'
 * load cannot make them fail. Every other file runs beside others (most wait on a database or a child).
 */
const TIMED = [
  'packages/core/test/heavy-reads.test.ts',
  'packages/core/test/webhooks-processes.test.ts',
  'packages/core/test/webhooks-delivery.test.ts',
  'packages/core/test/sqlite-busy.test.ts',
  'packages/core/test/codes-processes.test.ts',
  'packages/core/test/codes-queue.test.ts',
  'service/test/npm-start.test.ts',
];

export default defineConfig({
  resolve: {
    alias: {
      '@promo-track/core': src('./packages/core/src/index.ts'),
      '@promo-track/express': src('./packages/adapter-express/src/index.ts'),
      '@promo-track/koa': src('./packages/adapter-koa/src/index.ts'),
      '@promo-track/dashboard': src('./packages/dashboard/src/index.ts'),
      '@promo-track/miniprogram': src('./packages/miniprogram/src/index.ts'),
      '@promo-track/fastify': src('./packages/adapter-fastify/src/index.ts'),
      '@promo-track/fetch': src('./packages/adapter-fetch/src/index.ts'),
    },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'side-by-side', include: TESTS, exclude: TIMED, maxWorkers: 3, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timed', include: TIMED, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
