import type { PromoClientOptions, PromoRequest, PromoResponse } from './types.js';

/** Thrown for what is worth trying again later: a network failure, 5xx, 401, 408 or 429. */
export const RETRY = new Error('promo-track: try again later');

export type Call = (method: 'GET' | 'POST', path: string, data?: unknown) => Promise<PromoResponse>;

/** Calls a route under `baseUrl` with the host's headers; answers only 2xx and final 4xx. */
export function createCaller(options: PromoClientOptions, request: PromoRequest): Call {
  const base = options.baseUrl.replace(/\/+$/, '');
  return async (method, path, data) => {
    const extra = options.header;
    const header = { 'content-type': 'application/json', ...(typeof extra === 'function' ? await extra() : extra) };
    let res: PromoResponse;
    try {
      res = await request({ url: base + path, method, data, header });
    } catch {
      throw RETRY;
    }
    const status = res.statusCode;
    if (!(status < 500) || status === 401 || status === 408 || status === 429) throw RETRY;
    return res;
  };
}

/** The batch positions a 4xx answer names in its `issues` (`events.3.promocode` → 3). */
export function namedEvents(data: unknown): number[] {
  const issues = (data as { error?: { issues?: { path?: unknown }[] } } | null)?.error?.issues;
  const named: number[] = [];
  if (Array.isArray(issues)) {
    for (const issue of issues) {
      const m = /^events\.(\d+)(\.|$)/.exec(String(issue && issue.path));
      if (m) named.push(Number(m[1]));
    }
  }
  return named;
}
