import type { RewardRule } from './model/rewards.js';

type Fail = (option: string, problem: string, fix: string) => never;

const RULE_KEYS = new Set(['id', 'on', 'to', 'amount', 'percent', 'currency', 'holdDays', 'withinDays', 'firstOnly', 'every', 'cap']);
const CONVERSION_TYPE = /^[a-z0-9_.-]{1,32}$/;
const MAX_AMOUNT = 1e12;

const isCount = (n: unknown, max = 1_000_000): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= max;
const isDays = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 3650;

/**
 * The `rewards` option, checked once at `createTracker`: every mistake throws with the rule's place
 * (`rewards[1].percent`) and the fix. Answers frozen copies, so a host's later edit changes nothing.
 */
export function resolveRewardRules(rules: unknown, fail: Fail): readonly RewardRule[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules))
    fail('rewards', 'must be an array of rules', "Use e.g. `[{ id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500 }]`.");
  const ids = new Set<string>();
  return Object.freeze(rules.map((rule: unknown, i) => Object.freeze(checkRule(rule, `rewards[${i}]`, ids, fail))));
}

function checkRule(rule: unknown, at: string, ids: Set<string>, fail: Fail): RewardRule {
  if (!rule || typeof rule !== 'object' || Array.isArray(rule))
    fail(at, 'must be an object', 'Give `id`, `on`, `to` and `amount` or `percent`.');
  const r = rule as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!RULE_KEYS.has(key)) fail(`${at}.${key}`, 'is not a rule field', `Use only ${[...RULE_KEYS].map((k) => `\`${k}\``).join(', ')}.`);
  }
  const { id, on, to, amount, percent, currency, holdDays, withinDays, firstOnly, every, cap } = r;
  if (typeof id !== 'string' || !/^[a-z0-9_-]{1,32}$/.test(id))
    fail(`${at}.id`, `is ${JSON.stringify(id)}`, 'Use 1 to 32 of a-z, 0-9, `_` and `-`, e.g. `invite_cash`.');
  if (ids.has(id)) fail(`${at}.id`, `repeats "${id}"`, 'Give every rule its own id: entries keep it.');
  ids.add(id);

  const onConversion = typeof on === 'object' && on !== null && !Array.isArray(on);
  if (on !== 'referral.bound' && !onConversion)
    fail(`${at}.on`, `is ${JSON.stringify(on)}`, "Use 'referral.bound', or `{ conversion: 'first_order' }`.");
  if (onConversion) {
    const type = (on as Record<string, unknown>).conversion;
    if (Object.keys(on).some((k) => k !== 'conversion') || typeof type !== 'string' || !CONVERSION_TYPE.test(type)) {
      fail(`${at}.on.conversion`, `is ${JSON.stringify(type)}`, 'Name a conversion type: 1 to 32 of a-z, 0-9, `_`, `.` and `-`.');
    }
  }
  if (to !== 'referrer' && to !== 'referee')
    fail(`${at}.to`, `is ${JSON.stringify(to)}`, "Use 'referrer' or 'referee' (a double-sided program is two rules).");

  if ((amount === undefined) === (percent === undefined))
    fail(
      at,
      'needs exactly one of `amount` and `percent`',
      'Give a fixed `amount` in minor units (fen), or a `percent` of the conversion.',
    );
  if (amount !== undefined && !(typeof amount === 'number' && Number.isInteger(amount) && amount > 0 && amount <= MAX_AMOUNT)) {
    fail(`${at}.amount`, `is ${JSON.stringify(amount)}`, 'Use a whole number of minor units (500 is ¥5.00), from 1 to 10^12.');
  }
  if (percent !== undefined) {
    if (!onConversion) fail(`${at}.percent`, 'is only for conversion rules', 'Use a fixed `amount` for a binding.');
    if (!(typeof percent === 'number' && Number.isFinite(percent) && percent > 0 && percent <= 100))
      fail(`${at}.percent`, `is ${JSON.stringify(percent)}`, 'Use a number above 0 and at most 100.');
  }
  if (currency !== undefined && !(typeof currency === 'string' && /^[A-Z]{3}$/.test(currency)))
    fail(`${at}.currency`, `is ${JSON.stringify(currency)}`, "Use three upper-case letters (ISO 4217), e.g. 'CNY'.");
  if (holdDays !== undefined && !isDays(holdDays))
    fail(`${at}.holdDays`, `is ${JSON.stringify(holdDays)}`, 'Use a number of days from 0 to 3650, e.g. 7 for a refund window.');
  if (withinDays !== undefined) {
    if (!onConversion) fail(`${at}.withinDays`, 'is only for conversion rules', 'Remove it: a binding is always within its own window.');
    if (!isDays(withinDays) || withinDays === 0)
      fail(`${at}.withinDays`, `is ${JSON.stringify(withinDays)}`, 'Use a number of days above 0, at most 3650.');
  }
  if (firstOnly !== undefined) {
    if (!onConversion) fail(`${at}.firstOnly`, 'is only for conversion rules', 'Remove it: a user is bound as a new user once.');
    if (typeof firstOnly !== 'boolean') fail(`${at}.firstOnly`, `is ${JSON.stringify(firstOnly)}`, 'Use true or false.');
  }
  if (every !== undefined && !isCount(every))
    fail(`${at}.every`, `is ${JSON.stringify(every)}`, 'Use a whole number from 1 up, e.g. 5 for every 5th.');
  if (cap !== undefined) {
    const c = cap as Record<string, unknown> | null;
    if (!c || typeof c !== 'object' || Array.isArray(c) || Object.keys(c).some((k) => k !== 'count' && k !== 'per')) {
      fail(`${at}.cap`, 'must be `{ count, per }`', "Use e.g. `{ count: 10, per: 'month' }`.");
    }
    if (!isCount(c.count)) fail(`${at}.cap.count`, `is ${JSON.stringify(c.count)}`, 'Use a whole number from 1 up.');
    if (!['day', 'week', 'month', 'all'].includes(c.per as string))
      fail(`${at}.cap.per`, `is ${JSON.stringify(c.per)}`, "Use 'day', 'week', 'month' or 'all'.");
  }
  const clean: RewardRule = { id, on: onConversion ? { conversion: (on as { conversion: string }).conversion } : 'referral.bound', to };
  if (amount !== undefined) clean.amount = amount as number;
  if (percent !== undefined) clean.percent = percent as number;
  if (currency !== undefined) clean.currency = currency as string;
  if (holdDays !== undefined) clean.holdDays = holdDays;
  if (withinDays !== undefined) clean.withinDays = withinDays as number;
  if (firstOnly !== undefined) clean.firstOnly = firstOnly as boolean;
  if (every !== undefined) clean.every = every;
  if (cap !== undefined) {
    const c = cap as { count: number; per: 'day' | 'week' | 'month' | 'all' };
    clean.cap = { count: c.count, per: c.per };
  }
  return clean;
}
