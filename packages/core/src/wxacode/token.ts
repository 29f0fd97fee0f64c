import { WxacodeError } from './errors.js';
import { postJson, readWechatError } from './http.js';

export interface TokenSourceOptions {
  apiBase: string;
  appid: string;
  secret: string;
  timeoutMs: number;
}

export interface TokenSource {
  /**
   * A valid access token: the cached one, or a fresh one. Pass the token WeChat just rejected
   * (40001 / 40014 / 42001) as `rejected` to get another one instead. Concurrent callers share
   * one request.
   */
  get(rejected?: string): Promise<string>;
}

/** WeChat guarantees at least 5 minutes of validity on any token it hands out. */
const FALLBACK_LIFETIME_S = 300;
/** WeChat renews a stable token 5 minutes before it expires (old and new both valid meanwhile). */
const MAX_MARGIN_MS = 5 * 60_000;

/**
 * WeChat's stable access token (`POST /cgi-bin/stable_token`), cached until shortly before
 * `expires_in` runs out: 5 minutes before for a normal 7200 s token (when WeChat itself hands
 * out the next one), a tenth of the lifetime for short-lived ones.
 *
 * It always asks in normal mode (no `force_refresh`), also after an invalid-token answer:
 * normal mode answers the token WeChat currently holds valid, which is a new one when ours was
 * expired or replaced. Forced refresh would invalidate the token of every other process that
 * uses the same appid (which then force-refresh in turn), and WeChat allows it 20 times a day,
 * 30 s apart.
 */
export function createTokenSource(o: TokenSourceOptions): TokenSource {
  let cached: { value: string; refreshAt: number } | null = null;
  let pending: Promise<string> | null = null;

  const request = async (): Promise<string> => {
    const sentAt = Date.now();
    const answer = await postJson(
      'stable_token',
      `${o.apiBase}/cgi-bin/stable_token`,
      { grant_type: 'client_credential', appid: o.appid, secret: o.secret },
      o.timeoutMs,
    );
    const error = readWechatError('stable_token', answer);
    if (error) throw error;
    let json: { access_token?: unknown; expires_in?: unknown } | null = null;
    try {
      json = JSON.parse(new TextDecoder().decode(answer.bytes));
    } catch {
      // reported below
    }
    const token = json?.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new WxacodeError({ api: 'stable_token', kind: 'bad_answer', errmsg: 'the answer has no access_token', status: answer.status });
    }
    const expiresIn = Number(json?.expires_in);
    const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : FALLBACK_LIFETIME_S) * 1000;
    // Counted from when the request was sent: the token may have aged while the answer travelled.
    cached = { value: token, refreshAt: sentAt + lifetimeMs - Math.min(MAX_MARGIN_MS, lifetimeMs / 10) };
    return token;
  };

  return {
    get(rejected) {
      if (cached && rejected !== undefined && cached.value === rejected) cached = null;
      if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.value);
      // A failure is not cached: the next call asks again.
      pending ??= request().finally(() => {
        pending = null;
      });
      return pending;
    },
  };
}
