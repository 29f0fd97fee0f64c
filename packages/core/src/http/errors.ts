import { ERROR_STATUS, TrackError, UnknownPromocodeError, ValidationError } from '../model/errors.js';
import type { HttpResponse } from './types.js';

/** The one table of error code → HTTP status: the tracker's own, plus what only HTTP can go wrong with. */
export const HTTP_ERROR_STATUS = {
  ...ERROR_STATUS,
  invalid_json: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

export interface HttpErrorBody {
  error: { code: HttpErrorCode; message: string; issues?: { path: string; message: string }[] };
}

export type HttpBodyErrorCode = 'invalid_json' | 'payload_too_large' | 'unsupported_media_type';

/** A request body that could not be read: not JSON, larger than the limit, or not sent as JSON. */
export class HttpBodyError extends Error {
  readonly code: HttpBodyErrorCode;
  readonly status: number;

  constructor(code: HttpBodyErrorCode, message: string) {
    super(message);
    this.name = 'HttpBodyError';
    this.code = code;
    this.status = HTTP_ERROR_STATUS[code];
  }
}

export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function jsonResponse(status: number, body: unknown): HttpResponse {
  return { status, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}

/**
 * Maps any failure to its response. Unknown failures are logged for the operator and answered as a
 * bare 500: their messages may carry SQL or internals.
 */
export function errorResponse(error: unknown, context: { method: string; path: string }): HttpResponse {
  if (error instanceof TrackError || error instanceof HttpBodyError) {
    const body: HttpErrorBody = { error: { code: error.code, message: error.message } };
    if (error instanceof ValidationError || error instanceof UnknownPromocodeError) body.error.issues = error.issues;
    return jsonResponse(HTTP_ERROR_STATUS[error.code], body);
  }
  console.error(`[promo-track] ${context.method} ${context.path} failed unexpectedly:`, error);
  const body: HttpErrorBody = { error: { code: 'internal', message: 'Internal server error' } };
  return jsonResponse(HTTP_ERROR_STATUS.internal, body);
}
