/**
 * The page's language (zh-CN or English) and everything formatted for it through `Intl`: numbers,
 * days and instants (in the tracker's time zone).
 */
import { format, LANGUAGES, type Language, MESSAGES, type MessageKey } from './messages.js';
import { startOf } from './dates.js';

/** The first of the browser's languages we speak; Chinese of any region reads zh-CN. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export const isLanguage = (value: unknown): value is Language => LANGUAGES.includes(value as Language);

export interface Locale {
  lang: Language;
  zone: string;
  t(key: MessageKey, values?: Record<string, string | number>): string;
  number(n: number): string;
  /** A `YYYY-MM-DD` day, short (`11月25日`, `Nov 25`) or long with the year and weekday. */
  day(day: string, style?: 'short' | 'long'): string;
  /** An ISO instant as a date and time in the tracker's zone. */
  instant(iso: string): string;
  /** An amount in a currency's minor unit (fen for CNY), written in that currency: `¥19.90`. */
  money(minor: number, currency: string): string;
}

export function createLocale(lang: Language, zone: string): Locale {
  const numbers = new Intl.NumberFormat(lang);
  // Days are already calendar days of the zone: formatted as UTC dates they stay the same day.
  const shortDay = new Intl.DateTimeFormat(lang, { timeZone: 'UTC', month: 'short', day: 'numeric' });
  const longDay = new Intl.DateTimeFormat(lang, { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric', weekday: 'short' });
  const instants = new Intl.DateTimeFormat(lang, { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
  return {
    lang,
    zone,
    t: (key, values) => format(MESSAGES[lang][key], values),
    number: (n) => numbers.format(n),
    day: (day, style = 'short') => (style === 'short' ? shortDay : longDay).format(startOf(day)),
    instant: (iso) => instants.format(new Date(iso)),
    money: (minor, currency) => {
      const format = new Intl.NumberFormat(lang, { style: 'currency', currency });
      return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
    },
  };
}
