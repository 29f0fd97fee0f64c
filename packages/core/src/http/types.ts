import type { Tracker } from '../model/types.js';

/** A request as the framework saw it, relative to the mount point. */
export interface HttpRequest<Raw = unknown> {
  /** The HTTP method, in any case (`GET`, `post`). */
  method: string;
  /** The path below the mount point, without the query string and still URL-encoded, e.g. `/tracks/42/1`. */
  path: string;
  /** The query as the framework parsed it: a string per name, or an array when a name repeats. */
  query: Readonly<Record<string, unknown>>;
  /**
   * The query string as sent (after `?`, still percent-encoded), when the adapter has it: a value
   * whose percent-encoding is not well-formed UTF-8 is then refused (`validation_failed`) instead of
   * read with U+FFFD in place of the broken bytes, as the frameworks' parsers do.
   */
  rawQuery?: string;
  /** The request headers, names in lower case (as Node's `IncomingMessage` has them). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** A body the host already parsed (`req.body`, `ctx.request.body`); `undefined` when it has not. */
  body?: unknown;
  /**
   * Reads and parses the body when the host has not, only for routes that take one. Throws an
   * `HttpBodyError` (`invalid_json`, `payload_too_large`); see `readJsonBody`. A body it reads must come as
   * `application/json` (else 415 `unsupported_media_type`); a body the host parsed is taken as it is.
   */
  readBody?: () => Promise<unknown>;
  /** The framework's own request object (Express `req`, Koa `ctx`), handed to `identify` and `admin`. */
  raw?: Raw;
  /**
   * The peer address of the connection (`req.socket.remoteAddress`): the client's IP, the `ip`
   * signal of tracking requests (docs/abuse.md), unless `trustProxy` takes it from `X-Forwarded-For`.
   */
  remoteAddress?: string;
}

/** What the adapter writes back: status, headers and the serialized body. */
export interface HttpResponse {
  /** The HTTP status code. */
  status: number;
  /** Response headers (`content-type`, `cache-control`, …), names in lower case. */
  headers: Record<string, string>;
  /**
   * The serialized body (JSON for every route but pages), or, for a streamed answer (the CSV
   * exports), its text in chunks: an adapter writes each chunk as it comes, minding backpressure,
   * and on a failure mid-way (the status is already sent) drops the connection, so the client sees
   * a truncated body rather than a complete-looking one. `typeof body === 'string'` tells them apart.
   */
  body: string | AsyncIterable<string>;
}

/**
 * Answers a request, or resolves to `null` when the route is not one of promo-track's, so that the
 * adapter hands it on to the host (`next()`). Never rejects: every failure becomes a response.
 */
export type HttpHandler<Raw = unknown> = ((request: HttpRequest<Raw>) => Promise<HttpResponse | null>) & {
  /** Every route it answers, e.g. `{ method: 'GET', path: '/users/:user_id/referrer' }`. */
  readonly routes: readonly HttpRoute[];
};

/** A route the handler answers. */
export interface HttpRoute {
  /** The HTTP method in upper case, e.g. `GET`. */
  readonly method: string;
  /** The pattern below the mount point, `:name` for a parameter (Express, Koa and Fastify syntax). */
  readonly path: string;
}

/**
 * Options of `createHttpHandler`, and so of every adapter (`createExpressRouter`,
 * `createKoaMiddleware`). `Raw` is the framework's request object (Express `req`, Koa `ctx`).
 */
export interface HttpHandlerOptions<Raw = unknown> {
  /**
   * The authenticated user's id, or `undefined` when there is none (→ 401 `unauthorized`). When set,
   * a body without `user_id` acts for that user, and a request naming another user id gets 403
   * `forbidden` unless `admin` answers true.
   */
  identify?: (raw: Raw) => number | undefined | Promise<number | undefined>;
  /**
   * True for an operator. When set (or when `identify` is), `GET /stats` without `user_id`,
   * `GET /leaderboard` and `DELETE /users/:user_id` need it to answer true.
   */
  admin?: (raw: Raw) => boolean | Promise<boolean>;
  /**
   * Receives every unexpected failure (each one answered 500 `internal`) with the framework's
   * request, for the host's logger (pino, winston…). Default: `console.error`. Errors with a
   * contract code (400, 404, 503…) are answers, not failures, and do not come here.
   */
  onError?: (error: unknown, raw: Raw) => void;
  /**
   * Routes added beside the contract's, under the same mount and the same `identify`/`admin` rules,
   * e.g. `[dashboard()]` from `@promo-track/dashboard`. A path that a contract route also matches is the contract's.
   */
  plugins?: readonly Plugin[];
  /**
   * The client's IP, which tracking requests carry as their `ip` signal (replacing any in the body),
   * is the left-most address of `X-Forwarded-For` when true (behind a proxy that sets it), else the
   * connection's peer address, and that header is ignored. Default false.
   */
  trustProxy?: boolean;
}

/** A set of routes that `createHttpHandler` serves beside its own (see `HttpHandlerOptions.plugins`). */
export interface Plugin {
  /** Names the plugin in configuration errors, e.g. `'dashboard'`. */
  name: string;
  /** The routes it adds, below the adapter's mount. */
  routes: readonly PluginRoute[];
}

/** One route of a `Plugin`. */
export interface PluginRoute {
  /** Plugins serve pages and reads; writes go through the contract's routes. */
  method: 'GET';
  /** Below the mount, e.g. `/dashboard/:asset`; a `:name` segment arrives percent-decoded in `params`. */
  path: string;
  /** For operators only, by the rule of `GET /leaderboard`: `admin` must answer true once `admin` or `identify` is set. */
  admin?: boolean;
  /** Answers the request once the access rules let it through; a thrown `TrackError` keeps its code, any other throw is 500 `internal`. */
  handle(request: PluginRequest): HttpResponse | Promise<HttpResponse>;
  /** The answer to a caller the access rules refuse (401 or 403), e.g. an HTML page; by default the contract's JSON error. */
  refused?(status: 401 | 403): HttpResponse;
}

/** What a `PluginRoute` handler is given. */
export interface PluginRequest {
  /** The tracker the handler serves, for the plugin's reads. */
  tracker: Tracker;
  /** The path below the mount, as sent (e.g. with its trailing slash). */
  path: string;
  /** The values of the route's `:name` segments, percent-decoded. */
  params: Readonly<Record<string, string>>;
  /** The query as the framework parsed it (see `HttpRequest.query`). */
  query: Readonly<Record<string, unknown>>;
}
