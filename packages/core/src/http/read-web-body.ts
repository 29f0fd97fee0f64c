import { HttpBodyError } from './errors.js';
import { MAX_BODY_BYTES, parseJsonBody, readJsonBody } from './read-json-body.js';

/**
 * `readJsonBody` for a Web-standard `Request` (fetch handlers: Hono, Next.js, Bun, Deno): the same
 * 1 MiB limit and errors; `undefined` for a request without a body or one already read.
 */
export async function readRequestJsonBody(request: Request, { limit = MAX_BODY_BYTES }: { limit?: number } = {}): Promise<unknown> {
  if (request.bodyUsed) return undefined;
  // A declared length within the limit is read in one piece: the server holds the body to it, and
  // hosts read it faster than a stream (@hono/node-server from the socket, without a web stream).
  // Without one, or past the limit, the stream is counted as it comes (and drained before the 413).
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (!(declared <= limit)) return request.body === null ? undefined : readJsonBody(chunks(request.body), { limit });
  const bytes = new Uint8Array(await request.arrayBuffer().catch(unreadable));
  if (bytes.byteLength > limit) throw new HttpBodyError('payload_too_large', `The request body is larger than ${limit} bytes`);
  return parseJsonBody(bytes);
}

function unreadable(): never {
  // The client went away mid-body: half a body is not JSON (and no one is left to answer).
  throw new HttpBodyError('invalid_json', 'The request body could not be read to its end');
}

async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
  } finally {
    reader.releaseLock();
  }
}
