import { ValidationError } from '../model/errors.js';

/** The query string of a request URL (`/a?b=1` → `b=1`), still percent-encoded; `''` without one. */
export function queryText(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1).split('#', 1)[0]!;
}

/**
 * Refuses a query whose percent-encoding is not well-formed UTF-8 (`%FF`, `%E4%B8`, a `%` without
 * two hex digits): the frameworks' parsers read those as U+FFFD, or leave them as sent, and either
 * would be stored as text the client never wrote. Each name or value concerned is an issue.
 */
export function checkQueryText(raw: string | undefined): void {
  if (!raw) return;
  const issues: { path: string; message: string }[] = [];
  for (const pair of raw.split('&')) {
    const at = pair.indexOf('=');
    const [name, value] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    const decodedName = decode(name);
    if (decodedName === null || decode(value) === null) {
      issues.push({ path: decodedName ?? name, message: 'is not well-formed percent-encoded UTF-8' });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
