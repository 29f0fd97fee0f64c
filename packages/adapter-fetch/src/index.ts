/** promo-track's routes as a Web-standard `Request → Response` handler. @packageDocumentation @module @promo-track/fetch */
import { Readable } from 'node:stream';
import { belowPrefix, createHttpHandler, type HttpHandlerOptions, readRequestJsonBody, type Tracker } from '@promo-track/core';

/** Options of `createFetchHandler`: `prefix`, and `identify`, `admin`, `onError`, `plugins` given the `Request`. */
export interface FetchHandlerOptions extends HttpHandlerOptions<Request> {
  /** The path under which the routes answer, e.g. `/api`. Default `''`. */
  prefix?: string;
}

/** Answers promo-track's routes, or `null` for a request that is not one of them (the host's to answer). */
/**
 * `info.remoteAddress`: the connection's peer address, which a `Request` does not carry (Bun:
 * `server.requestIP(request)?.address`; Deno: `info.remoteAddr.hostname`; `@hono/node-server`:
 * `c.env.incoming.socket.remoteAddress`). Without it, tracking requests carry no `ip` signal unless
 * `trustProxy` reads `X-Forwarded-For`.
 */
export type FetchHandler = (request: Request, info?: { remoteAddress?: string }) => Promise<Response | null>;

/** For Hono, Next.js route handlers, Bun and Deno: `createFetchHandler(tracker, { prefix: '/api' })`. */
export function createFetchHandler(tracker: Tracker, { prefix = '', ...options }: FetchHandlerOptions = {}): FetchHandler {
  const below = belowPrefix(prefix);
  const handle = createHttpHandler<Request>(tracker, options);
  return async (request, info) => {
    const url = new URL(request.url);
    const path = below(url.pathname);
    if (path === null) return null;
    const response = await handle({
      method: request.method,
      path,
      query: queryOf(url.searchParams),
      rawQuery: url.search.slice(1),
      headers: headersOf(request.headers),
      readBody: () => readRequestJsonBody(request),
      raw: request,
      remoteAddress: info?.remoteAddress,
    });
    if (!response) return null;
    // An empty body is none: a Response with a 204 or 304 status must not have one. Exports stream.
    const body =
      typeof response.body === 'string' ? response.body || null : (Readable.toWeb(Readable.from(bytes(response.body))) as ReadableStream);
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

async function* bytes(chunks: AsyncIterable<string>) {
  for await (const chunk of chunks) yield Buffer.from(chunk);
}

function headersOf(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => (record[name] = value));
  return record;
}

/** A string per name, an array when a name repeats (as Express and Koa parse a query). */
function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    query[name] = values.length === 1 ? values[0] : values;
  }
  return query;
}
