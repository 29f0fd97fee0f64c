import { MAX_BODY_BYTES, readJsonBody } from './read-json-body.js';

/**
 * `readJsonBody` for a Web-standard `Request` (fetch handlers: Hono, Next.js, Bun, Deno): the same
 * 1 MiB limit and errors; `undefined` for a request without a body or one already read.
 */
export function readRequestJsonBody(request: Request, { limit = MAX_BODY_BYTES }: { limit?: number } = {}): Promise<unknown> {
  if (request.body === null || request.bodyUsed) return Promise.resolve(undefined);
  return readJsonBody(chunks(request.body), { limit });
}

async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
  } finally {
    reader.releaseLock();
  }
}
