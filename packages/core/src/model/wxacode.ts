/** Where generated mini-program code images go. */
export interface WxacodeStore {
  /**
   * Stores the image under `key` (a file name such as `AbC123xy-0f1e2d3c4b5a.png`) and answers
   * its public URL, which must end with the key (as `baseUrl + key` does): `remove` reads the
   * key back from it.
   */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<string>;
  /** Deletes the image stored under `key` (used by `forgetUser`); without it, images are left in place. */
  delete?(key: string): Promise<void>;
}

/** What `WxacodeGenerator.generate` makes a code for: the promocode and the page it opens. */
export interface WxacodeRequest {
  /** The promocode, sent as WeChat's `scene` (at most 32 characters). */
  scene: string;
  /** The mini-program page; a leading `/` and a query are dropped before WeChat sees it. `null` → the home page. */
  page: string | null;
  /**
   * Asked before each call to WeChat's code API: `false` means the shared budget is spent, and the
   * call is not sent (a `WxacodeError` of kind `budget`). The tracker passes its database-wide budget
   * here; without it, nothing limits the calls.
   */
  take?: () => Promise<boolean>;
}

/** The budget a generator asks the tracker to keep: at most `maxPerMinute` calls in any `windowMs`, over all processes. */
export interface WxacodeBudget {
  /** Calls to WeChat's code API in any window, over every process of the database (`Infinity`: no budget). */
  maxPerMinute: number;
  /** 60 000 (a minute) unless the generator's `budgetWindowMs` says otherwise (tests). */
  windowMs: number;
}

/**
 * Makes and removes promos' mini-program code images (the `wxbcode` URL): give one, from
 * `createWxacodeGenerator`, to `createTracker({ wxacode })`.
 */
export interface WxacodeGenerator {
  /** Fetches the unlimited mini-program code for `scene` and answers the stored image's URL. */
  generate(request: WxacodeRequest): Promise<string>;
  /** Deletes the image `generate` stored at `url` (nothing when the store cannot delete). */
  remove(url: string): Promise<void>;
  /** The shared budget the tracker keeps for it; absent: 1000 calls a minute. */
  readonly budget?: WxacodeBudget;
  /** The longest one `generate` can take (the worker's lease on a job is longer); absent: 60 s. */
  readonly deadlineMs?: number;
}
