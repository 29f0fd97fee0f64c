import { HttpBodyError } from './errors.js';
import type { HttpRequest } from './types.js';

/**
 * The body a route reads: the one the host parsed, else the stream read by the adapter. A body the
 * adapter reads must be sent as `application/json` (415 otherwise): a cross-site form or a `no-cors`
 * fetch can send `text/plain`, a form or no type at all without the browser asking first, never JSON.
 */
export async function requestBody({ body, readBody, headers }: HttpRequest<unknown>): Promise<unknown> {
  if (!readBody || (body !== undefined && !isEmptyObject(body))) return body;
  // An empty object may be a parser's placeholder for a body it left unread (@koa/bodyparser does
  // this for content types it does not handle): then the stream still holds the body. A stream
  // the parser did read reads as `undefined`, and its `{}` stands.
  const type = contentType(headers);
  if (type !== undefined && !isJson(type)) {
    await readBody().catch(() => undefined); // read to its end, so the client sees the answer
    throw unsupported(`The request body must be sent as application/json, not ${type}`);
  }
  const encoding = encodingProblem(headers);
  if (encoding !== null) {
    await readBody().catch(() => undefined);
    throw unsupported(encoding);
  }
  let read: unknown;
  try {
    read = await readBody();
  } catch (error) {
    if (type === undefined && error instanceof HttpBodyError && error.code === 'invalid_json') throw unsupported();
    throw error;
  }
  if (type === undefined && read !== undefined) throw unsupported();
  return read === undefined ? body : read;
}

/**
 * Bodies are read as sent: one labelled compressed (`Content-Encoding: gzip`) is refused (415) whether
 * or not it is, rather than parsed as if it were not (or failing as JSON). `null` when it is plain.
 */
export function encodingProblem(headers: HttpRequest['headers']): string | null {
  const value = headers['content-encoding'];
  const encoding = (Array.isArray(value) ? value.join(', ') : value)?.trim();
  if (!encoding || encoding.toLowerCase() === 'identity') return null;
  return `The request body must be sent uncompressed, not with Content-Encoding: ${encoding.slice(0, 40)}`;
}

const unsupported = (message = 'The request has a body without a Content-Type: send it as application/json') =>
  new HttpBodyError('unsupported_media_type', message);

function contentType(headers: HttpRequest['headers']): string | undefined {
  const value = headers['content-type'];
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text : undefined;
}

/** `application/json`, with any parameters (`; charset=utf-8`), in any case. */
const isJson = (type: string) => type.split(';', 1)[0].trim().toLowerCase() === 'application/json';

const isEmptyObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
