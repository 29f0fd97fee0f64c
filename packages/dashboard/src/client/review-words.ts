/** What a flag matched, in the reader's words ("same phone as the referrer, 3 minutes apart"). */
import type { Locale } from './i18n.js';

export type WireMatch =
  | { flag: 'same_device' | 'same_ip'; apart_ms: number }
  | { flag: 'velocity'; bindings: number; limit: number }
  | { flag: 'device_cluster'; new_users: number; limit: number };

/** A duration as seconds under a minute, minutes under two hours, else hours. */
export function durationWords(ms: number, locale: Locale): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return locale.t('duration.seconds', { n: locale.number(seconds) });
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return locale.t('duration.minutes', { n: locale.number(minutes) });
  return locale.t('duration.hours', { n: locale.number(Math.round(ms / 3_600_000)) });
}

export function matchWords(match: WireMatch, locale: Locale): string {
  switch (match.flag) {
    case 'same_device':
    case 'same_ip':
      return locale.t(`match.${match.flag}`, { apart: durationWords(match.apart_ms, locale) });
    case 'velocity':
      return locale.t('match.velocity', { count: locale.number(match.bindings), limit: locale.number(match.limit) });
    case 'device_cluster':
      return locale.t('match.device_cluster', { count: locale.number(match.new_users), limit: locale.number(match.limit) });
  }
}
