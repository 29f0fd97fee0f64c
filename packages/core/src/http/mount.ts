/**
 * For adapters without a mount of their own (Koa, fetch): the path below `prefix` (`/api`, `api/`
 * and `''` alike), or `null` outside it. `/api` owns `/api` and `/api/x`, not `/apix`.
 */
export function belowPrefix(prefix: string): (path: string) => string | null {
  const trimmed = prefix.replace(/\/+$/, '');
  const mount = trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (mount === '') return (path) => path;
  return (path) => {
    if (path === mount) return '/';
    return path.startsWith(`${mount}/`) ? path.slice(mount.length) : null;
  };
}
