import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { WxacodeStore } from '../model/wxacode.js';

/** Options of `createFileStore`: the folder images are written to and the URL it is served under. */
export interface FileStoreOptions {
  /** The folder the images are written to (created when missing). */
  dir: string;
  /** The URL under which `dir` is served, e.g. `https://example.com/wxacode/`. */
  baseUrl: string;
}

function fail(option: string, problem: string, fix: string): never {
  throw new TypeError(`promo-track: createFileStore option \`${option}\` ${problem}. ${fix}`);
}

/**
 * Keeps images as files under `dir` and answers `baseUrl` + key (one `/` between them). A write
 * goes to a temporary file in the same folder and is renamed into place, so a reader sees the
 * old file or the new one, never half of one. A key that would leave `dir` is refused.
 */
export function createFileStore(options: FileStoreOptions): WxacodeStore {
  if (!options || typeof options !== 'object') fail('options', 'is missing', 'Pass `{ dir, baseUrl }`.');
  const { dir, baseUrl } = options;
  if (typeof dir !== 'string' || dir.trim() === '') fail('dir', 'is missing', 'Pass the folder for the images (e.g. from WXACODE_DIR).');
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '') {
    fail('baseUrl', 'is missing', 'Pass the URL under which `dir` is served (e.g. from WXACODE_BASE_URL).');
  }
  const root = resolve(dir);
  const rootWithSep = root.endsWith(sep) ? root : root + sep;
  const prefix = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;

  const pathOf = (key: string): string => {
    const segments = typeof key === 'string' ? key.split('/') : [];
    const valid =
      typeof key === 'string' &&
      key.length > 0 &&
      key.length <= 255 &&
      !key.includes('\\') &&
      !key.includes('\0') &&
      !isAbsolute(key) &&
      segments.every((s) => s !== '' && s !== '.' && s !== '..');
    const path = valid ? resolve(root, key) : '';
    const inside = valid && !relative(root, path).startsWith('..') && path.startsWith(rootWithSep);
    if (!inside) throw new RangeError(`promo-track: file store key ${JSON.stringify(key)} is not a relative path inside ${root}`);
    return path;
  };

  return {
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temp, bytes, { flag: 'wx', mode: 0o644 });
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw error;
      }
      return prefix + key.split('/').map(encodeURIComponent).join('/');
    },

    async delete(key) {
      const path = pathOf(key);
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
  };
}
