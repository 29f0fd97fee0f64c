import { createHash } from 'node:crypto';

/** WeChat's `scene`: 1–32 visible characters out of digits, letters and `!#$&'()*+,/:;=?@-._~`. */
export const SCENE_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;

/**
 * The page as WeChat wants it: no leading `/`, no query (parameters belong in `scene`), no
 * surrounding blanks; `null` (WeChat's home page) when nothing is left.
 */
export function normalizePage(page: string | null | undefined): string | null {
  if (page == null) return null;
  const path = page.trim().split(/[?#]/, 1)[0].replace(/^\/+/, '');
  return path === '' ? null : path;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** The media type of `bytes` when the answer said nothing usable: PNG and JPEG are what WeChat sends. */
export function sniffImageType(bytes: Uint8Array): string | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

export function extensionOf(contentType: string): string {
  return (
    EXTENSIONS[contentType] ??
    (contentType
      .slice('image/'.length)
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 8) ||
      'img')
  );
}

/**
 * `<scene>-<hash>.<ext>`: the scene (characters outside `[A-Za-z0-9_-]` as `_`) for people
 * reading the folder, and 12 hex digits of a hash of everything that shapes the image (scene,
 * page, env_version, width, check_path). The hash keeps keys distinct where the scene alone
 * would not: promocodes differ by letter case, and a case-insensitive file system (macOS,
 * Windows) would otherwise put two promos' codes in one file; and a promo re-created with another
 * page gets a new URL instead of a long-cached stale image. The same request always gives the
 * same key, so a repeated or racing generation overwrites instead of leaving orphans.
 */
export function imageKey(request: Record<string, unknown> & { scene: string }, contentType: string): string {
  const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 12);
  return `${request.scene.replace(/[^A-Za-z0-9_-]/g, '_')}-${hash}.${extensionOf(contentType)}`;
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{1,32}-[0-9a-f]{12}\.[a-z0-9]{1,8}$/;

/**
 * The key of an image `imageKey` named, read back from the URL a store answered for it (its last
 * path segment, before any query: `baseUrl + key`, a CDN URL with `?v=…`, `memory://key` all work),
 * or `null` when the URL does not end in one of our keys (then nothing is deleted).
 */
export function keyFromUrl(url: string): string | null {
  if (typeof url !== 'string') return null;
  const path = url.replace(/[?#].*$/s, '');
  try {
    const last = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
    return KEY_PATTERN.test(last) ? last : null;
  } catch {
    return null;
  }
}
