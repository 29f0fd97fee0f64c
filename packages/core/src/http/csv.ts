import type { HttpResponse } from './types.js';

/** Excel reads a UTF-8 file as the local code page (GBK in Chinese locales) unless it starts so. */
const BOM = '\uFEFF';
/** Rows gathered into one chunk before it is written: fewer, larger writes. */
const ROWS_PER_CHUNK = 500;

export type CsvValue = string | number | null;

/**
 * One field, RFC 4180: quoted when it holds a comma, a quote, CR or LF, quotes doubled. A text that
 * a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`
 * (OWASP's CSV-injection advice): free text such as a track's `detail` comes from clients.
 */
export function csvField(value: CsvValue, text = false): string {
  if (value === null) return '';
  let s = String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A streamed `text/csv` answer: the BOM, the header row, then a row per item, CRLF-terminated. The
 * first item is read before answering, so a failure there (an unreachable database) is still an
 * error response, not a 200 with an empty file.
 */
export async function csvResponse<T>(
  filename: string,
  items: AsyncIterable<T>,
  header: readonly string[],
  row: (item: T) => string,
): Promise<HttpResponse> {
  const iterator = items[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* body(): AsyncGenerator<string> {
    let chunk = BOM + header.join(',') + '\r\n';
    let rows = 0;
    try {
      for (let next = first; !next.done; next = await iterator.next()) {
        chunk += row(next.value) + '\r\n';
        if (++rows === ROWS_PER_CHUNK) {
          yield chunk;
          chunk = '';
          rows = 0;
        }
      }
      if (chunk) yield chunk;
    } catch (error) {
      console.error(`[promo-track] GET ${filename} failed while streaming:`, error);
      throw error;
    } finally {
      // A client that went away stops the reads too.
      await iterator.return?.();
    }
  }
  return {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    },
    body: body(),
  };
}
