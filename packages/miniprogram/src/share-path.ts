/** `path` with its `promocode` query parameter set to `code` (replacing one it already had). */
export function withPromocode(path: string, code: string): string {
  const [page, query] = path.split('?');
  const params = (query || '').split('&').filter((p) => p && p.indexOf('promocode=') !== 0);
  params.push('promocode=' + code);
  return page + '?' + params.join('&');
}
