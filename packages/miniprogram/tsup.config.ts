import { defineConfig } from 'tsup';

// ES2017 for the mini-program runtime and its npm build (miniprogram_npm), Taro and uni-app.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'es2017',
  platform: 'neutral',
});
