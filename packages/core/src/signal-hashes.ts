import { createHmac } from 'node:crypto';
import { type AbuseRules, storesDevice, storesIp } from './model/abuse.js';
import type { Signals } from './model/abuse.js';

/** A visit's signals as storage takes them: keyed hashes, `null` where absent or not needed by any check. */
export interface SignalHashes {
  ip: string | null;
  device: string | null;
}

export const NO_SIGNALS: SignalHashes = { ip: null, device: null };

/**
 * Turns raw signals into keyed hashes (HMAC-SHA256 under a key derived from the salt), at the edge:
 * no raw IP or device id goes further than this. A kind no enabled check reads is dropped here.
 */
export function createSignalHasher(salt: string, rules: AbuseRules): (signals: Signals | null | undefined) => SignalHashes {
  const key = createHmac('sha256', salt).update('promo-track abuse signals').digest();
  const hash = (kind: string, value: string) => createHmac('sha256', key).update(`${kind}\u0000${value}`).digest('base64url').slice(0, 22);
  const ip = storesIp(rules);
  const device = storesDevice(rules);
  return (signals) => {
    if (!signals) return NO_SIGNALS;
    return {
      ip: ip && signals.ip ? hash('ip', normalizeIp(signals.ip)) : null,
      device: device && signals.device ? hash('device', signals.device) : null,
    };
  };
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is `10.0.0.1`; IPv6 in lower case. */
export const normalizeIp = (ip: string): string => {
  const trimmed = ip.trim().toLowerCase();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed;
};
