import { defineConfig } from 'tsup';

// The service is an application, not a library: one ESM file that `npm start` runs with node.
// Its dependencies (the promo-track packages, express, the drivers) stay external and load from
// node_modules.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
});
