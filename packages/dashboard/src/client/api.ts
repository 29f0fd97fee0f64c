/**
 * The dashboard's only way to the data: the contract's own routes (`GET /stats`, `/leaderboard`,
 * `/promos/:promocode`, `/users/:user_id/referrals` and `/attribution`, the CSV exports and
 * `/webhooks/messages`), plus the plugin's `/dashboard/settings` and `/dashboard/names`, relative
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
  by_day: { day: string; visits: number; new_user_visits: number; shares: number }[];
  by_share_type: { share_type: 0 | 1 | 2; shares: number }[];
}

export type Outcome = 'bound' | 'rebound' | 'kept' | 'self' | 'cycle' | 'returning_user' | 'outside_window' | 'excluded_scene';

export interface WireAttribution {
  referral: WireReferral | null;
  decisions: { track_id: number; promocode: string; candidate: number; outcome: Outcome; at: string }[];
}

export interface WireMessage {
  id: string;
  type: string;
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
}

export interface WireLeaderboard {
  items: { referrer: number; referrals: number; visits: number }[];
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
export const postJson = <T>(path: string): Promise<T> => call<T>('POST', routeUrl(path));

/** Whether a route answers here (routes added by later versions answer 404 on older services). */
export async function routeExists(path: string, query: Query = {}): Promise<boolean> {
  try {
    const response = await fetch(routeUrl(path, query), { credentials: 'same-origin' });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function call<T>(method: 'GET' | 'POST', url: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { method, headers: { accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The service did not answer. Is it running?');
  }
  if (response.status === 202 || response.status === 204) return null as T;
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'http_' + response.status, error?.message ?? `${response.status} ${response.statusText}`);
  }
  return body as T;
}
