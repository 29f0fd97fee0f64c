import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The import rules of docs/architecture.md, checked on the source itself.
const SRC = join(dirname(fileURLToPath(import.meta.url)), '../src');

/**
 * Part of the house a file belongs to: its top folder; `tracker` for the files at the top (and a
 * `tracker/` folder); inside `store/`, `store/dialects`, the store basics (`store/*.ts`), or a wing
 * (every other folder directly under `store/`, `store/<wing>`).
 */
function partOf(file: string): string {
  const [top, second, third] = file.split('/');
  if (second === undefined || top === 'tracker') return 'tracker';
  if (top !== 'store') return top!;
  if (third === undefined) return 'store/basics';
  return `store/${second}`;
}

const isWing = (part: string) => part.startsWith('store/') && part !== 'store/basics' && part !== 'store/dialects';
/** A wing's entry file: the only file of a wing that anything outside the wing may import. */
const isEntry = (file: string) => /^store\/[^/]+\/index\.ts$/.test(file);

/** Floors, lowest first: a file imports only from its own floor or below, never back up. */
const FLOOR: Record<string, number> = {
  model: 0,
  schema: 0,
  days: 0,
  'store/dialects': 1,
  'store/basics': 1,
  wxacode: 1,
  wing: 2,
  webhooks: 3,
  worker: 3,
  cli: 3,
  tracker: 4,
  http: 5,
};
const floorOf = (part: string) => FLOOR[isWing(part) ? 'wing' : part];

/** Parts each part may import besides itself; `wings` means a wing's entry file (index.ts) only. */
const MAY_IMPORT: Record<string, string[]> = {
  model: [],
  schema: [],
  days: [],
  wxacode: ['model'],
  'store/dialects': ['store/basics', 'model', 'schema', 'days'],
  'store/basics': ['store/dialects', 'model', 'schema', 'days'],
  wing: ['wings', 'store/basics', 'store/dialects', 'model', 'schema', 'days'],
  webhooks: ['wings', 'store/basics', 'model'],
  cli: ['wings', 'store/dialects', 'schema', 'model'],
  worker: ['wings', 'store/basics', 'model', 'webhooks', 'wxacode'],
  tracker: ['wings', 'store/basics', 'store/dialects', 'model', 'schema', 'days', 'wxacode', 'webhooks', 'worker'],
  http: ['model', 'tracker', 'days'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const files = sources(SRC).map((path) => ({ file: relative(SRC, path), text: readFileSync(path, 'utf8') }));

/** Every relative import and re-export of a file, as a path under src/ (`.ts`). */
const importsOf = (file: string, text: string) =>
  [...text.matchAll(/from '(\.[^']+)'/g)].map(([, spec]) => relative(SRC, join(SRC, dirname(file), spec!)).replace(/\.js$/, '.ts'));

/** Why `file` may not import `target`, or null when it may. */
function broken(file: string, target: string): string | null {
  const from = partOf(file);
  const to = partOf(target);
  if (from === to) return null;
  if (floorOf(to)! > floorOf(from)!) return 'from a lower floor back up';
  const allowed = MAY_IMPORT[isWing(from) ? 'wing' : from] ?? [];
  if (isWing(to))
    return allowed.includes('wings') && isEntry(target) ? null : `into the internals of the wing ${to}/ (import its index.ts)`;
  return allowed.includes(to) ? null : `${from} may not import ${to}`;
}

it('each part imports only the parts it may, never from a lower floor back up (index.ts exports them all)', () => {
  const found: string[] = [];
  for (const { file, text } of files) {
    if (file === 'index.ts') continue;
    for (const target of importsOf(file, text)) {
      const why = broken(file, target);
      if (why) found.push(`${file} → ${target}: ${why}`);
    }
  }
  expect(found).toEqual([]);
});

it('every folder directly under store/ but dialects/ is a wing with one entry file, index.ts', () => {
  const wings = readdirSync(join(SRC, 'store'), { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'dialects');
  expect(wings.length).toBeGreaterThan(0);
  expect(wings.filter((w) => !existsSync(join(SRC, 'store', w.name, 'index.ts'))).map((w) => w.name)).toEqual([]);
});

it('the wing rule itself: a wing reaching into another wing is refused, its index.ts is not', () => {
  expect(broken('store/shares/shares.ts', 'store/visits/reads.ts')).toMatch(/internals of the wing store\/visits/);
  expect(broken('store/shares/shares.ts', 'store/visits/index.ts')).toBeNull();
  expect(broken('tracker.ts', 'store/stats/rollups.ts')).toMatch(/internals/);
  expect(broken('store/dialects/sqlite.ts', 'store/visits/index.ts')).toMatch(/lower floor back up/);
  expect(broken('store/stats/rollups.ts', 'tracker.ts')).toMatch(/lower floor back up/);
});

it('no code outside store/dialects/ (and the frozen migrations) asks which database it talks to', () => {
  const asking = files
    .filter(({ file }) => !file.startsWith('store/dialects/') && !file.startsWith('schema/'))
    .filter(({ text }) => /[!=]==\s*'(sqlite|postgres|mysql)'|\b(d|dialect)\.name\s*[!=]==/.test(text))
    .map(({ file }) => file);
  expect(asking).toEqual([]);
});

it('no import circle between files', () => {
  const graph = new Map(files.map(({ file, text }) => [file, importsOf(file, text)]));
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') return void circles.push([...path.slice(path.indexOf(file)), file].join(' → '));
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  expect(circles).toEqual([]);
});
