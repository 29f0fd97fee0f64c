import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

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
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'service/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
