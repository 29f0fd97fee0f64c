/** What `request` is given: the routes' JSON, as `wx.request` takes it. */
export interface PromoRequestOptions {
  url: string;
  method: 'GET' | 'POST';
  data?: unknown;
  header: Record<string, string>;
}

/** What `request` answers; a rejected promise is a network failure. */
export interface PromoResponse {
  statusCode: number;
  data: unknown;
}

export type PromoRequest = (options: PromoRequestOptions) => Promise<PromoResponse>;

/** Synchronous key-value storage; `get` of a missing key may answer `''`, `undefined` or `null`. */
export interface PromoStorage {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

type MaybePromise<T> = T | Promise<T>;

export interface PromoClientOptions {
  /** Where the host mounted the routes, e.g. `https://api.example.com/api`. */
  baseUrl: string;
  /** The logged-in user's id; `undefined` (or `null`) until login. */
  getUserId: () => MaybePromise<number | undefined | null>;
  /** Headers for every request (the host's `identify` reads them), or a function that makes them. */
  header?: Record<string, string> | (() => MaybePromise<Record<string, string>>);
  /** Replaces `wx.request` (Taro, uni-app, tests). */
  request?: PromoRequest;
  /** Replaces `wx.getStorageSync` / `wx.setStorageSync`. */
  storage?: PromoStorage;
}

/** The part of `App.onLaunch` / `App.onShow`'s argument the client reads. */
export interface LaunchOptions {
  scene?: number | string;
  query?: Record<string, string | undefined>;
}

/** The part of `onShareAppMessage`'s argument the client reads: `'menu'`, `'button'`, … */
export interface ShareSource {
  from?: string;
}

export interface PromoClient {
  onLaunch(options: LaunchOptions): void;
  onShow(options: LaunchOptions): void;
  /** The share object with `promocode=<own code>` added to `path`; records the share. */
  share<T extends { path: string }>(res: ShareSource, defaults: T): Promise<T>;
  /** Sends what is queued (once the user is known); resolves when that attempt is over. */
  flush(): Promise<void>;
}
