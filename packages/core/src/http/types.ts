import type { HttpErrorCode } from './errors.js';

/** A request as the framework saw it, relative to the mount point. */
export interface HttpRequest<Raw = unknown> {
  method: string;
  /** The path below the mount point, without the query string and still URL-encoded, e.g. `/tracks/42/1`. */
  path: string;
  /** The query as the framework parsed it: a string per name, or an array when a name repeats. */
  query: Readonly<Record<string, unknown>>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** A body the host already parsed (`req.body`, `ctx.request.body`); `undefined` when it has not. */
  body?: unknown;
  /**
   * Reads and parses the body when the host has not, only for routes that take one. Throws an
   * `HttpBodyError` (`invalid_json`, `payload_too_large`); see `readJsonBody`.
   */
  readBody?: () => Promise<unknown>;
  /** The framework's own request object (Express `req`, Koa `ctx`), handed to `identify` and `admin`. */
  raw?: Raw;
}

export interface HttpResponse {
  status: number;
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
export type HttpHandler<Raw = unknown> = (request: HttpRequest<Raw>) => Promise<HttpResponse | null>;

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
   * Serves the operator dashboard at `GET /dashboard` below the mount (default `false`): charts of
   * `/stats` and `/leaderboard`, and a promocode search. The page is bundled into core (no CDN) and
   * reads only these routes. Who may open it follows `admin`: when `admin` (or `identify`) is set, only
   * requests for which `admin` answers true; when neither is, everyone who can reach the routes.
   */
  dashboard?: boolean;
}

export interface HttpErrorBody {
  error: { code: HttpErrorCode; message: string; issues?: { path: string; message: string }[] };
}
