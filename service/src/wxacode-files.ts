import { createReadStream } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { RequestHandler } from 'express';

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** A stored code image never changes under its name (a new code gets a new key). */
const CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * Serves the mini-program code images stored under `dir` (GET and HEAD): the right content type,
 * a long cache lifetime, and 404 for anything that is not a regular file inside `dir` — `..`,
 * encoded slashes, symlinks that lead out, dotfiles, folders.
 */
export function serveWxacodeFiles(dir: string): RequestHandler {
  const root = resolve(dir);
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    try {
      const file = await locate(root, req.path);
      if (!file) return notFound(res);
      const type = TYPES[extname(file.path).toLowerCase()] ?? (await sniff(file.path));
      if (!type) return notFound(res);
      res.status(200);
      res.setHeader('Content-Type', type);
      res.setHeader('Content-Length', String(file.size));
      res.setHeader('Cache-Control', CACHE_CONTROL);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Last-Modified', file.mtime.toUTCString());
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file.path)
        .on('error', (error) => (res.headersSent ? res.destroy(error) : next(error)))
        .pipe(res);
    } catch (error) {
      next(error);
    }
  };
}

async function locate(root: string, urlPath: string): Promise<{ path: string; size: number; mtime: Date } | null> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const parts = relative.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p.startsWith('.') || p.includes('\\') || p.includes('\0'))) return null;
  const candidate = resolve(root, ...parts);
  try {
    // Compare real paths, so a symlink inside the folder cannot lead outside it.
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    if (!realFile.startsWith(realRoot + sep)) return null;
    const info = await stat(realFile);
    return info.isFile() ? { path: realFile, size: info.size, mtime: info.mtime } : null;
  } catch {
    return null;
  }
}

/** The image type from the first bytes, for a key without a known extension. */
async function sniff(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(12), 0, 12, 0);
    const b = buffer.subarray(0, bytesRead);
    if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
    if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
    if (b.length >= 6 && b.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
    if (b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP')
      return 'image/webp';
    return undefined;
  } finally {
    await handle.close();
  }
}

function notFound(res: Parameters<RequestHandler>[1]) {
  res.status(404).json({ error: { code: 'not_found', message: 'No such image.' } });
}
