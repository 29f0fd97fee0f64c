import { describe, expect, it } from 'vitest';
import { createLocale, pickLanguage } from '../../packages/dashboard/src/client/i18n.js';
import { MESSAGES } from '../../packages/dashboard/src/client/messages.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the dashboard's two languages", () => {
  it('picks the first of the browser’s languages it speaks', () => {
    expect(pickLanguage(['zh-CN', 'en'])).toBe('zh-CN');
    expect(pickLanguage(['zh-TW'])).toBe('zh-CN');
    expect(pickLanguage(['zh-Hans-SG'])).toBe('zh-CN');
    expect(pickLanguage(['en-GB', 'zh-CN'])).toBe('en');
    expect(pickLanguage(['fr-FR', 'zh'])).toBe('zh-CN');
    expect(pickLanguage(['fr-FR'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });

  it('has every message in both, with the same placeholders, none empty', () => {
    const keys = Object.keys(MESSAGES.en).sort();
    expect(Object.keys(MESSAGES['zh-CN']).sort()).toEqual(keys);
    for (const key of keys as (keyof (typeof MESSAGES)['en'])[]) {
      expect(MESSAGES['zh-CN'][key].trim(), key).not.toBe('');
      expect(placeholders(MESSAGES['zh-CN'][key]), key).toEqual(placeholders(MESSAGES.en[key]));
    }
  });

  it('explains every attribution outcome in both languages', () => {
    const outcomes = ['bound', 'rebound', 'kept', 'self', 'cycle', 'returning_user', 'outside_window', 'excluded_scene'];
    for (const lang of ['en', 'zh-CN'] as const) {
      const locale = createLocale(lang, 'UTC');
      for (const outcome of outcomes) {
        const why = locale.t(`why.${outcome}` as 'why.bound', { candidate: '王芳', code: 'K5NsmFYzqB', scene: '1129 · 微信爬虫场景' });
        expect(why, `${lang} ${outcome}`).not.toMatch(/\{\w+\}/);
        expect(locale.t(`outcome.${outcome}` as 'outcome.bound')).not.toBe('');
      }
    }
  });

  it('formats numbers, days and instants for the language, instants in the tracker’s zone', () => {
    const zh = createLocale('zh-CN', 'Asia/Shanghai');
    const en = createLocale('en', 'America/New_York');
    expect(zh.number(1234567)).toBe('1,234,567');
    expect(en.number(1234567)).toBe('1,234,567');
    expect(zh.day('2026-11-05')).toBe('11月5日');
    expect(en.day('2026-11-05')).toBe('Nov 5');
    expect(zh.day('2026-11-05', 'long')).toBe('2026年11月5日周四');
    // 23:30 UTC is the next morning in Shanghai and the same evening in New York.
    expect(zh.instant('2026-11-25T23:30:00.000Z')).toBe('2026年11月26日 07:30');
    expect(en.instant('2026-11-25T23:30:00.000Z')).toMatch(/^Nov 25, 2026, 6:30\sPM$/); // ICU puts a narrow space before PM
  });
});
