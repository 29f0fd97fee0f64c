import type { Kysely } from 'kysely';
import type { WxacodeGenerator } from './wxacode.js';

/** A user's promotion: their promocode (and mini-program code) for one promo type and app. */
export interface Promo {
  /** The row's id. */
  id: number;
  /** The user who owns the promocode (a positive 32-bit integer). */
  userId: number;
  /** The host's kind of promotion (a positive 32-bit integer); 1 unless the host says otherwise. */
  promoType: number;
  /** The mini-program's appid the promo is for; `null` when none was given. */
  appid: string | null;
  /** The code (at most 32 characters of `[A-Za-z0-9]`, case-sensitive) that credits visits to `userId`. */
  promocode: string;
  /** URL of the mini-program code image; `null` without a `wxacode` generator or while WeChat failed. */
  wxbcode: string | null;
  /** The mini-program page the code opens, stored when the promo was created; `null`: none given. */
  page: string | null;
  /** When the promo was created. */
  createdAt: Date;
}

/** 1 = a new user's visit, 2 = a returning user's visit (the seed's `track_type`). */
export type TrackType = 1 | 2;

/** One recorded visit through a promocode. */
export interface Track {
  /** The row's id (the `trackId` of referrals and decisions). */
  id: number;
  /** 1 only on a user's first recorded visit, unless that visit said 2; every later visit is 2. */
  trackType: TrackType;
  /** The WeChat launch scene value, as a numeric string (e.g. `'1047'`). */
  scene: string;
  /** The client's free text about the visit (at most 128 characters); `null` when none was given. */
  detail: string | null;
  /** The visiting user. */
  userId: number;
  /** The promocode the visit came through. */
  promocode: string;
  /** The owner of `promocode`; `null` once that owner has been forgotten. */
  referrerId: number | null;
  /** When the visit happened: `occurredAt` when given, else when it was recorded. */
  createdAt: Date;
}

/** 0 = unknown, 1 = the menu, 2 = a button (the seed's `share_type`). */
export type ShareType = 0 | 1 | 2;

/** One recorded share of a mini-program page. */
export interface Share {
  /** The row's id. */
  id: number;
  /** How it was shared: 0 unknown (the default), 1 the menu, 2 a button. */
  shareType: ShareType;
  /** The shared page; `null` when none was given. */
  page: string | null;
  /** The sharing user; `null` when the share was recorded anonymously. */
  userId: number | null;
  /** The sharer's promocode carried by the share; `null` when none was given. */
  promocode: string | null;
  /** When the share happened: `occurredAt` when given, else when it was recorded. */
  createdAt: Date;
}

/** A user's binding to their referrer (see docs/attribution.md). */
export interface Referral {
  /** The referred user. */
  userId: number;
  /** The user credited: the owner of `promocode`, never `userId` itself. */
  referrerId: number;
  /** The promocode of the visit that made the binding. */
  promocode: string;
  /** The launch scene of that visit. */
  scene: string;
  /** The id of that visit's `Track`. */
  trackId: number;
  /** When the binding was made: that visit's `createdAt`. */
  boundAt: Date;
}

/**
 * What an attribution decision did with a visit: `bound` / `rebound` (the user now has the code's
 * owner as referrer), or why not (`kept`, `self`, `cycle`, `returning_user`, `outside_window`,
 * `excluded_scene`). docs/attribution.md explains each.
 */
export type DecisionOutcome =
  | 'bound'
  | 'rebound'
  | 'kept'
  | 'self'
  | 'cycle'
  | 'returning_user'
  | 'outside_window'
  | 'excluded_scene';

/** The attribution decision taken for one visit, as `explainReferral` lists them. */
export interface Decision {
  /** The visit's `Track` id (kept after `purge` removes the track). */
  trackId: number;
  /** The promocode the visit came through. */
  promocode: string;
  /** The code's owner: the referrer the visit proposed. */
  candidateId: number;
  /** What was decided. */
  outcome: DecisionOutcome;
  /** When the visit happened (its `createdAt`). */
  at: Date;
}

/** The counts `stats` answers; every visit count leaves out `excludeScenes`. */
export interface Stats {
  /** Visits counted. */
  visits: number;
  /** Visits with `trackType` 1 (new users' first visits). */
  newUserVisits: number;
  /** Visits with `trackType` 2. */
  returningUserVisits: number;
  /** Distinct visiting users; may be an estimate, see `uniqueVisitorsEstimated`. */
  uniqueVisitors: number;
  /** Bindings made in the range (through the chosen promos, if any). */
  referrals: number;
  /** Shares recorded in the range (carrying the chosen promos' codes, if any). */
  shares: number;
  /** Most visits first. */
  byScene: { scene: string; label: string | null; visits: number }[];
  /** `YYYY-MM-DD` in the tracker's `timeZone`, ascending. */
  byDay: { day: string; visits: number; newUserVisits: number; shares: number }[];
  /** Shares per `shareType`, ascending by type; types without shares are left out. */
  byShareType: { shareType: ShareType; shares: number }[];
  /** True when `uniqueVisitors` is an estimate (global stats over closed days). */
  uniqueVisitorsEstimated: boolean;
}

/** One referrer's line of `leaderboard`. */
export interface LeaderboardEntry {
  /** The referrer's user id. */
  referrerId: number;
  /** Users bound to them in the range. */
  referrals: number;
  /** Counted visits through their codes in the range (new and returning users). */
  visits: number;
}

/** The input of `getOrCreatePromo`; one promo exists per (`userId`, `promoType`, `appid`). */
export interface GetOrCreatePromoInput {
  /** The promo's owner (a positive 32-bit integer). */
  userId: number;
  /** A positive 32-bit integer. Default 1. */
  promoType?: number;
  /** The mini-program's appid (at most 32 characters); omitted, `null` or `''`: none. */
  appid?: string | null;
  /** The page the mini-program code opens (at most 255 characters); used only when the promo is created. */
  page?: string | null;
}

/** The input of `recordTrack` and of each item of `recordTracks`. */
export interface RecordTrackInput {
  /** The visiting user (a positive 32-bit integer). */
  userId: number;
  /** The code the visit came through; an unknown one is an `UnknownPromocodeError`. */
  promocode: string;
  /** A WeChat launch scene value, e.g. 1047 or "1047". */
  scene: string | number;
  /**
   * Omitted: 1 on the user's first recorded visit, else 2. 2 on a first visit marks a user the host
   * already knew (never bound); 1 on a later visit is recorded as 2.
   */
  trackType?: TrackType;
  /** Free text about the visit, at most 128 characters. */
  detail?: string | null;
  /** Makes the call idempotent per user (at most 64 characters). */
  eventId?: string | null;
  /** When the visit happened (queued offline, imported): at most 5 minutes ahead, at most `backdateDays` back. */
  occurredAt?: Date;
}

/** The input of `recordShare`; every field is optional. */
export interface RecordShareInput {
  /** The sharing user (a positive 32-bit integer); omitted or `null`: anonymous. */
  userId?: number | null;
  /** 0 unknown, 1 the menu, 2 a button. Default 0. */
  shareType?: ShareType;
  /** The shared page, at most 255 characters. */
  page?: string | null;
  /** The sharer's promocode; when given it must exist (`UnknownPromocodeError` otherwise). */
  promocode?: string | null;
  /** With a `userId`, makes the call idempotent per user (at most 64 characters): a repeat returns the first record. */
  eventId?: string | null;
  /** When the share happened; the same bounds as a visit's. */
  occurredAt?: Date;
}

/** Paging of `listReferrals`. */
export interface ListReferralsOptions {
  /** Items per page, 1 to 500. Default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page; omitted or `null`: the first page. */
  cursor?: string | null;
}

/** One page of a cursor-paginated list. */
export interface Page<T> {
  /** This page's items. */
  items: T[];
  /** Pass it as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** What `stats` counts; no field: every counted visit, share and binding. */
export interface StatsQuery {
  /** Only the promos of this user (all their promo types and apps). */
  userId?: number;
  /** Only this promocode. */
  promocode?: string;
  /** Only the promos of this appid. */
  appid?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** The range and length of `leaderboard`. */
export interface LeaderboardQuery {
  /** Bindings and visits from this time on (inclusive). */
  from?: Date;
  /** Bindings and visits before this time (exclusive). */
  to?: Date;
  /** Referrers answered, 1 to 500. Default 10. */
  limit?: number;
}

/** The range of an export: by `createdAt` for tracks, by `boundAt` for referrals. */
export interface ExportQuery {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** The rows `forgetUser` removed. */
export interface ForgetResult {
  /** The user's promos (their code images deleted too, when the store can). */
  promos: number;
  /** The user's own visits. */
  tracks: number;
  /** The user's shares. */
  shares: number;
  /** Bindings of the user to their referrer, and of the users they referred to them. */
  referrals: number;
}

/** The rows `purge` deleted. */
export interface PurgeResult {
  /** Tracks older than `before`. */
  tracks: number;
  /** Shares older than `before`. */
  shares: number;
}

/**
 * What `onEvent` receives after each committed write: a promo created, a visit or share recorded,
 * a binding made (`previousReferrerId`: the referrer a last-touch rebinding replaced, else `null`),
 * a user forgotten, or a mini-program code that WeChat failed to make.
 */
export type TrackerEvent =
  | { type: 'promo.created'; promo: Promo }
  | { type: 'track.recorded'; track: Track }
  | { type: 'share.recorded'; share: Share }
  | { type: 'referral.bound'; referral: Referral; previousReferrerId: number | null }
  | { type: 'user.forgotten'; userId: number; removed: ForgetResult }
  | { type: 'wxacode.failed'; promo: Promo; reason: string; error: unknown };

/** The events an outbox can carry to a webhook endpoint. */
export type WebhookEventType = 'promo.created' | 'track.recorded' | 'share.recorded' | 'referral.bound' | 'user.forgotten';

/** One webhook endpoint, from the operator's configuration (never from a request). */
export interface WebhookEndpoint {
  /** Where messages are POSTed (`http(s)://`; loopback and private addresses are allowed: it comes from configuration). */
  url: string;
  /** Standard Webhooks secret: `whsec_` and base64. */
  secret: string;
  /** Default `['referral.bound', 'user.forgotten']`. */
  events?: readonly WebhookEventType[];
}

/** `pending` (due now or at its next attempt), `delivered` (a 2xx answer), `failed` (the schedule ran out; redeliverable). */
export type WebhookMessageStatus = 'pending' | 'delivered' | 'failed';

/** An outbox message as the admin routes list it. */
export interface WebhookMessage {
  /** The `webhook-id` header: stable across retries. */
  id: string;
  /** The event it reports. */
  type: WebhookEventType;
  /** Where it stands in delivery. */
  status: WebhookMessageStatus;
  /** Sends tried so far. */
  attempts: number;
  /** When it is tried next (`null` once delivered or failed). */
  nextAttemptAt: Date | null;
  /** Why the last send failed (a status code or a network error), `null` before any failure. */
  lastError: string | null;
  /** When its fact was committed. */
  createdAt: Date;
}

/** Options of `listWebhookMessages`: newest first, paged by cursor. */
export interface ListWebhookMessagesOptions {
  /** Only messages with this status. */
  status?: WebhookMessageStatus;
  /** Default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

/** Knobs of the sender, for tests and tuning; the defaults are the contract's. */
export interface WebhookDeliveryOptions {
  /** Milliseconds since the epoch; default `Date.now`. Schedules and leases follow it. */
  now?: () => number;
  /** A send that has not answered by then is cut. Default 15 000 ms. */
  timeoutMs?: number;
  /** Longest pause between two looks for due messages. Default 5 000 ms. */
  pollMs?: number;
  /** Messages in flight at once in this process. Default 16. */
  concurrency?: number;
  /** Receives each failed send and each database failure of the loop (default: ignored; the schedule retries). */
  onError?: (error: unknown) => void;
}

/** The running webhook sender of this process (`startWebhookDelivery()`). */
export interface WebhookDelivery {
  /** Stops claiming, waits for the sends in flight and records their results. */
  stop(): Promise<void>;
}

/** How visits are credited (the `attribution` option; see docs/attribution.md). */
export interface AttributionOptions {
  /**
   * `first-touch`: the user's first visit, as a new user, binds them for good. `last-touch`: a
   * later visit through another user's code within `windowDays` rebinds them too.
   */
  model: 'first-touch' | 'last-touch';
  /**
   * Last-touch: days after a user's first visit during which a later visit through another user's
   * code may (re)bind them. Default 30; no effect under first-touch, which never re-binds.
   */
  windowDays?: number;
}

/** The options of `createTracker`; a bad value is a clear error there. */
export interface TrackerOptions {
  /** The host's Kysely instance (SQLite, PostgreSQL or MySQL dialect). */
  db: Kysely<any>;
  /** The secret behind promocodes, at least 8 characters. */
  salt: string;
  /** Prefix of every table the library creates. Default `''`. */
  tablePrefix?: string;
  /** Minimum promocode length. Default 8. */
  codeMinLength?: number;
  /** Generates mini-program codes (`wxbcode`) for new promos. */
  wxacode?: WxacodeGenerator;
  /** Default `{ model: 'first-touch' }`. */
  attribution?: AttributionOptions;
  /** Launch scenes stored but never counted and never binding. Default `['1129']` (WeChat's crawler). */
  excludeScenes?: readonly (string | number)[];
  /** How far in the past an `occurredAt` may lie, in days. Default 7. */
  backdateDays?: number;
  /** Signed webhooks, written to an outbox with the facts they report (see `startWebhookDelivery`). */
  webhooks?: readonly WebhookEndpoint[];
  /**
   * The IANA time zone (e.g. `'Asia/Shanghai'`) whose calendar days `stats().byDay`, the dashboard
   * and the exports use, right across daylight-saving changes. Default `'UTC'`.
   */
  timeZone?: string;
  /** Called after each write; a throwing listener never breaks the write. */
  onEvent?: (event: TrackerEvent) => void;
}

/** What `createTracker` answers: every method checks its input first (`ValidationError`). */
export interface Tracker {
  /** Creates or upgrades the tables. Idempotent and safe from several processes at once. */
  migrate(): Promise<void>;
  /**
   * The promo of (`userId`, `promoType`, `appid`), created on first call; concurrent calls all get the
   * same row. A WeChat failure leaves `wxbcode` `null` (a later call tries again), never fails the call.
   */
  getOrCreatePromo(input: GetOrCreatePromoInput): Promise<Promo>;
  /** The promo with this code, or `null` (a malformed code answers `null` without a query). */
  findPromo(promocode: string): Promise<Promo | null>;
  /**
   * Records a visit and decides its attribution (docs/attribution.md). An unknown promocode is an
   * `UnknownPromocodeError` and writes nothing; a repeated `eventId` returns the first record.
   */
  recordTrack(input: RecordTrackInput): Promise<Track>;
  /** Records up to 1000 visits in one transaction, in order: one invalid input rejects all, writing nothing. */
  recordTracks(inputs: readonly RecordTrackInput[]): Promise<Track[]>;
  /** Records a share; a given promocode must exist (`UnknownPromocodeError`). */
  recordShare(input: RecordShareInput): Promise<Share>;
  /** The user's current binding, or `null` when they have no referrer. */
  getReferrer(userId: number): Promise<Referral | null>;
  /** The users bound to `referrerId`, newest first (ties by track id, descending), a page at a time. */
  listReferrals(referrerId: number, options?: ListReferralsOptions): Promise<Page<Referral>>;
  /** Exact counts of visits, shares and bindings (all, or one user's, code's or app's), in a range. */
  stats(query?: StatsQuery): Promise<Stats>;
  /** The referrers with the most bindings in the range, most first (ties by id, ascending). */
  leaderboard(query?: LeaderboardQuery): Promise<LeaderboardEntry[]>;
  /** Every track in range, oldest first (ties by id), read in pages: memory stays flat however many. */
  exportTracks(query?: ExportQuery): AsyncIterable<Track>;
  /** Every binding whose `boundAt` is in range, oldest first, read in pages. */
  exportReferrals(query?: ExportQuery): AsyncIterable<Referral>;
  /** The `timeZone` option: whose calendar days `stats().byDay` and the CSV exports use. */
  readonly timeZone: string;
  /** The user's binding (`null`: none) and every attribution decision taken for their visits, oldest first. */
  explainReferral(userId: number): Promise<{ referral: Referral | null; decisions: Decision[] }>;
  /**
   * Removes, in one transaction, every row naming the user; the users they referred become unbound,
   * and other users' visits through their codes keep counting with `referrerId: null`.
   */
  forgetUser(userId: number): Promise<ForgetResult>;
  /** Deletes tracks and shares older than `before`, in small batches; bindings and decisions stay. */
  purge(options: { before: Date }): Promise<PurgeResult>;
  /** Runs the webhook sender in this process (any number of processes may run it). */
  startWebhookDelivery(options?: WebhookDeliveryOptions): WebhookDelivery;
  /** The outbox, newest first. */
  listWebhookMessages(options?: ListWebhookMessagesOptions): Promise<Page<WebhookMessage>>;
  /** Puts a message back in the queue, due now, with a fresh schedule (`NotFoundError` for an unknown id). */
  redeliverWebhookMessage(id: string): Promise<void>;
}
