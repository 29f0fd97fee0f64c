import { type WxacodeApi, WxacodeError } from './errors.js';

export interface WechatAnswer {
  status: number;
  /** The media type, lower-cased, without parameters (`image/png`, `application/json`, `''`). */
  contentType: string;
  bytes: Uint8Array;
}

/** A mini-program code is a few hundred KB; anything far bigger is not one. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * POSTs `body` as JSON and reads the whole answer, all within `timeoutMs` (a server that accepts
 * the connection and never answers, or stops half-way through the body, fails at the deadline).
 * `url` may carry the access token: it never goes into an error message.
 */
export async function postJson(api: WxacodeApi, url: string, body: unknown, timeoutMs: number): Promise<WechatAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'image/*, application/json' },
      body: JSON.stringify(body),
      signal,
    });
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_ANSWER_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      throw new WxacodeError({ api, kind: 'bad_answer', errmsg: `answer of ${length} bytes is too large`, status: response.status });
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    return { status: response.status, contentType, bytes };
  } catch (error) {
    if (error instanceof WxacodeError) throw error;
    if (signal.aborted) {
      throw new WxacodeError({ api, kind: 'timeout', errmsg: `no answer within ${timeoutMs} ms`, cause: error });
    }
    const reason = (error as { cause?: { code?: string; message?: string } })?.cause;
    const detail = reason?.code ?? reason?.message ?? (error instanceof Error ? error.message : String(error));
    throw new WxacodeError({ api, kind: 'network', errmsg: `request failed (${detail})`, cause: error });
  }
}

/** WeChat's JSON error body `{ errcode, errmsg }`, if `answer` is one (`errcode` 0 is not an error). */
export function readWechatError(api: WxacodeApi, answer: WechatAnswer): WxacodeError | null {
  const json = parseJson(answer.bytes);
  const errcode = json?.errcode;
  if (typeof errcode === 'number' && errcode !== 0) {
    const errmsg = typeof json?.errmsg === 'string' ? json.errmsg : '(no errmsg)';
    return new WxacodeError({ api, kind: 'errcode', errcode, errmsg, status: answer.status });
  }
  if (answer.status !== 200) {
    return new WxacodeError({ api, kind: 'http', errmsg: `HTTP ${answer.status}`, status: answer.status });
  }
  return null;
}

/** The body as a JSON object, or `null` when it is not one. */
export function parseJson(bytes: Uint8Array): Record<string, unknown> | null {
  // Skip images without decoding them: a JSON body starts with `{` (after optional whitespace).
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
