/**
 * The whole client, minified and gzipped, stays within 4 KB (the contract's limit), as a
 * mini-program's build would ship it: bundled from the source by esbuild for ES2017, in both
 * formats the package publishes. The figure is in the package README.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const LIMIT = 4096;

describe('bundle size', () => {
  it.each(['esm', 'cjs'] as const)('%s: at most 4096 bytes minified and gzipped, with nothing imported from outside', async (format) => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format,
      target: 'es2017',
      platform: 'neutral',
      write: false,
      metafile: true,
    });
    const code = result.outputFiles[0].contents;
    const gzipped = gzipSync(code, { level: 9 }).length;
    console.log(`@promo-track/miniprogram (${format}): ${code.length} bytes minified, ${gzipped} bytes gzipped`);
    expect(gzipped).toBeLessThanOrEqual(LIMIT);
    // No runtime dependencies: every input is the package's own source.
    expect(Object.keys(result.metafile.inputs).every((path) => path.includes('packages/miniprogram/src/'))).toBe(true);
  });
});
