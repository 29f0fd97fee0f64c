import { defineConfig } from 'tsup';

export default defineConfig({
  // `cli` is the `promo-track` command, loaded by bin/promo-track.mjs; only `index` is the API.
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  target: 'node20',
});
