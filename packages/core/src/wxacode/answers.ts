import { WxacodeError } from './errors.js';

/**
 * WeChat's answers that no retry can change until the operator acts (docs/wxacode.md):
 * 41030 the page is not in the released version (publish it, or `checkPath: false`),
 * 40129 the scene is invalid, 40097 a parameter is invalid.
 */
export const PERMANENT_ERRCODES: ReadonlySet<number> = new Set([41030, 40129, 40097]);

/** A failed attempt, as the queue keeps it. */
export interface AttemptFailure {
  /** `budget`: not sent; `retry`: back off and try again (45009, 45011, network, anything else); `failed`: for good. */
  kind: 'budget' | 'retry' | 'failed';
  errcode: number | null;
  errmsg: string;
}

export function classifyFailure(error: unknown): AttemptFailure {
  if (!(error instanceof WxacodeError))
    return { kind: 'retry', errcode: null, errmsg: error instanceof Error ? error.message : String(error) };
  if (error.kind === 'budget') return { kind: 'budget', errcode: null, errmsg: error.errmsg };
  const permanent = error.api === 'getwxacodeunlimit' && error.errcode !== null && PERMANENT_ERRCODES.has(error.errcode);
  return { kind: permanent ? 'failed' : 'retry', errcode: error.errcode, errmsg: error.errmsg };
}
