import { copyFile, mkdir } from 'node:fs/promises';
import { defineConfig } from 'tsup';

// ES2017 for the mini-program runtime, Taro and uni-app. WeChat's npm build copies the folder named
// by package.json's `miniprogram` field as it is: there, the CommonJS build as `index.js`.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'es2017',
  platform: 'neutral',
  async onSuccess() {
    await mkdir('dist/miniprogram', { recursive: true });
    await copyFile('dist/index.cjs', 'dist/miniprogram/index.js');
  },
});
