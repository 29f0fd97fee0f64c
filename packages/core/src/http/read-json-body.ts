import { HttpBodyError } from './errors.js';

/** The largest request body the adapters read: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A Node `Readable` (e.g. `IncomingMessage`) or any stream of bytes. */
export type BodyStream = AsyncIterable<Uint8Array | string> & { readableEnded?: boolean };

/**
 * Reads a request body and parses it as JSON: `undefined` for an empty body (or a stream someone
 * else already read), `HttpBodyError` `payload_too_large` past `limit` bytes and `invalid_json`
 * for anything that is not JSON.
 */
export async function readJsonBody(stream: BodyStream, { limit = MAX_BODY_BYTES }: { limit?: number } = {}): Promise<unknown> {
  if (stream.readableEnded) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.byteLength;
      // Past the limit, keep reading and drop the rest: answering before the client has sent
      // everything would reset its connection instead of showing it the 413.
      if (size <= limit) chunks.push(bytes);
    }
  } catch {
    // The client went away mid-body: half a body is not JSON (and no one is left to answer).
    throw new HttpBodyError('invalid_json', 'The request body could not be read to its end');
  }
  if (size > limit) throw new HttpBodyError('payload_too_large', `The request body is larger than ${limit} bytes`);
  return parseJsonBody(Buffer.concat(chunks));
}

/** A whole body's bytes as JSON (a BOM allowed): `undefined` when blank, else `invalid_json` for anything not JSON. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpBodyError('invalid_json', 'The request body is not valid JSON');
  }
}
