import type { Kysely } from 'kysely';
import type { ListRewardsOptions, Reward, RewardBalance, RewardDecision, RewardExportQuery, RewardRule } from './rewards.js';
import type { AbuseFlag, AbuseOptions, FlaggedReferee, ListFlaggedOptions, Signals } from './abuse.js';
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
  /**
   * The owner of `promocode` (the seed's `referrer`), whether or not this visit credited them:
   * `outcome` says whether it did. `null` once that owner has been forgotten.
   */
  referrerId: number | null;
  /**
   * The visit's attribution decision: `bound` / `rebound` when it credited `referrerId` (made them the
   * user's referrer), otherwise why not (`kept`, `self`, `cycle`, `returning_user`, `outside_window`,
   * `excluded_scene`; docs/attribution.md). The user's referrer is `getReferrer`'s answer.
   */
  outcome: Outcome;
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
export type Outcome = 'bound' | 'rebound' | 'kept' | 'self' | 'cycle' | 'returning_user' | 'outside_window' | 'excluded_scene';

/** The same as `Outcome`: what a `Decision` decided. */
export type DecisionOutcome = Outcome;

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
  /** The visit's launch scene (for `excluded_scene`, the scene that was excluded). */
  scene: string;
  /** When the visit happened (its `createdAt`). */
  at: Date;
  /** A flagged binding's flags (abuse signals, docs/abuse.md); absent when the binding was not flagged. */
  flags?: AbuseFlag[];
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
  /** `YYYY-MM-DD` in the tracker's `timeZone`, ascending (`conversions`: recorded that day, refunded or not). */
  byDay: { day: string; visits: number; newUserVisits: number; shares: number; conversions: number }[];
  /** Shares per `shareType`, ascending by type; types without shares are left out. */
  byShareType: { shareType: ShareType; shares: number }[];
  /** True when `uniqueVisitors` is an estimate (global stats over closed days). */
  uniqueVisitorsEstimated: boolean;
  /** The conversions recorded in the range, in the same scope as the rest (see `ConversionStats`). */
  conversions: ConversionStats;
}

/**
 * Conversions in a scope of `stats`: all of them; for `userId` those credited to that referrer; for
 * `promocode` (or `appid`) those credited through that code (those of the apps's codes).
 */
export interface ConversionStats {
  /** Conversions recorded in the range, refunded ones included. */
  count: number;
  /** Of which credited to a referrer. */
  referred: number;
  /** Per type, most conversions first (ties by type). */
  byType: { type: string; count: number; referred: number }[];
  /** Per currency with a conversion in scope (ascending): amounts net of refunds, in minor units. */
  revenue: { currency: string; amount: number; referredAmount: number }[];
}

/** An action of a user that the host reported (a first order, a top-up), credited to their referrer. */
export interface Conversion {
  /** The row's id. */
  id: number;
  /** The user who converted. */
  userId: number;
  /** The host's name for the action: 1–32 characters of `[a-z0-9_.-]` (`first_order`, `topup`, …). */
  type: string;
  /** The host's order id (at most 64 characters), the idempotency key with `type`; `null`: once per user and type. */
  orderId: string | null;
  /** In the currency's minor unit (fen for CNY). */
  amount: number;
  /** What refunds took back so far (never more than `amount`). */
  refundedAmount: number;
  /** ISO 4217, three upper-case letters. */
  currency: string;
  /** The referrer the user was bound to when it was recorded; `null`: none (or forgotten since). */
  referrerId: number | null;
  /** The host's free text (at most 255 characters); `null` when none was given. */
  detail: string | null;
  /** When it happened: `occurredAt` when given, else when it was recorded. */
  createdAt: Date;
}

/** The input of `recordConversion`. */
export interface RecordConversionInput {
  /** The user who converted (a positive 32-bit integer). */
  userId: number;
  /** 1–32 characters of `[a-z0-9_.-]`. */
  type: string;
  /** At most 64 characters; a repeat of (`type`, `orderId`) returns the first record. Omitted: once per (`userId`, `type`). */
  orderId?: string | null;
  /** A whole number of minor units, 0 to 10^12. Default 0. */
  amount?: number;
  /** ISO 4217 (three upper-case letters). Default `'CNY'`. */
  currency?: string;
  /** When it happened: the same bounds as a visit's. */
  occurredAt?: Date;
  /** Free text, at most 255 characters. */
  detail?: string | null;
}

/** Which conversion `refundConversion` refunds: by id, or by its (`type`, `orderId`). */
export type ConversionRef = { conversionId: number } | { type: string; orderId: string };

/** A refund of `refundConversion`. */
export interface RefundInput {
  /** The host's refund id (at most 64 characters): a repeat for the same conversion changes nothing. */
  refundId: string;
  /** Minor units, at least 1; default: what is not yet refunded. */
  amount?: number;
}

/** The filters and paging of `listConversions`, newest first. */
export interface ListConversionsQuery {
  /** The user who converted. */
  userId?: number;
  /** The referrer credited. */
  referrerId?: number;
  /** Only conversions of this type. */
  type?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** Items per page, 1 to 500. Default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

/** What `explainReferral` answers: the binding, every visit's decision, and the user's conversions. */
export interface ReferralExplanation {
  /** The user's current binding; `null` when they have no referrer. */
  referral: Referral | null;
  /** Every attribution decision taken for the user's visits, oldest first. */
  decisions: Decision[];
  /** The user's own conversions, oldest first, each with the referrer it was credited to. */
  conversions: Conversion[];
  /** The reward entries of the facts the user took part in, and every reward rule's decision on them. */
  rewards: { entries: Reward[]; decisions: RewardDecision[] };
}

/** One referrer's line of `leaderboard`. */
export interface LeaderboardEntry {
  /** The referrer's user id. */
  referrerId: number;
  /** Users bound to them in the range. */
  referrals: number;
  /** Counted visits through their codes in the range (new and returning users). */
  visits: number;
  /** Conversions credited to them in the range, in every currency. */
  conversions: number;
  /** Net of refunds, in the query's `currency` (minor units). */
  revenue: number;
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
  /** The client's IP and install id, for the abuse checks; stored only as keyed hashes (docs/abuse.md). */
  signals?: Signals | null;
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
  /** As a visit's: the sharer's own IP and install id, which a referee's may later match (docs/abuse.md). */
  signals?: Signals | null;
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
  /** What ranks them: bindings (default), credited conversions, or net revenue in `currency`. */
  orderBy?: 'referrals' | 'conversions' | 'revenue';
  /** The currency of `revenue`. Default `'CNY'`. */
  currency?: string;
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
  /** The user's own conversions (those credited to them stay, credited to no one). */
  conversions: number;
  /** The user's unsettled reward entries (settled ones and their claw-backs stay, without the id). */
  rewards: number;
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
 * a user forgotten, a mini-program code image made (by the worker or within `getOrCreatePromo`), or
 * one that could not be made within the call (`reason` says why; it is queued unless WeChat refused
 * it for good, see `codeJobs`).
 */
export type TrackerEvent =
  | { type: 'promo.created'; promo: Promo }
  | { type: 'track.recorded'; track: Track }
  | { type: 'share.recorded'; share: Share }
  | { type: 'referral.bound'; referral: Referral; previousReferrerId: number | null }
  | { type: 'user.forgotten'; userId: number; removed: ForgetResult }
  | { type: 'conversion.recorded'; conversion: Conversion }
  | { type: 'conversion.refunded'; conversion: Conversion; refund: { refundId: string; amount: number } }
  | { type: 'referral.flagged'; flagged: FlaggedReferee }
  | { type: 'wxacode.failed'; promo: Promo; reason: string; error: unknown }
  | { type: 'wxacode.generated'; promo: Promo };

/** The events an outbox can carry to a webhook endpoint. */
export type WebhookEventType =
  | 'promo.created'
  | 'track.recorded'
  | 'share.recorded'
  | 'referral.bound'
  | 'user.forgotten'
  | 'conversion.recorded'
  | 'conversion.refunded'
  | 'referral.flagged'
  | 'reward.created'
  | 'reward.payable'
  | 'reward.settled'
  | 'reward.reversed'
  | 'reward.voided'
  | 'wxacode.generated';

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
  /** The user the event is about (its data's `user_id`); `null` when it names none (an anonymous share). */
  userId: number | null;
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

/** Knobs of the worker (`startWorker`): the sender's, and the code images'. */
export interface WorkerOptions extends WebhookDeliveryOptions {
  /** Code images made at once in this process. Default 8. */
  codeConcurrency?: number;
}

/** The running worker of this process (`startWorker()`): webhooks, due rewards, code images. */
export type Worker = WebhookDelivery;

/** `pregenerateCodes`: the promos of these users (created when missing) get their code images queued. */
export interface PregenerateCodesInput {
  /** At most 10 000 user ids a call. */
  userIds: readonly number[];
  /** Default 1. */
  promoType?: number;
  /** The promos' appid (default none), as in `getOrCreatePromo`. */
  appid?: string | null;
  /** Stored on promos this call creates (existing promos keep theirs). */
  page?: string | null;
}

/** The code images' queue (`codeJobs`): jobs by status, and the failed ones by WeChat's errcode. */
export interface CodeJobsReport {
  /** Waiting for the budget, a worker, or the next attempt after a back-off. */
  pending: number;
  /** Made: the promo's `wxbcode` is set. */
  done: number;
  /** Refused by WeChat for good (41030, 40129, 40097) until `retryFailedCodes`. */
  failed: number;
  /** Failed jobs grouped by errcode, most first; `errmsg` is one of WeChat's messages for it. */
  failures: { errcode: number; errmsg: string; count: number }[];
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
  /**
   * A second Kysely instance on a read replica of `db`'s database (docs/scale.md). The operators'
   * heavy reads go there: global `stats` (neither `userId` nor `promocode`), `leaderboard`, the
   * exports, and the lists that are not one user's. Writes, rollup builds and every read that must
   * see the caller's own writes (`getReferrer`, `explainReferral`, `listReferrals`, `findPromo`, the
   * stats of one user or promocode, one user's conversions and rewards) stay on `db`. A lagging
   * replica answers as of its lag. Default: `db` itself.
   */
  readDb?: Kysely<any>;
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
  /** How long the sender keeps a delivered webhook message before deleting it, in days. Default 7. */
  webhookRetentionDays?: number;
  /**
   * The IANA time zone (e.g. `'Asia/Shanghai'`) whose calendar days `stats().byDay`, the dashboard
   * and the exports use, right across daylight-saving changes. Default `'UTC'`.
   */
  timeZone?: string;
  /** Called after each write; a throwing listener never breaks the write. */
  onEvent?: (event: TrackerEvent) => void;
  /** The rewards ledger's rules (docs/rewards.md): entries written with the binding or conversion that earns them. */
  rewards?: readonly RewardRule[];
  /**
   * The abuse checks run in every binding's transaction (docs/abuse.md); a flagged binding is still
   * made, and its rewards wait for `resolveFlags`. Default `{ sameDeviceHours: 24, sameIpHours: 0,
   * maxBindingsPerHour: 30, maxNewUsersPerDevice: 3 }`; 0 turns a check off.
   */
  abuse?: AbuseOptions;
}

/** What `createTracker` answers: every method checks its input first (`ValidationError`). */
export interface Tracker {
  /** Creates or upgrades the tables. Idempotent and safe from several processes at once. */
  migrate(): Promise<void>;
  /**
   * The promo of (`userId`, `promoType`, `appid`), created on first call; concurrent calls all get the
   * same row. With a `wxacode` generator, its code image is made within the call while the shared
   * budget has room; otherwise (or when WeChat fails) `wxbcode` is `null` and the code is queued for
   * the worker (`startWorker`), never dropped. It never fails the call.
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
  /** The `rewards` option's rules, as checked at `createTracker` (the dashboard words decisions with them). */
  readonly rewardRules: readonly RewardRule[];
  /**
   * The user's binding (`null`: none), every attribution decision taken for their visits, oldest
   * first, their conversions with the referrer each was credited to, and their rewards with why.
   */
  explainReferral(userId: number): Promise<ReferralExplanation>;
  /**
   * Records a conversion credited to the user's current referrer. Idempotent on (`type`, `orderId`),
   * or on (`userId`, `type`) without an order id: a repeat returns the first record; the same key with
   * another user, amount or currency is a `ConflictError`, and nothing is written.
   */
  recordConversion(input: RecordConversionInput): Promise<Conversion>;
  /**
   * Refunds a conversion, fully or in part; a repeated `refundId` changes nothing. Refunds past the
   * amount are a `ValidationError`; an unknown conversion a `NotFoundError`.
   */
  refundConversion(ref: ConversionRef, refund: RefundInput): Promise<Conversion>;
  /** Conversions, newest first (ties by id, descending), a page at a time. */
  listConversions(query?: ListConversionsQuery): Promise<Page<Conversion>>;
  /** Every conversion whose `createdAt` is in range, oldest first, read in pages. */
  exportConversions(query?: ExportQuery): AsyncIterable<Conversion>;
  /**
   * Removes, in one transaction, every row naming the user; the users they referred become unbound,
   * and other users' visits through their codes keep counting with `referrerId: null`.
   */
  forgetUser(userId: number): Promise<ForgetResult>;
  /** Deletes tracks and shares older than `before`, in small batches; bindings and decisions stay. */
  purge(options: { before: Date }): Promise<PurgeResult>;
  /**
   * Runs every background job of the library in this process: webhook delivery, due rewards and the
   * code images' queue (any number of processes may run it; a job is never run by two at once).
   */
  startWorker(options?: WorkerOptions): Worker;
  /** The same worker as `startWorker` (the name from before it ran more than webhooks). */
  startWebhookDelivery(options?: WorkerOptions): Worker;
  /**
   * Creates the promos of `userIds` that do not exist and queues the code images that are missing;
   * asks WeChat for nothing itself (the worker does). A second call with the same ids queues nothing.
   */
  pregenerateCodes(input: PregenerateCodesInput): Promise<{ queued: number }>;
  /** Progress of the code images' queue. */
  codeJobs(): Promise<CodeJobsReport>;
  /** Puts the failed code jobs back in the queue (after the cause is fixed); answers how many. */
  retryFailedCodes(): Promise<{ queued: number }>;
  /** The outbox, newest first. */
  listWebhookMessages(options?: ListWebhookMessagesOptions): Promise<Page<WebhookMessage>>;
  /**
   * Queues a message for one more attempt, due now, delivered ones too (`attempts` keeps counting):
   * `NotFoundError` for an unknown id, `ConflictError` when its endpoint is no longer configured.
   */
  redeliverWebhookMessage(id: string): Promise<void>;
  /** Reward entries, newest first (`userId`: the entries that user earns). */
  listRewards(options?: ListRewardsOptions): Promise<Page<Reward>>;
  /** The user's held, payable and settled sums, one line per currency. */
  rewardBalance(userId: number): Promise<RewardBalance[]>;
  /** Turns due `held` entries `payable`; answers how many. The webhook sender calls it on every look. */
  releaseDueRewards(): Promise<number>;
  /** Marks `payable` entries `settled` (the host paid them), all or nothing (`ConflictError`). */
  settleRewards(input: { ids: readonly number[] }): Promise<Reward[]>;
  /** An operator cancels a `held` or `payable` entry. */
  voidReward(id: number, options?: { note?: string | null }): Promise<Reward>;
  /** Every entry created in range (oldest first), read in pages. */
  exportRewards(query?: RewardExportQuery): AsyncIterable<Reward>;
  /** Flagged referees, newest first, one item each (docs/abuse.md). */
  listFlagged(options?: ListFlaggedOptions): Promise<Page<FlaggedReferee>>;
  /**
   * An operator's verdict on a flagged referee: `release` makes their held rewards payable when due;
   * `void` voids them, and every reward the referee's later facts would earn. `NotFoundError` when
   * the user was never flagged; a referee already resolved the other way is a `ValidationError`.
   */
  resolveFlags(refereeId: number, action: 'release' | 'void', options?: { note?: string | null }): Promise<FlaggedReferee>;
}
