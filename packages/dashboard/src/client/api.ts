/**
 * The dashboard's only way to the data: the contract's own routes (`GET /stats`, `/leaderboard`,
 * `/promos/:promocode`, `/users/:user_id/referrals` and `/attribution`, the CSV exports and
 * `/webhooks/messages`, the rewards routes, `/flags` and `/users/:user_id/flags/resolve`), plus the plugin's `/dashboard/settings` and `/dashboard/names`, relative
 * to where the routes are mounted. Nothing but this origin.
 */

export interface WireStats {
  visits: number;
  new_user_visits: number;
  returning_user_visits: number;
  unique_visitors: number;
  unique_visitors_estimated?: boolean;
  referrals: number;
  shares: number;
  by_scene: { scene: string; label: string | null; visits: number }[];
  by_day: { day: string; visits: number; new_user_visits: number; shares: number; conversions?: number }[];
  by_share_type: { share_type: 0 | 1 | 2; shares: number }[];
  /** Absent on services older than conversions. */
  conversions?: {
    count: number;
    referred: number;
    by_type: { type: string; count: number; referred: number }[];
    revenue: { currency: string; amount: number; referred_amount: number }[];
  };
}

export interface WireConversion {
  id: number;
  user_id: number;
  type: string;
  order_id: string | null;
  amount: number;
  refunded_amount: number;
  currency: string;
  referrer: number | null;
  detail: string | null;
  created_at: string;
}

export interface WireConversionPage {
  items: WireConversion[];
  next_cursor: string | null;
}

export type Outcome = 'bound' | 'rebound' | 'kept' | 'self' | 'cycle' | 'returning_user' | 'outside_window' | 'excluded_scene';

export interface WireAttribution {
  referral: WireReferral | null;
  /** `scene`: the visit's launch scene (services before it answer without). */
  decisions: { track_id: number; promocode: string; candidate: number; outcome: Outcome; scene?: string; at: string }[];
  conversions?: WireConversion[];
  /** Absent on services without the rewards ledger. */
  rewards?: { entries: WireReward[]; decisions: WireRewardDecision[] };
}

export interface WireMessage {
  id: string;
  type: string;
  /** The user the event is about (its data's `user_id`); services before it answer without. */
  user_id?: number | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
}

export interface WireMessagePage {
  items: WireMessage[];
  next_cursor: string | null;
}

export interface WireSettings {
  time_zone: string;
  /** The tracker's reward rules (camelCase, as the option takes them); absent on older services. */
  reward_rules?: RewardRuleView[];
}

/** What the dashboard needs of a reward rule to put its decisions in words. */
export interface RewardRuleView {
  id: string;
  on: 'referral.bound' | { conversion: string };
  holdDays?: number;
  withinDays?: number;
  every?: number;
  cap?: { count: number; per: 'day' | 'week' | 'month' | 'all' };
}

export type RewardStatus = 'held' | 'payable' | 'settled' | 'reversed' | 'voided';

export interface WireReward {
  id: number;
  rule_id: string;
  user_id: number | null;
  referrer: number | null;
  referee: number | null;
  conversion_id: number | null;
  amount: number;
  currency: string;
  status: RewardStatus;
  payable_at: string;
  created_at: string;
  settled_at: string | null;
  replaces: number | null;
  reversal_of: number | null;
  note: string | null;
}

export interface WireRewardPage {
  items: WireReward[];
  next_cursor: string | null;
  balance?: { currency: string; held: number; payable: number; settled: number }[];
}

export interface WireRewardDecision {
  rule_id: string;
  conversion_id: number | null;
  outcome: 'created' | 'no_referrer' | 'outside_window' | 'not_first' | 'not_milestone' | 'capped' | 'held_for_review' | 'voided_by_review';
  at: string;
  referrer?: number | null;
  referee?: number | null;
  nth?: number | null;
}

export interface WireLeaderboard {
  items: { referrer: number; referrals: number; visits: number; conversions?: number; revenue?: number }[];
}

export interface WirePromo {
  id: number;
  user_id: number;
  promo_type: number;
  appid: string | null;
  promocode: string;
  wxbcode: string | null;
  page: string | null;
  created_at: string;
}

export interface WireReferral {
  user_id: number;
  referrer: number;
  promocode: string;
  scene: string;
  track_id: number;
  bound_at: string;
}

export interface WireReferralPage {
  items: WireReferral[];
  next_cursor: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where the routes are mounted: the page is `<mount>/dashboard`, so `/api/dashboard` → `/api`. */
export function mountOf(pathname: string): string {
  return pathname.replace(/\/dashboard\/?$/, '');
}

export type Query = Record<string, string | number | undefined>;

/** The URL of a route below the mount, with its query (undefined values left out). */
export function routeUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const search = params.toString();
  return `${mountOf(location.pathname)}${path}${search ? `?${search}` : ''}`;
}

export const getJson = <T>(path: string, query: Query = {}): Promise<T> => call<T>('GET', routeUrl(path, query));
export const postJson = <T>(path: string, body?: unknown): Promise<T> => call<T>('POST', routeUrl(path), body);

/** Whether a route answers here (routes added by later versions answer 404 on older services). */
export async function routeExists(path: string, query: Query = {}): Promise<boolean> {
  try {
    const response = await fetch(routeUrl(path, query), { credentials: 'same-origin' });
    // Read to its end (the probes ask for an empty page): a cancelled body shows as an aborted request.
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function call<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  let response: Response;
  const headers: Record<string, string> =
    body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' };
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', 'The service did not answer. Is it running?');
  }
  if (response.status === 202 || response.status === 204) return null as T;
  const answer: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (answer as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'http_' + response.status,
      error?.message ?? `${response.status} ${response.statusText}`,
    );
  }
  return answer as T;
}
