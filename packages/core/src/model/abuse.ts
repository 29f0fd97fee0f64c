/**
 * Abuse signals' public types and the pure part of the checks: which flags a binding earns from the
 * facts storage read under the checks' locks. docs/abuse.md explains each check and its false positives.
 */

/** What a visit (or share) carries besides itself; stored only as keyed hashes (HMAC with the salt). */
export interface Signals {
  /** The client's IP address; over HTTP the adapters set it from the request, replacing any value in the body. */
  ip?: string | null;
  /** A random install id the mini-program client keeps in its storage (nothing read from the phone). */
  device?: string | null;
}

/** The `abuse` option: each value 0 turns its check off. */
export interface AbuseOptions {
  /** Flag `same_device` when the new user's device was the referrer's own within this many hours. Default 24. */
  sameDeviceHours?: number;
  /**
   * Flag `same_ip` when the new user's IP was the referrer's own within this many hours. Default 0 (off):
   * visits a host's backend relays all carry the backend's address; turn it on only where the routes face the phones.
   */
  sameIpHours?: number;
  /** Flag `velocity` when the referrer already has this many bindings in the past hour. Default 30. */
  maxBindingsPerHour?: number;
  /** Flag `device_cluster` when the new user's device already brought this many new users. Default 3. */
  maxNewUsersPerDevice?: number;
}

/** Why a binding was flagged. */
export type AbuseFlag = 'same_device' | 'same_ip' | 'velocity' | 'device_cluster';

/** What a check saw, for words in the review queue ("same phone as the referrer, 3 minutes apart"). */
export type FlagMatch =
  | { flag: 'same_device' | 'same_ip'; /** Between the new user's visit and the referrer's own use of it. */ apartMs: number }
  | { flag: 'velocity'; /** The referrer's bindings in the hour before this one. */ bindings: number; limit: number }
  | { flag: 'device_cluster'; /** New users the device had already brought. */ newUsers: number; limit: number };

/** Where a flagged referee stands in the operators' review. */
export type FlagStatus = 'open' | 'released' | 'voided';

/** One flagged referee, as `listFlagged` answers it (the latest flagged binding's flags). */
export interface FlaggedReferee {
  /** The new user whose binding was flagged. */
  refereeId: number;
  /** Whom that binding credited. */
  referrerId: number;
  /** The checks that matched. */
  flags: AbuseFlag[];
  /** What each flag matched. */
  matches: FlagMatch[];
  /** `open` until an operator releases or voids the referee's rewards. */
  status: FlagStatus;
  /** When the flagged binding's visit happened. */
  at: Date;
  /** The flagged binding's visit. */
  trackId: number;
  /** When an operator resolved it; `null` while open. */
  resolvedAt: Date | null;
  /** The operator's note, given with `resolveFlags`. */
  note: string | null;
}

/** Paging and filter of `listFlagged`. */
export interface ListFlaggedOptions {
  /** Only items in this status; all when omitted. */
  status?: FlagStatus;
  /** Items per page, 1 to 500. Default 50. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  cursor?: string | null;
}

/** The `abuse` option, resolved: hours and limits, 0 where a check is off. */
export interface AbuseRules {
  sameDeviceMs: number;
  sameIpMs: number;
  maxBindingsPerHour: number;
  maxNewUsersPerDevice: number;
}

export const HOUR_MS = 3_600_000;

/** Which signals the checks need stored: none of a kind no check reads. */
export const storesDevice = (r: AbuseRules): boolean => r.sameDeviceMs > 0 || r.maxNewUsersPerDevice > 0;
export const storesIp = (r: AbuseRules): boolean => r.sameIpMs > 0;
export const anyCheck = (r: AbuseRules): boolean => storesDevice(r) || storesIp(r) || r.maxBindingsPerHour > 0;

/** What storage read for one binding, under the referrer's and the device's counter rows. */
export interface BindingSignals {
  /** When the referrer's own use of the new user's device / IP was last seen (ms), if ever. */
  referrerDeviceAt: number | null;
  referrerIpAt: number | null;
  /** The binding visit's time (ms). */
  at: number;
  /** The referrer's other bindings in the hour up to `at`. */
  recentBindings: number;
  /** Other new users whose first visit carried this device. */
  deviceNewUsers: number;
}

/** The flags a binding earns, in a fixed order, with what each matched. */
export function judgeBinding(r: AbuseRules, s: BindingSignals): FlagMatch[] {
  const matches: FlagMatch[] = [];
  const near = (seen: number | null, window: number) => window > 0 && seen !== null && Math.abs(s.at - seen) <= window;
  if (near(s.referrerDeviceAt, r.sameDeviceMs)) matches.push({ flag: 'same_device', apartMs: Math.abs(s.at - s.referrerDeviceAt!) });
  if (near(s.referrerIpAt, r.sameIpMs)) matches.push({ flag: 'same_ip', apartMs: Math.abs(s.at - s.referrerIpAt!) });
  if (r.maxBindingsPerHour > 0 && s.recentBindings >= r.maxBindingsPerHour) {
    matches.push({ flag: 'velocity', bindings: s.recentBindings, limit: r.maxBindingsPerHour });
  }
  if (r.maxNewUsersPerDevice > 0 && s.deviceNewUsers >= r.maxNewUsersPerDevice) {
    matches.push({ flag: 'device_cluster', newUsers: s.deviceNewUsers, limit: r.maxNewUsersPerDevice });
  }
  return matches;
}
