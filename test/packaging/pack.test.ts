/**
 * The packages as a user gets them: build from a clean copy of the repository (so that no build
 * running at the same time in the working tree can change what is packed), `npm pack` the packages, install the tarballs into
 * a fresh folder outside the workspace (peers come from the registry / the local npm cache), then
 * import them from `.mjs`, require them from `.cjs`, and type-check `.ts` / `.cts` consumers with
 * the workspace's tsc: a correct call compiles, a wrong argument type fails naming its file.
 *
 * better-sqlite3 is the one thing not installed there: it would compile from source for minutes.
 * The consumer links the workspace's already-built copy instead (a host's driver, not ours: it is
 * an optional peer of core).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'acorn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCleanCopy } from '../support/clean-copy.js';
import { expectOneIdentity } from './expect-one-identity.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'consumer');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

const PACKAGES = [
  { name: '@promo-track/core', dir: 'packages/core' },
  { name: '@promo-track/express', dir: 'packages/adapter-express' },
  { name: '@promo-track/koa', dir: 'packages/adapter-koa' },
  { name: '@promo-track/dashboard', dir: 'packages/dashboard' },
  { name: '@promo-track/miniprogram', dir: 'packages/miniprogram' },
  { name: '@promo-track/fastify', dir: 'packages/adapter-fastify' },
  { name: '@promo-track/fetch', dir: 'packages/adapter-fetch' },
];

interface Packed {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

let work: string;
let source: string;
let consumer: string;
const packed: Packed[] = [];

const quiet = { env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } };

beforeAll(async () => {
  // The build every user's tarball comes from: the packages' own `build`, run by turbo from the root.
  source = makeCleanCopy('promo-track-pack-src-');
  await run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', ...PACKAGES.flatMap((p) => ['--filter', p.name])], {
    cwd: source,
    ...quiet,
  });

  work = mkdtempSync(join(tmpdir(), 'promo-track-pack-'));
  expect(work.startsWith(root)).toBe(false);
  const tarballs = join(work, 'tarballs');
  consumer = join(work, 'consumer');
  mkdirSync(tarballs);
  cpSync(fixtures, consumer, { recursive: true });

  // All at once (each its own tarball), kept in PACKAGES' order.
  const packs = PACKAGES.map((p) => run('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: join(source, p.dir), ...quiet }));
  for (const { stdout } of await Promise.all(packs)) packed.push(JSON.parse(stdout)[0]);

  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--ignore-scripts',
      ...packed.map((p) => join(tarballs, p.filename)),
      // What a host adds itself: the frameworks (peers), Kysely, and the frameworks' types.
      'express@^5',
      'koa@^3',
      'fastify@^5',
      'kysely@^0.28',
      '@types/express@^5',
      '@types/koa@^3',
    ],
    { cwd: consumer, ...quiet, timeout: 120_000 },
  );
  symlinkSync(join(root, 'node_modules/better-sqlite3'), join(consumer, 'node_modules/better-sqlite3'), 'dir');
}, 300_000);

afterAll(() => {
  // PROMO_TRACK_KEEP_PACK=1 leaves the consumer folder in place, to look into a failure.
  if (work && !process.env.PROMO_TRACK_KEEP_PACK) rmSync(work, { recursive: true, force: true });
  else if (work) console.log(`consumer kept in ${consumer}`);
  if (source) rmSync(source, { recursive: true, force: true });
  if (packed.length) {
    console.log(
      packed
        .map(
          (p) =>
            `${p.filename}: ${(p.size / 1024).toFixed(1)} kB packed, ${(p.unpackedSize / 1024).toFixed(1)} kB unpacked, ${p.files.length} files`,
        )
        .join('\n'),
    );
  }
});

describe('packed tarballs', () => {
  it('ship only dist and package.json (plus README / LICENSE, and the bin launcher of core), with ESM, CJS, .d.ts and .d.cts', () => {
    expect(packed.map((p) => p.name)).toEqual(PACKAGES.map((p) => p.name));
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(
        paths.filter(
          (f) =>
            !/^(dist\/|package\.json$|README\.md$|LICENSE$)/.test(f) && !(p.name === '@promo-track/core' && f === 'bin/promo-track.mjs'),
        ),
      ).toEqual([]);
      expect(paths).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']));
    }
  });

  it('carry a README (install, example, link to the reference), the LICENSE, and the metadata of an npm page', () => {
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    for (const p of packed) {
      expect(p.files.map((f) => f.path)).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
      // What npm shows is what was installed from the tarball.
      const installed = join(consumer, 'node_modules', p.name);
      expect(readFileSync(join(installed, 'LICENSE'), 'utf8'), p.name).toBe(license);
      const readme = readFileSync(join(installed, 'README.md'), 'utf8');
      expect(readme, p.name).toMatch(new RegExp(`^# ${p.name}\n`));
      expect(readme, p.name).toMatch(new RegExp(`npm install [^\n]*${p.name}`));
      expect(readme, p.name).toMatch(/```ts\n[\s\S]*from '@promo-track\/[\s\S]*```/);
      expect(readme, p.name).toMatch(/\[API reference\]\(https:\/\/[^)]+\/docs\/api\/README\.md\)/);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      expect(manifest.description, p.name).toMatch(/\w{3,}/);
      expect(manifest.license, p.name).toBe('MIT');
      expect(manifest.keywords?.length, p.name).toBeGreaterThan(2);
      expect(manifest.repository, p.name).toMatchObject({
        type: 'git',
        url: expect.stringMatching(/^git\+https:\/\/.+\.git$/),
        directory: PACKAGES.find((x) => x.name === p.name)!.dir,
      });
      expect(manifest.homepage, p.name).toMatch(/^https:\/\//);
    }
  });

  it('install together outside the workspace: the adapters and the dashboard take core from its tarball', () => {
    const installed = readdirSync(join(consumer, 'node_modules/@promo-track')).sort();
    expect(installed).toEqual(['core', 'dashboard', 'express', 'fastify', 'fetch', 'koa', 'miniprogram']);
    // One copy of core, so `instanceof TrackError` holds across packages.
    for (const dependent of ['express', 'koa', 'fastify', 'fetch', 'dashboard']) {
      expect(existsSync(join(consumer, `node_modules/@promo-track/${dependent}/node_modules/@promo-track/core`)), dependent).toBe(false);
    }
  });

  it('core no longer carries the dashboard: its page and Chart.js ship in @promo-track/dashboard only', () => {
    const [core, dashboard] = ['@promo-track/core', '@promo-track/dashboard'].map((name) => packed.find((p) => p.name === name)!);
    expect(core.files.filter((f) => /dashboard|assets/i.test(f.path))).toEqual([]);
    // Core alone was ~140 kB packed before conversions, rewards, abuse signals and code images (~206 kB
    // after); the dashboard's page and Chart.js would add about 100 kB more.
    expect(core.size).toBeLessThan(256 * 1024);
    expect(dashboard.size).toBeGreaterThan(100 * 1024); // Chart.js is inside
  });

  it('import from an .mjs file and serve the routes through Express, Koa, Fastify and the fetch handler', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: consumer });
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      format: 'esm',
      express: { status: 200, promocode: result.promocode },
      koa: { status: 200, promocode: result.promocode },
      dashboard: { express: 200, koa: 200, script: 200 },
      fastify: { status: 200, promocode: result.promocode },
      fetch: { status: 200, promocode: result.promocode, other: null },
      errors: true,
      scene1047: true,
      handler: 'function',
      miniprogram: 7, // the client's visit bound user 8 to user 7
    });
  });

  it('require from a .cjs file', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, ['cjs.cjs'], { cwd: consumer });
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      format: 'cjs',
      express: { status: 200, promocode: result.promocode },
      koa: { status: 200, promocode: result.promocode },
      dashboard: 200,
      fastify: { status: 200, promocode: result.promocode },
      fetch: { status: 200, promocode: result.promocode },
      errors: true,
      handler: 'function',
      miniprogram: 'function',
    });
  });

  it("@promo-track/miniprogram as WeChat's npm build takes it: its `miniprogram` folder, ES2017, CommonJS that requires nothing, running on wx alone", async () => {
    const dir = join(consumer, 'node_modules/@promo-track/miniprogram');
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    const entry = join(dir, manifest.miniprogram, 'index.js'); // what miniprogram_npm/@promo-track/miniprogram/index.js becomes
    // Every build parses as ES2017 (the syntax of later editions is a SyntaxError here).
    for (const [file, sourceType] of [
      [entry, 'script'],
      [join(dir, 'dist/index.cjs'), 'script'],
      [join(dir, 'dist/index.js'), 'module'],
    ] as const) {
      expect(() => parse(readFileSync(file, 'utf8'), { ecmaVersion: 2017, sourceType }), file).not.toThrow();
    }

    // The mini-program runtime: a CommonJS module, `wx` a global, no Node module to require.
    const requests: { method: string; url: string; data: unknown }[] = [];
    const storage = new Map<string, unknown>();
    const wx = {
      request(o: { method: string; url: string; data: unknown; success: (r: { statusCode: number; data: unknown }) => void }) {
        requests.push({ method: o.method, url: o.url, data: o.data });
        setTimeout(
          () => o.success(o.method === 'GET' ? { statusCode: 200, data: { promocode: 'Own9x' } } : { statusCode: 201, data: {} }),
          1,
        );
      },
      getStorageSync: (key: string) => storage.get(key) ?? '',
      setStorageSync: (key: string, value: unknown) => storage.set(key, value),
    };
    const module = { exports: {} as { createPromoClient: typeof import('@promo-track/miniprogram').createPromoClient } };
    const refuse = (name: string) => {
      throw new Error(`require('${name}')`);
    };
    new Function('module', 'exports', 'require', 'wx', readFileSync(entry, 'utf8'))(module, module.exports, refuse, wx);
    const client = module.exports.createPromoClient({ baseUrl: 'https://api.example.com/api', getUserId: () => 9 });
    client.onLaunch({ scene: 1047, query: { scene: 'AbCd1234' } });
    await client.flush();
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST https://api.example.com/api/tracks/batch',
      'GET https://api.example.com/api/tracks/9/1',
    ]);
    expect(requests[0].data).toEqual({ events: [expect.objectContaining({ user_id: 9, promocode: 'AbCd1234', scene: '1047' })] });
    expect(storage.get('promo-track')).toMatchObject({ q: [], u: 9, c: 'Own9x' });
  });

  it('import and require core in one process: every error class is one identity', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, ['mixed.mjs'], { cwd: consumer });
    expectOneIdentity(JSON.parse(stdout));
  });

  it('run `npx promo-track sql` in the host app: the schema for review, without a database', { timeout: 60_000 }, async () => {
    const { stdout } = await run('npx', ['--no-install', 'promo-track', 'sql', '--dialect', 'mysql', '--prefix', 'app_'], {
      cwd: consumer,
      ...quiet,
    });
    expect(stdout).toMatch(/^-- promo-track: the SQL tracker\.migrate\(\) runs on an empty mysql database/);
    expect(stdout).toMatch(/^create table `app_promo` \(.+\);$/m);
    expect(stdout).toMatch(/^insert into `app_promo_track_migration` .+'0001_init'.+;$/m);
  });

  it('type-check a correct .ts and .cts consumer with tsc', async () => {
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer }).catch((e) => e);
    expect(result.stdout).toBe('');
    expect(result.code ?? 0).toBe(0);
  }, 120_000);

  it('fail to type-check a wrong argument type, naming the file', async () => {
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.wrong.json'], { cwd: consumer }).then(
      () => ({ code: 0, stdout: '' }),
      (e) => e,
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/wrong\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 120_000);
});
