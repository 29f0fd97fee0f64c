import type { WxacodeStore } from '../model/wxacode.js';

/** Which version of the mini-program a scanned code opens: published, trial (体验版) or development. */
export type WxacodeEnvVersion = 'release' | 'trial' | 'develop';

/** Options of `createWxacodeGenerator`: the mini-program's credentials, where images go, and how codes look. */
export interface WxacodeGeneratorOptions {
  /** The mini-program's AppID. */
  appid: string;
  /** The mini-program's AppSecret. */
  secret: string;
  /** Where the images go, e.g. `createFileStore({ dir, baseUrl })`. */
  store: WxacodeStore;
  /** Replaces `https://api.weixin.qq.com` (an origin, e.g. a local stand-in in tests). */
  apiBase?: string;
  /** Which version of the mini-program a scan opens. Default `'release'`. */
  envVersion?: WxacodeEnvVersion;
  /** The code's width in px, 280–1280. Default 430 (WeChat's default). */
  width?: number;
  /**
   * WeChat's `check_path`: `true` makes WeChat refuse (errcode 41030) a page that the published
   * mini-program does not have, so a mistyped page fails loudly instead of printing a code that
   * leads nowhere. Default `true` for `'release'`; `false` for `'trial'` and `'develop'`, whose
   * pages are usually not published yet (WeChat then allows up to 60 000 unchecked pages).
   */
  checkPath?: boolean;
  /** Deadline of every call to WeChat, in ms. Default 10 000. */
  timeoutMs?: number;
  /**
   * At most this many code requests to WeChat in any minute, over every process of the tracker's
   * database (a sliding window kept in the database, not a budget per process). A promo asked for
   * beyond it is answered with `wxbcode: null` and its code is queued: the worker (`startWorker`)
   * makes it as soon as the budget allows. Default 1000, below WeChat's 5000 a minute (errcode 45009).
   * An integer from 1 to 100 000, or `Infinity` for no budget.
   */
  maxPerMinute?: number;
  /**
   * The budget's window in ms: `maxPerMinute` calls in any window this long. Default 60 000 (a
   * minute); shorter windows are for tests (e.g. 60 calls per 2 s).
   */
  budgetWindowMs?: number;
}

export interface ResolvedWxacodeOptions {
  appid: string;
  secret: string;
  store: WxacodeStore;
  apiBase: string;
  envVersion: WxacodeEnvVersion;
  width: number;
  checkPath: boolean;
  timeoutMs: number;
  maxPerMinute: number;
  budgetWindowMs: number;
}

export const WECHAT_API_BASE = 'https://api.weixin.qq.com';

function fail(option: string, problem: string, fix: string): never {
  throw new TypeError(`promo-track: createWxacodeGenerator option \`${option}\` ${problem}. ${fix}`);
}

/** Checks every option once, at creation, with a message that names the option and the fix. */
export function resolveWxacodeOptions(options: WxacodeGeneratorOptions): ResolvedWxacodeOptions {
  if (!options || typeof options !== 'object') fail('options', 'is missing', 'Pass `{ appid, secret, store }`.');
  const {
    appid,
    secret,
    store,
    apiBase = WECHAT_API_BASE,
    envVersion = 'release',
    width = 430,
    timeoutMs = 10_000,
    maxPerMinute = 1000,
    budgetWindowMs = 60_000,
  } = options;

  if (typeof appid !== 'string' || appid.trim() === '') fail('appid', 'is missing', "Pass the mini-program's AppID (e.g. from WX_APPID).");
  if (typeof secret !== 'string' || secret.trim() === '')
    fail('secret', 'is missing', "Pass the mini-program's AppSecret (e.g. from WX_SECRET).");
  if (!store || typeof store !== 'object' || typeof store.put !== 'function') {
    fail('store', 'has no `put(key, bytes, contentType)`', 'Pass e.g. `createFileStore({ dir, baseUrl })`.');
  }
  if (store.delete !== undefined && typeof store.delete !== 'function')
    fail('store', 'has a `delete` that is not a function', 'Omit it or make it `(key) => Promise<void>`.');

  let base: URL | null = null;
  try {
    base = typeof apiBase === 'string' ? new URL(apiBase) : null;
  } catch {
    base = null;
  }
  if (!base || (base.protocol !== 'https:' && base.protocol !== 'http:') || base.search || base.hash || base.username || base.password) {
    fail('apiBase', `is not an http(s) origin (${JSON.stringify(apiBase)})`, `Use e.g. '${WECHAT_API_BASE}' or 'http://127.0.0.1:8080'.`);
  }
  if (envVersion !== 'release' && envVersion !== 'trial' && envVersion !== 'develop') {
    fail('envVersion', `is ${JSON.stringify(envVersion)}`, "Use 'release', 'trial' or 'develop'.");
  }
  if (!Number.isInteger(width) || width < 280 || width > 1280)
    fail('width', `is ${JSON.stringify(width)}`, 'Use an integer number of px from 280 to 1280.');
  const checkPath = options.checkPath ?? envVersion === 'release';
  if (typeof checkPath !== 'boolean') fail('checkPath', 'is not a boolean', 'Use true or false.');
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    fail('timeoutMs', `is ${JSON.stringify(timeoutMs)}`, 'Use a positive number of milliseconds, e.g. 10000.');
  }

  if (maxPerMinute !== Infinity && !(Number.isInteger(maxPerMinute) && maxPerMinute >= 1 && maxPerMinute <= 100_000)) {
    fail(
      'maxPerMinute',
      `is ${JSON.stringify(maxPerMinute)}`,
      'Use a whole number of codes a minute from 1 to 100000, e.g. 1000 (or Infinity for no budget).',
    );
  }
  if (!(Number.isInteger(budgetWindowMs) && budgetWindowMs >= 100 && budgetWindowMs <= 3_600_000)) {
    fail('budgetWindowMs', `is ${JSON.stringify(budgetWindowMs)}`, 'Use a whole number of ms from 100 to 3600000; omit it for a minute.');
  }

  // A path prefix (a proxy) is kept; only trailing slashes go, so `${apiBase}/cgi-bin/…` is one URL.
  return {
    appid,
    secret,
    store,
    apiBase: (apiBase as string).replace(/\/+$/, ''),
    envVersion,
    width,
    checkPath,
    timeoutMs,
    maxPerMinute,
    budgetWindowMs,
  };
}
