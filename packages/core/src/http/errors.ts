import { brandErrorClass, ERROR_STATUS, isErrorClassInstance, TrackError, ValidationError } from '../errors.js';
import type { HttpErrorBody, HttpResponse } from './types.js';

/** The one table of error code → HTTP status: the tracker's own, plus what only HTTP can go wrong with. */
export const HTTP_ERROR_STATUS = {
  ...ERROR_STATUS,
  /** The body is not JSON (or was cut off). */
  invalid_json: 400,
  /** The body is larger than 1 MiB (`MAX_BODY_BYTES`). */
  payload_too_large: 413,
  /** An unexpected failure: reported to `onError` (or `console.error`), never described to the client. */
  internal: 500,
} as const;

/** Every `error.code` a response can carry: the tracker's codes plus the HTTP-only ones. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** A request body that could not be read: not JSON, or larger than the limit. */
export class HttpBodyError extends Error {
  /** `invalid_json` (400) or `payload_too_large` (413). */
  readonly code: 'invalid_json' | 'payload_too_large';
  /** The HTTP status of `code`. */
  readonly status: number;

  constructor(code: 'invalid_json' | 'payload_too_large', message: string) {
    super(message);
    this.name = 'HttpBodyError';
    this.code = code;
    this.status = HTTP_ERROR_STATUS[code];
  }

  /** `instanceof` holds across the ESM and CommonJS builds of the library. @hidden */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isErrorClassInstance(this, value);
  }
}
brandErrorClass(HttpBodyError);

export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

export function jsonResponse(status: number, body: unknown): HttpResponse {
  return { status, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}

/** Where an unexpected failure goes: the host's `onError`, else `console.error`. */
interface FailureContext<Raw> {
  method: string;
  path: string;
  raw: Raw;
  onError?: (error: unknown, raw: Raw) => void;
}

/**
 * Maps any failure to its response. Unknown failures go to the operator (`onError`, else
 * `console.error`) and are answered as a bare 500: their messages may carry SQL or internals.
 */
export function errorResponse<Raw>(error: unknown, context: FailureContext<Raw>): HttpResponse {
  if (error instanceof TrackError || error instanceof HttpBodyError) {
    const body: HttpErrorBody = { error: { code: error.code, message: error.message } };
    if (error instanceof ValidationError) body.error.issues = error.issues;
    return jsonResponse(HTTP_ERROR_STATUS[error.code], body);
  }
  report(error, context);
  const body: HttpErrorBody = { error: { code: 'internal', message: 'Internal server error' } };
  return jsonResponse(HTTP_ERROR_STATUS.internal, body);
}

function report<Raw>(error: unknown, { method, path, raw, onError }: FailureContext<Raw>): void {
  if (!onError) {
    console.error(`[promo-track] ${method} ${path} failed unexpectedly:`, error);
    return;
  }
  try {
    onError(error, raw);
  } catch (thrown) {
    // A failing logger must not turn the 500 into an unanswered request.
    console.error('[promo-track] onError threw while reporting a failure:', thrown, error);
  }
}
