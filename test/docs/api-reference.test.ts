/**
 * The API reference in docs/api is generated (`npm run docs`, TypeDoc with its markdown plugin)
 * and must be current: it is made again into a temporary folder and compared file by file. And
 * every export of the packages carries a doc comment, which the reference and the IDE show.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const committed = join(root, 'docs/api');
/** The packages' entry points, as typedoc.json lists them: every one is checked. */
const ENTRY_POINTS: string[] = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')).entryPoints;

const fresh = mkdtempSync(join(tmpdir(), 'promo-track-api-'));
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(relative(dir, path), readFileSync(path, 'utf8'));
  }
  return found;
}

it('docs/api is what `npm run docs` makes from the sources now', { timeout: 180_000 }, async () => {
  await run(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', fresh], { cwd: root });
  const made = files(fresh);
  const have = files(committed);
  expect(made.size).toBeGreaterThanOrEqual(4);
  const stale = [...new Set([...made.keys(), ...have.keys()])].filter((f) => made.get(f) !== have.get(f)).sort();
  expect(stale, 'docs/api is out of date: run `npm run docs` and commit docs/api').toEqual([]);
});

it('every export of the packages, and every member of an exported type, has a doc comment', () => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.docs.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  )!;
  expect(ENTRY_POINTS.length).toBeGreaterThanOrEqual(7);
  const program = ts.createProgram(
    ENTRY_POINTS.map((p) => join(root, p)),
    config.options,
  );
  const checker = program.getTypeChecker();
  const ours = (d: ts.Declaration) => {
    const file = relative(root, d.getSourceFile().fileName);
    return file.startsWith('packages/') && !file.includes('node_modules');
  };
  const documented = (symbol: ts.Symbol) =>
    symbol.getDocumentationComment(checker).length > 0 || (symbol.declarations ?? []).some((d) => ts.getJSDocTags(d).length > 0);
  const missing: string[] = [];
  for (const entry of ENTRY_POINTS) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(join(root, entry))!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = (symbol.declarations ?? []).filter(ours);
      if (declarations.length === 0) continue;
      const where = `${relative(root, declarations[0].getSourceFile().fileName)}: ${exported.name}`;
      if (!documented(symbol)) missing.push(where);
      // Members declared here (not those inherited from Error or the host's frameworks).
      if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) {
        for (const member of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
          const own = (member.declarations ?? []).filter(ours);
          if (own.length > 0 && !member.name.startsWith('__@') && !documented(member)) missing.push(`${where}.${member.name}`);
        }
      }
    }
  }
  expect(missing, 'exports without a doc comment').toEqual([]);
});
