import { createHash } from 'node:crypto';
import Hashids from 'hashids';

export const MAX_CODE_LENGTH = 32;
const CODE_PATTERN = /^[A-Za-z0-9]{1,32}$/;

export interface PromoKey {
  userId: number;
  promoType: number;
  appid: string | null;
}

/**
 * Promocodes are hashids of (userId, promoType, appid), so a promo's code is known before its
 * row exists: get-or-create is a single conflict-ignoring insert, and any number of racing
 * callers compute the same code. The appid enters as a 48-bit digest (the salt keeps it secret).
 */
export interface Codec {
  encode(key: PromoKey): string;
  /** The key a code stands for, or `null` for a string that no promo could have. */
  decode(code: string): { userId: number; promoType: number } | null;
}

/** Decoded codes kept per codec: decoding (and re-encoding to check) costs more than a visit's own work. */
const DECODED_KEPT = 50_000;

export function createCodec(salt: string, minLength: number): Codec {
  const hashids = new Hashids(salt, minLength);
  const decoded = new Map<string, { userId: number; promoType: number } | null>();
  const appidKey = (appid: string | null): number =>
    appid ? parseInt(createHash('sha256').update(appid).digest('hex').slice(0, 12), 16) + 1 : 0;

  return {
    encode({ userId, promoType, appid }) {
      return hashids.encode(userId, promoType, appidKey(appid));
    },
    decode(code) {
      let key = decoded.get(code);
      if (key !== undefined) return key;
      if (!CODE_PATTERN.test(code) || code.length < minLength) return null;
      const parts = hashids.decode(code);
      key = parts.length === 3 && hashids.encode(parts) === code ? { userId: Number(parts[0]), promoType: Number(parts[1]) } : null;
      if (decoded.size >= DECODED_KEPT) decoded.delete(decoded.keys().next().value!);
      decoded.set(code, key);
      return key;
    },
  };
}
