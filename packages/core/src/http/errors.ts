import {
  brandErrorClass,
  ConflictError,
  ERROR_STATUS,
  isErrorClassInstance,
  TrackError,
  UnknownPromocodeError,
  ValidationError,
} from '../model/errors.js';
import type { HttpResponse } from './types.js';

/** The one table of error code → HTTP status: the tracker's own, plus what only HTTP can go wrong with. */
export const HTTP_ERROR_STATUS = {
  ...ERROR_STATUS,
  /** The body is not JSON (or was cut off). */
  invalid_json: 400,
  /** The body is larger than 1 MiB (`MAX_BODY_BYTES`). */
  payload_too_large: 413,
  /** The body of a request the adapter reads itself is not `application/json`. */
  unsupported_media_type: 415,
  /** An unexpected failure: reported to `onError` (or `console.error`), never described to the client. */
  internal: 500,
} as const;

/** Every `error.code` a response can carry: the tracker's codes plus the HTTP-only ones. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** The body of every error response: `{ "error": { "code", "message", "issues"? } }`. */
export interface HttpErrorBody {
  /** What went wrong. */
  error: {
    /** The stable code (`validation_failed`, `not_found`, …): branch on this, not on the message. */
    code: HttpErrorCode;
    /** A human-readable explanation; for `validation_failed`, every issue as `path: message`. */
    message: string;
    /** The inputs concerned, by their wire path (`events.1.user_id`), and what each expects. */
    issues?: { path: string; message: string }[];
  };
}

export type HttpBodyErrorCode = 'invalid_json' | 'payload_too_large' | 'unsupported_media_type';

/** A request body that could not be read: not JSON, larger than the limit, or not sent as JSON. */
export class HttpBodyError extends Error {
  /** `invalid_json` (400), `payload_too_large` (413) or `unsupported_media_type` (415). */
  readonly code: HttpBodyErrorCode;
  /** The HTTP status of `code`. */
  readonly status: number;

  constructor(code: HttpBodyErrorCode, message: string) {
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
  'x-content-type-options': 'nosniff',
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
    if (
      error instanceof ValidationError ||
      error instanceof UnknownPromocodeError ||
      (error instanceof ConflictError && error.issues.length > 0)
    )
      body.error.issues = error.issues;
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
