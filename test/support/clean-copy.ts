import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * A copy of the repository as a clone would have it: the files git tracks plus the ones it would
 * track (untracked, not ignored) — so no `dist/`, no `data/`, no `.turbo/`. Installing the
 * dependencies would take minutes here (better-sqlite3 compiles from source), so `node_modules`
 * is the workspace's, installed from the same lock file, linked entry by entry; only the
 * workspace's own packages are linked to the copy's folders, so `npm start` builds and runs the
 * copy's code.
 */
export function makeCleanCopy(prefix = 'promo-track-clean-'): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot })
    .toString()
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = join(repoRoot, file);
    if (!existsSync(from) || lstatSync(from).isDirectory()) continue; // deleted in the working tree, or a submodule
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(from, join(copy, file));
  }

  const modules = join(copy, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry === '@promo-track' || entry === '.cache') continue;
    symlinkSync(join(repoRoot, 'node_modules', entry), join(modules, entry));
  }
  mkdirSync(join(modules, '@promo-track'));
  for (const entry of readdirSync(join(repoRoot, 'node_modules/@promo-track'))) {
    // Relative links (as npm makes them), resolved inside the copy.
    const target = readlinkSync(join(repoRoot, 'node_modules/@promo-track', entry));
    symlinkSync(target, join(modules, '@promo-track', entry));
  }
  return copy;
}
