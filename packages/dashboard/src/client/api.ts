/**
 * The dashboard's only way to the data: the contract's own routes (`GET /stats`, `/leaderboard`,
 * `/promos/:promocode`, `/users/:user_id/referrals`), relative to where the routes are mounted.
 * No second API, and nothing but this origin.
 */

export interface WireStats {
  visits: number;
  new_user_visits: number;
  returning_user_visits: number;
  unique_visitors: number;
  referrals: number;
  shares: number;
  by_scene: { scene: string; label: string | null; visits: number }[];
  by_day: { day: string; visits: number; new_user_visits: number; shares: number }[];
  by_share_type: { share_type: 0 | 1 | 2; shares: number }[];
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

export async function getJson<T>(path: string, query: Query = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const search = params.toString();
  const url = `${mountOf(location.pathname)}${path}${search ? `?${search}` : ''}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The service did not answer. Is it running?');
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'http_' + response.status, error?.message ?? `${response.status} ${response.statusText}`);
  }
  return body as T;
}
