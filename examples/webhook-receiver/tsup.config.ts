import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/app.ts', 'src/start.ts'],
  format: ['esm'],
  clean: true,
  target: 'node20',
  platform: 'node',
});
