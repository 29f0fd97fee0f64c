/**
 * Reward entries and decisions in words, in the page's language: "held until 12-13 (7-day refund
 * window)", "reversed: order 8812 refunded", "not paid: the 11th referral this month, the rule pays 10".
 * The rules (from `/dashboard/settings`) give the numbers a decision alone does not carry.
 */
import type { RewardRuleView, WireReward, WireRewardDecision } from './api.js';
import type { Locale } from './i18n.js';

const DAY_MS = 86_400_000;

/** An amount in minor units as money of its currency: 1234 CNY → ¥12.34. */
export function money(locale: Locale, amount: number, currency: string): string {
  const format = new Intl.NumberFormat(locale.lang, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

/** `MM-DD` of an instant in the tracker's zone. */
export function shortDay(locale: Locale, iso: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: locale.zone, month: '2-digit', day: '2-digit' }).formatToParts(new Date(iso));
  return `${parts.find((p) => p.type === 'month')?.value}-${parts.find((p) => p.type === 'day')?.value}`;
}

/** 1st, 2nd, 3rd, 11th … in English; the number alone in Chinese (the words around it say 第 … 次). */
export function ordinal(locale: Locale, n: number): string {
  if (locale.lang !== 'en') return String(n);
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Why a reversed or voided entry is so: the library's own notes in the page's language, an operator's as written. */
function reason(locale: Locale, note: string | null): string {
  if (!note) return locale.t('reason.none');
  const order = /^order (.+?) refunded/.exec(note);
  if (order) return locale.t('reason.order', { order: order[1]! });
  const conversion = /^conversion (\d+) refunded/.exec(note);
  if (conversion) return locale.t('reason.conversion', { id: conversion[1]! });
  const rebound = /^rebound to user (\d+)$/.exec(note);
  if (rebound) return locale.t('reason.rebound', { user: rebound[1]! });
  return note;
}

/** Where an entry stands, in words. */
export function rewardWords(locale: Locale, r: WireReward): string {
  if (r.reversal_of !== null)
    return locale.t('reward.clawback', { id: r.reversal_of, reason: reason(locale, r.note?.replace(/ after settlement$/, '') ?? null) });
  switch (r.status) {
    case 'held': {
      const days = Math.max(0, Math.round((Date.parse(r.payable_at) - Date.parse(r.created_at)) / DAY_MS));
      return locale.t('reward.held', { day: shortDay(locale, r.payable_at), days });
    }
    case 'payable':
      return r.replaces !== null
        ? locale.t('reward.replaces', { id: r.replaces })
        : locale.t('reward.payable', { day: shortDay(locale, r.payable_at) });
    case 'settled':
      return locale.t('reward.settled', { day: shortDay(locale, r.settled_at ?? r.payable_at) });
    case 'reversed':
      return locale.t('reward.reversed', { reason: reason(locale, r.note) });
    default:
      return locale.t('reward.voided', { reason: reason(locale, r.note) });
  }
}

/** What a rule's fact is called: "referral", "first_order conversion". */
function factName(locale: Locale, rule: RewardRuleView | undefined): string {
  return rule && typeof rule.on === 'object' ? locale.t('fact.conversion', { type: rule.on.conversion }) : locale.t('fact.referral');
}

/** The tracker's rules, from `/dashboard/settings`. */
let known: readonly RewardRuleView[] = [];
export const useRules = (rules: readonly RewardRuleView[] | undefined): void => void (known = rules ?? []);

/** A decision in words: "not paid: the 11th referral this month, the rule pays 10". */
export function decisionWords(locale: Locale, d: WireRewardDecision, rules: readonly RewardRuleView[] = known): string {
  const rule = rules.find((r) => r.id === d.rule_id);
  const fact = factName(locale, rule);
  const nth = ordinal(locale, d.nth ?? 0);
  switch (d.outcome) {
    case 'outside_window':
      return locale.t('decision.outside_window', { days: rule?.withinDays ?? '?' });
    case 'not_first':
      return locale.t('decision.not_first', { fact });
    case 'not_milestone':
      return locale.t('decision.not_milestone', { nth, fact, every: ordinal(locale, rule?.every ?? 0) });
    case 'capped':
      return locale.t('decision.capped', {
        nth,
        fact,
        period: locale.t(`period.${rule?.cap?.per ?? 'all'}`),
        count: rule?.cap?.count ?? '?',
      });
    default:
      return locale.t(`decision.${d.outcome}`);
  }
}
