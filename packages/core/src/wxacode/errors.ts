import { brandErrorClass, isErrorClassInstance } from '../model/errors.js';

/** Which of WeChat's APIs a failure came from. */
export type WxacodeApi = 'stable_token' | 'getwxacodeunlimit';

/**
 * What went wrong:
 * - `errcode`: WeChat answered with a JSON error (`errcode` / `errmsg` hold it);
 * - `timeout`: no complete answer within `timeoutMs`;
 * - `network`: the connection failed;
 * - `http`: an HTTP status other than 200 without a WeChat error body;
 * - `bad_answer`: a 200 answer that is neither an image nor a WeChat error (or a token answer without a token);
 * - `budget`: not sent: the budget every process of the database shares (`maxPerMinute`) is spent for now.
 */
export type WxacodeErrorKind = 'errcode' | 'timeout' | 'network' | 'http' | 'bad_answer' | 'budget';

/** A failed call to WeChat. The access token and the secret never appear in the message. */
export class WxacodeError extends Error {
  /** The WeChat API that failed. */
  readonly api: WxacodeApi;
  /** How it failed (see `WxacodeErrorKind`). */
  readonly kind: WxacodeErrorKind;
  /** WeChat's `errcode`, or `null` when WeChat gave none (timeout, network, HTTP status). */
  readonly errcode: number | null;
  /** WeChat's `errmsg` (with its `rid`, useful to WeChat's support), or a description of the failure. */
  readonly errmsg: string;
  /** The HTTP status of the answer, when there was one. */
  readonly status: number | null;

  constructor(init: {
    api: WxacodeApi;
    kind: WxacodeErrorKind;
    errmsg: string;
    errcode?: number | null;
    status?: number | null;
    cause?: unknown;
  }) {
    const code = init.errcode != null ? ` errcode ${init.errcode}:` : '';
    super(`WeChat ${init.api} failed:${code} ${init.errmsg}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'WxacodeError';
    this.api = init.api;
    this.kind = init.kind;
    this.errcode = init.errcode ?? null;
    this.errmsg = init.errmsg;
    this.status = init.status ?? null;
  }

  /** `instanceof` holds across the ESM and CommonJS builds of the library. @hidden */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isErrorClassInstance(this, value);
  }
}
brandErrorClass(WxacodeError);

/** 40001 invalid credential, 40014 invalid access_token, 42001 access_token expired: worth one refresh. */
export const INVALID_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

export const isInvalidToken = (error: unknown): boolean =>
  error instanceof WxacodeError && error.errcode !== null && INVALID_TOKEN_ERRCODES.has(error.errcode);
