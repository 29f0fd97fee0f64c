import { Kysely } from 'kysely';
import { MAX_CODE_LENGTH } from './codes.js';
import { isTimeZone } from './days/time-zone.js';
import type { TrackerOptions } from './model/types.js';
import { type Outbox, resolveWebhooks } from './webhooks/endpoints.js';

export interface ResolvedOptions {
  db: TrackerOptions['db'];
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
}

function fail(option: string, problem: string, fix: string): never {
  throw new TypeError(`promo-track: \`${option}\` ${problem}. ${fix}`);
}

/** Checks every option once, at creation, with a message that names the option and the fix. */
export function resolveOptions(options: TrackerOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') fail('options', 'is missing', 'Pass `{ db, salt }`.');
  const { db, salt, tablePrefix = '', codeMinLength = 8, wxacode, attribution, excludeScenes = ['1129'], backdateDays = 7, timeZone = 'UTC', onEvent, webhooks } = options;

  const isKysely = db instanceof Kysely || (!!db && typeof (db as { getExecutor?: unknown }).getExecutor === 'function');
  if (!isKysely) fail('db', 'is not a Kysely instance', 'Pass the `Kysely` instance of your database.');
  if (typeof salt !== 'string' || salt.length < 8) {
    fail('salt', salt ? 'is shorter than 8 characters' : 'is missing', 'Set `salt` to a secret of at least 8 characters (e.g. from PROMO_SALT).');
  }
  if (typeof tablePrefix !== 'string' || !/^[A-Za-z0-9_]{0,32}$/.test(tablePrefix)) {
    fail('tablePrefix', 'must be up to 32 letters, digits or underscores', 'Use e.g. `promo_`.');
  }
  if (!Number.isInteger(codeMinLength) || codeMinLength < 1 || codeMinLength > MAX_CODE_LENGTH - 8) {
    fail('codeMinLength', `must be an integer from 1 to ${MAX_CODE_LENGTH - 8}`, 'Promocodes must fit WeChat\'s 32-character scene.');
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

  const outbox = resolveWebhooks(webhooks, fail);

  return {
    db,
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
  };
}
