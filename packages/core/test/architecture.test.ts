import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The import rules of docs/architecture.md, checked on the source itself.
const SRC = join(dirname(fileURLToPath(import.meta.url)), '../src');

/** Part of the house a file belongs to: its folder, or `tracker` for the files at the top. */
const partOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : 'tracker');

const MAY_IMPORT: Record<string, string[]> = {
  model: ['model'],
  schema: ['schema'],
  store: ['store', 'model', 'schema', 'days'],
  days: ['days'],
  wxacode: ['wxacode', 'model'],
  http: ['http', 'model', 'tracker', 'days'],
  tracker: ['tracker', 'model', 'store', 'schema', 'wxacode', 'webhooks', 'days'],
  cli: ['cli', 'store', 'schema', 'model'],
  webhooks: ['webhooks', 'model', 'store'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const files = sources(SRC).map((path) => ({ file: relative(SRC, path), text: readFileSync(path, 'utf8') }));

it('each part imports only the parts below it (index.ts exports them all)', () => {
  const broken: string[] = [];
  for (const { file, text } of files) {
    if (file === 'index.ts') continue;
    const part = partOf(file);
    for (const [, spec] of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(SRC, join(SRC, dirname(file), spec!));
      if (!(MAY_IMPORT[part] ?? []).includes(partOf(target))) broken.push(`${file} → ${target}`);
    }
  }
  expect(broken).toEqual([]);
});

it('no code outside store/dialects/ (and the frozen migrations) asks which database it talks to', () => {
  const asking = files
    .filter(({ file }) => !file.startsWith('store/dialects/') && !file.startsWith('schema/'))
    .filter(({ text }) => /[!=]==\s*'(sqlite|postgres|mysql)'|\b(d|dialect)\.name\s*[!=]==/.test(text))
    .map(({ file }) => file);
  expect(asking).toEqual([]);
});

it('no import circle between files', () => {
  const graph = new Map(
    files.map(({ file, text }) => [
      file,
      [...text.matchAll(/from '(\.[^']+)'/g)].map(([, spec]) => relative(SRC, join(SRC, dirname(file), spec!)).replace(/\.js$/, '.ts')),
    ]),
  );
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
