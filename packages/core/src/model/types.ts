import type { Kysely } from 'kysely';
import type { WxacodeGenerator } from './wxacode.js';

export interface Promo {
  id: number;
  userId: number;
  promoType: number;
  appid: string | null;
  promocode: string;
  wxbcode: string | null;
  page: string | null;
  createdAt: Date;
}

/** 1 = a new user's visit, 2 = a returning user's visit (the seed's `track_type`). */
export type TrackType = 1 | 2;

export interface Track {
  id: number;
  trackType: TrackType;
  scene: string;
  detail: string | null;
  userId: number;
  promocode: string;
  /** The owner of `promocode`; `null` once that owner has been forgotten. */
  referrerId: number | null;
  createdAt: Date;
}

/** 0 = unknown, 1 = the menu, 2 = a button (the seed's `share_type`). */
export type ShareType = 0 | 1 | 2;

export interface Share {
  id: number;
  shareType: ShareType;
  page: string | null;
  userId: number | null;
  promocode: string | null;
  createdAt: Date;
}

export interface Referral {
  userId: number;
  referrerId: number;
  promocode: string;
  scene: string;
  trackId: number;
  boundAt: Date;
}

export type DecisionOutcome =
  | 'bound'
  | 'rebound'
  | 'kept'
  | 'self'
  | 'cycle'
  | 'returning_user'
  | 'outside_window'
  | 'excluded_scene';

export interface Decision {
  trackId: number;
  promocode: string;
  candidateId: number;
  outcome: DecisionOutcome;
  at: Date;
}

export interface Stats {
  visits: number;
  newUserVisits: number;
  returningUserVisits: number;
  uniqueVisitors: number;
  referrals: number;
  shares: number;
  /** Most visits first. */
  byScene: { scene: string; label: string | null; visits: number }[];
  /** `YYYY-MM-DD` in the tracker's `timeZone`, ascending. */
  byDay: { day: string; visits: number; newUserVisits: number; shares: number }[];
  byShareType: { shareType: ShareType; shares: number }[];
  /** True when `uniqueVisitors` is an estimate (global stats over closed days). */
  uniqueVisitorsEstimated: boolean;
}

export interface LeaderboardEntry {
  referrerId: number;
  referrals: number;
  visits: number;
}

export interface GetOrCreatePromoInput {
  userId: number;
  promoType?: number;
  appid?: string | null;
  page?: string | null;
}

export interface RecordTrackInput {
  userId: number;
  promocode: string;
  /** A WeChat launch scene value, e.g. 1047 or "1047". */
  scene: string | number;
  trackType?: TrackType;
  detail?: string | null;
  /** Makes the call idempotent per user (at most 64 characters). */
  eventId?: string | null;
  /** When the visit happened (queued offline, imported): at most 5 minutes ahead, at most `backdateDays` back. */
  occurredAt?: Date;
}

export interface RecordShareInput {
  userId?: number | null;
  shareType?: ShareType;
  page?: string | null;
  promocode?: string | null;
  eventId?: string | null;
  /** When the share happened; the same bounds as a visit's. */
  occurredAt?: Date;
}

export interface ListReferralsOptions {
  limit?: number;
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface StatsQuery {
  userId?: number;
  promocode?: string;
  appid?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface LeaderboardQuery {
  from?: Date;
  to?: Date;
  limit?: number;
}

export interface ExportQuery {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface ForgetResult {
  promos: number;
  tracks: number;
  shares: number;
  referrals: number;
}

export interface PurgeResult {
  tracks: number;
  shares: number;
}

export type TrackerEvent =
  | { type: 'promo.created'; promo: Promo }
  | { type: 'track.recorded'; track: Track }
  | { type: 'share.recorded'; share: Share }
  | { type: 'referral.bound'; referral: Referral; previousReferrerId: number | null }
  | { type: 'user.forgotten'; userId: number; removed: ForgetResult }
  | { type: 'wxacode.failed'; promo: Promo; reason: string; error: unknown };

export interface AttributionOptions {
  model: 'first-touch' | 'last-touch';
  /**
   * Days after a user's first visit during which a new-user visit may bind (or, with
   * last-touch, re-bind) the referrer. Default: unlimited for first-touch, 30 for last-touch.
   */
  windowDays?: number;
}

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
  /**
   * The IANA time zone (e.g. `'Asia/Shanghai'`) whose calendar days `stats().byDay`, the dashboard
   * and the exports use, right across daylight-saving changes. Default `'UTC'`.
   */
  timeZone?: string;
  /** Called after each write; a throwing listener never breaks the write. */
  onEvent?: (event: TrackerEvent) => void;
}

export interface Tracker {
  /** Creates or upgrades the tables. Idempotent and safe from several processes at once. */
  migrate(): Promise<void>;
  getOrCreatePromo(input: GetOrCreatePromoInput): Promise<Promo>;
  findPromo(promocode: string): Promise<Promo | null>;
  recordTrack(input: RecordTrackInput): Promise<Track>;
  recordTracks(inputs: readonly RecordTrackInput[]): Promise<Track[]>;
  recordShare(input: RecordShareInput): Promise<Share>;
  getReferrer(userId: number): Promise<Referral | null>;
  listReferrals(referrerId: number, options?: ListReferralsOptions): Promise<Page<Referral>>;
  stats(query?: StatsQuery): Promise<Stats>;
  leaderboard(query?: LeaderboardQuery): Promise<LeaderboardEntry[]>;
  /** Every track in range, oldest first (ties by id), read in pages: memory stays flat however many. */
  exportTracks(query?: ExportQuery): AsyncIterable<Track>;
  /** Every binding whose `boundAt` is in range, oldest first, read in pages. */
  exportReferrals(query?: ExportQuery): AsyncIterable<Referral>;
  /** The `timeZone` option: whose calendar days `stats().byDay` and the CSV exports use. */
  readonly timeZone: string;
  explainReferral(userId: number): Promise<{ referral: Referral | null; decisions: Decision[] }>;
  forgetUser(userId: number): Promise<ForgetResult>;
  purge(options: { before: Date }): Promise<PurgeResult>;
}
