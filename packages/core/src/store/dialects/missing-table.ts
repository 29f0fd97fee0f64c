/**
 * "The library's tables are missing": SQLite's `no such table`, PostgreSQL's undefined_table
 * (42P01), MySQL's ER_NO_SUCH_TABLE (1146).
 */
export function isMissingTable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const { code, errno, message } = e as { code?: unknown; errno?: unknown; message?: unknown };
    if (code === '42P01' || code === 'ER_NO_SUCH_TABLE' || errno === 1146) return true;
    if (typeof message === 'string' && /^no such table: /.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
