import { Kysely } from 'kysely';
import { MAX_CODE_LENGTH } from './codes.js';
import { isTimeZone } from './days/time-zone.js';
import { detectDialect } from './store/dialects/detect.js';
import type { RewardRule } from './model/rewards.js';
import { type AbuseRules, HOUR_MS } from './model/abuse.js';
import type { TrackerOptions } from './model/types.js';
import { resolveRewardRules } from './reward-rules.js';
import { type Outbox, resolveWebhooks } from './webhooks/endpoints.js';

export interface ResolvedOptions {
  db: TrackerOptions['db'];
  /** `db` when the option is not given. */
  readDb: TrackerOptions['db'];
  salt: string;
  tablePrefix: string;
  codeMinLength: number;
  wxacode: TrackerOptions['wxacode'];
  model: 'first-touch' | 'last-touch';
  windowDays: number | undefined;
  excludeScenes: Set<string>;
  backdateDays: number;
  timeZone: string;
  onEvent: TrackerOptions['onEvent'];
  outbox: Outbox;
  rewards: readonly RewardRule[];
  abuse: AbuseRules;
}

const isKysely = (db: unknown): db is Kysely<any> =>
  db instanceof Kysely || (!!db && typeof (db as { getExecutor?: unknown }).getExecutor === 'function');

function fail(option: string, problem: string, fix: string): never {
  throw new TypeError(`promo-track: \`${option}\` ${problem}. ${fix}`);
}

/** Checks every option once, at creation, with a message that names the option and the fix. */
export function resolveOptions(options: TrackerOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') fail('options', 'is missing', 'Pass `{ db, salt }`.');
  const {
    db,
    readDb = db,
    salt,
    tablePrefix = '',
    codeMinLength = 8,
    wxacode,
    attribution,
    excludeScenes = ['1129'],
    backdateDays = 7,
    timeZone = 'UTC',
    onEvent,
    webhooks,
    rewards,
    abuse,
    webhookRetentionDays = 7,
  } = options;

  if (!isKysely(db)) fail('db', 'is not a Kysely instance', 'Pass the `Kysely` instance of your database.');
  if (!isKysely(readDb)) fail('readDb', 'is not a Kysely instance', 'Pass the `Kysely` instance of a read replica of `db`, or omit it.');
  if (detectDialect(readDb) !== detectDialect(db)) {
    fail('readDb', `is a ${detectDialect(readDb).name} database and \`db\` a ${detectDialect(db).name} one`, 'Pass a replica of `db`.');
  }
  if (salt === undefined || salt === null || salt === '')
    fail('salt', 'is missing', 'Set `salt` to a secret of at least 8 characters (e.g. from PROMO_SALT).');
  if (typeof salt !== 'string')
    fail('salt', `must be a string (it is a ${typeof salt})`, "Quote it: `salt: '…'`, a secret of at least 8 characters.");
  if (salt.length < 8)
    fail('salt', 'is shorter than 8 characters', 'Set `salt` to a secret of at least 8 characters (e.g. from PROMO_SALT).');
  if (typeof tablePrefix !== 'string' || !/^[A-Za-z0-9_]{0,32}$/.test(tablePrefix)) {
    fail('tablePrefix', 'must be up to 32 letters, digits or underscores', 'Use e.g. `promo_`.');
  }
  if (!Number.isInteger(codeMinLength) || codeMinLength < 1 || codeMinLength > MAX_CODE_LENGTH - 8) {
    fail('codeMinLength', `must be an integer from 1 to ${MAX_CODE_LENGTH - 8}`, "Promocodes must fit WeChat's 32-character scene.");
  }
  if (wxacode !== undefined && (typeof wxacode !== 'object' || typeof wxacode.generate !== 'function')) {
    fail('wxacode', 'is not a mini-program code generator', 'Pass the result of `createWxacodeGenerator(…)`.');
  }
  if (attribution !== undefined && (typeof attribution !== 'object' || attribution === null || Array.isArray(attribution))) {
    fail('attribution', 'must be an object', "Use e.g. `{ model: 'last-touch', windowDays: 30 }`.");
  }
  for (const name of Object.keys(attribution ?? {})) {
    if (name !== 'model' && name !== 'windowDays') fail(`attribution.${name}`, 'is not an option', 'Use `model` and `windowDays`.');
  }
  const model = attribution?.model ?? 'first-touch';
  if (model !== 'first-touch' && model !== 'last-touch') {
    fail('attribution.model', `is "${String(model)}"`, "Use 'first-touch' or 'last-touch'.");
  }
  const windowDays = attribution?.windowDays ?? (model === 'last-touch' ? 30 : undefined);
  if (windowDays !== undefined && !(typeof windowDays === 'number' && windowDays > 0 && Number.isFinite(windowDays))) {
    fail('attribution.windowDays', 'must be a positive number of days', 'Omit it for no window.');
  }
  if (!Array.isArray(excludeScenes) || excludeScenes.some((s) => !/^\d{1,32}$/.test(String(s)))) {
    fail('excludeScenes', 'must be an array of numeric scene values', "Use e.g. `['1129']`.");
  }
  if (!(typeof backdateDays === 'number' && backdateDays >= 0 && Number.isFinite(backdateDays))) {
    fail('backdateDays', 'must be a number of days, 0 or more', 'Omit it for the default of 7.');
  }
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
    fail('timeZone', `is not a known IANA time zone (${JSON.stringify(timeZone)})`, "Use e.g. 'Asia/Shanghai' or 'UTC'.");
  }
  if (onEvent !== undefined && typeof onEvent !== 'function') fail('onEvent', 'is not a function', 'Pass `(event) => …`.');

  if (!(typeof webhookRetentionDays === 'number' && webhookRetentionDays > 0 && Number.isFinite(webhookRetentionDays))) {
    fail('webhookRetentionDays', 'must be a positive number of days', 'Omit it for the default of 7.');
  }
  const outbox = resolveWebhooks(webhooks, webhookRetentionDays, fail);
  const rules = resolveRewardRules(rewards, fail);
  const abuseRules = resolveAbuse(abuse);

  return {
    db,
    readDb,
    salt,
    tablePrefix,
    codeMinLength,
    wxacode,
    model,
    windowDays,
    excludeScenes: new Set(excludeScenes.map(String)),
    backdateDays,
    timeZone,
    onEvent,
    outbox,
    rewards: rules,
    abuse: abuseRules,
  };
}

const ABUSE_DEFAULTS = { sameDeviceHours: 24, sameIpHours: 0, maxBindingsPerHour: 30, maxNewUsersPerDevice: 3 };

/** The `abuse` option: each check's hours or limit, 0 for off (docs/abuse.md). */
function resolveAbuse(abuse: TrackerOptions['abuse']): AbuseRules {
  if (abuse !== undefined && (typeof abuse !== 'object' || abuse === null || Array.isArray(abuse))) {
    fail('abuse', 'must be an object', 'Use e.g. `{ sameDeviceHours: 24, maxBindingsPerHour: 30 }`.');
  }
  const given: Record<string, unknown> = { ...abuse };
  for (const name of Object.keys(given)) {
    if (!(name in ABUSE_DEFAULTS))
      fail(
        `abuse.${name}`,
        'is not an option',
        `Use ${Object.keys(ABUSE_DEFAULTS)
          .map((n) => `\`${n}\``)
          .join(', ')}.`,
      );
  }
  const value = (name: keyof typeof ABUSE_DEFAULTS, whole: boolean): number => {
    const v = given[name] ?? ABUSE_DEFAULTS[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (whole && !Number.isInteger(v))) {
      fail(`abuse.${name}`, `must be ${whole ? 'a whole number' : 'a number'}, 0 or more`, 'Use 0 to turn the check off.');
    }
    return v;
  };
  return {
    sameDeviceMs: value('sameDeviceHours', false) * HOUR_MS,
    sameIpMs: value('sameIpHours', false) * HOUR_MS,
    maxBindingsPerHour: value('maxBindingsPerHour', true),
    maxNewUsersPerDevice: value('maxNewUsersPerDevice', true),
  };
}
