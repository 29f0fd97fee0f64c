/** What `request` is given: the routes' JSON, as `wx.request` takes it. */
export interface PromoRequestOptions {
  /** The route's full URL: `baseUrl` followed by the route's path. */
  url: string;
  /** `GET` to read the user's promocode, `POST` to send visits and shares. */
  method: 'GET' | 'POST';
  /** The JSON body of a `POST` (an object, not yet serialized); absent on a `GET`. */
  data?: unknown;
  /** `content-type: application/json` and the host's `header` option. */
  header: Record<string, string>;
}

/** What `request` answers; a rejected promise is a network failure. */
export interface PromoResponse {
  /** The HTTP status: 2xx succeeds; network failures, 5xx and 401 are retried; other 4xx drop the event. */
  statusCode: number;
  /** The response body, parsed from JSON (as `wx.request` does by default). */
  data: unknown;
}

/** Sends one HTTP request, as `wx.request` does (the `request` option replaces it). */
export type PromoRequest = (options: PromoRequestOptions) => Promise<PromoResponse>;

/** Synchronous key-value storage; `get` of a missing key may answer `''`, `undefined` or `null`. */
export interface PromoStorage {
  /** The value stored under `key`; a missing key may answer `''`, `undefined` or `null`. */
  get(key: string): unknown;
  /** Stores a JSON-serialisable `value` under `key`. */
  set(key: string, value: unknown): void;
}

type MaybePromise<T> = T | Promise<T>;

/** The options of `createPromoClient`: only `baseUrl` and `getUserId` are required. */
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
  /** The launch scene value (e.g. 1047), sent with the visit; missing: 1000. */
  scene?: number | string;
  /** The page query: the promocode is read from `scene` (URL-decoded), else from `promocode`. */
  query?: Record<string, string | undefined>;
}

/** The part of `onShareAppMessage`'s argument the client reads: `'menu'`, `'button'`, … */
export interface ShareSource {
  /** `'menu'` records `share_type` 1, `'button'` 2, anything else 0. */
  from?: string;
}

/** What `createPromoClient` answers: call its hooks from the app's and pages' own. */
export interface PromoClient {
  /** From `App.onLaunch`: queues the visit the launch carries a promocode for, and sends it. */
  onLaunch(options: LaunchOptions): void;
  /**
   * From `App.onShow`: queues the visit a return from the background carries a promocode for (not
   * the show that follows a cold launch: that is the launch's visit), and sends what waits.
   */
  onShow(options: LaunchOptions): void;
  /** The share object with `promocode=<own code>` added to `path`; records the share. */
  share<T extends { path: string }>(res: ShareSource, defaults: T): Promise<T>;
  /** Sends what is queued (once the user is known); resolves when that attempt is over. */
  flush(): Promise<void>;
  /**
   * The signed-in user's reward entries (newest first) and balance per currency, through
   * `GET /users/:user_id/rewards`. Rejects when no user is signed in or the route refuses.
   */
  myRewards(): Promise<MyRewards>;
  /** The users the signed-in user brought (newest first), through `GET /users/:user_id/referrals`; pass `next_cursor` for more. */
  myInvites(cursor?: string | null): Promise<MyInvites>;
}

/** A reward entry as the routes send it (snake_case; amounts in minor units: fen for CNY). */
export interface RewardItem {
  /** The entry's id. */
  id: number;
  /** The reward rule that wrote it. */
  rule_id: string;
  /** Who earns it. */
  user_id: number | null;
  /** The referrer of the fact that earned it. */
  referrer: number | null;
  /** The referred user of that fact. */
  referee: number | null;
  /** The conversion that earned it; `null` for a binding. */
  conversion_id: number | null;
  /** In minor units (fen for CNY); negative for a claw-back. */
  amount: number;
  /** ISO 4217, e.g. `CNY`. */
  currency: string;
  /** `held` until `payable_at`, then `payable`, `settled` once paid; `reversed` or `voided` pay nothing. */
  status: 'held' | 'payable' | 'settled' | 'reversed' | 'voided';
  /** When a held entry becomes payable (ISO time). */
  payable_at: string;
  /** When it was written (ISO time). */
  created_at: string;
  /** When it was paid (ISO time); `null` until then. */
  settled_at: string | null;
  /** The reversed entry whose amount this one recomputes. */
  replaces: number | null;
  /** The settled entry this negative one claws back. */
  reversal_of: number | null;
  /** Why it was reversed or voided. */
  note: string | null;
}

/** `myRewards()`: the entries and, per currency, what is held, payable and settled. */
export interface MyRewards {
  /** The user's entries, newest first. */
  items: RewardItem[];
  /** Per currency, the sums held, payable and settled, in minor units. */
  balance: { currency: string; held: number; payable: number; settled: number }[];
}

/** `myInvites()`: one page of the users bound to the signed-in user. */
export interface MyInvites {
  /** The users bound to the signed-in user, newest first. */
  items: { user_id: number; referrer: number; promocode: string; scene: string; track_id: number; bound_at: string }[];
  /** Pass to `myInvites(cursor)` for the next page; `null` on the last. */
  next_cursor: string | null;
}
