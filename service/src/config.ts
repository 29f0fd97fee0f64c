import { isAbsolute, resolve } from 'node:path';

/**
 * The service's configuration, read once from the environment (CONTRACT: "The standalone service").
 * Every variable has a default except the salt in production; a mistake throws `ConfigError` with a
 * message that names the variable and the fix.
 */
export interface ServiceConfig {
  port: number;
  host: string;
  database: DatabaseConfig;
  salt: string;
  /** Set when `PROMO_SALT` was missing outside production: main prints it as a warning. */
  saltWarning: string | null;
  /** Set when `WX_APPID` and `WX_SECRET` are both set. */
  wxacode: WxacodeConfig | null;
  /** `TRUST_PROXY`: Express's `trust proxy` (a hop count, or the proxies' addresses); `false` when unset. */
  trustProxy: number | string[] | false;
  /** `TZ_DAYS`: the tracker's `timeZone` (the days of stats, the dashboard and exports). */
  timeZone: string;
  /** Set when `WEBHOOK_URL` and `WEBHOOK_SECRET` are both set: the service runs the webhook sender. */
  webhook: WebhookConfig | null;
  /** `REWARDS`: the tracker's reward rules, a JSON array (docs/rewards.md); `undefined` when unset. */
  rewards: unknown[] | undefined;
}

export interface WebhookConfig {
  url: string;
  secret: string;
  /** From `WEBHOOK_EVENTS` (comma-separated); unset → the core's default. */
  events: string[] | undefined;
}

export type DatabaseConfig =
  { kind: 'sqlite'; /** absolute path, or ':memory:' */ file: string } | { kind: 'postgres'; url: string } | { kind: 'mysql'; url: string };

export interface WxacodeConfig {
  appid: string;
  secret: string;
  /** Absolute folder the images are written to and served from. */
  dir: string;
  /** Public URL prefix of the images, ending with '/'. */
  baseUrl: string;
  /** Path under which this service serves the images: the path of `baseUrl`, ending with '/'. */
  mountPath: string;
  /** Replaces https://api.weixin.qq.com (tests point it at a local server). */
  apiBase: string | undefined;
  /** `WXACODE_PER_MINUTE`: the generator's `maxPerMinute` (its default when unset). */
  maxPerMinute: number | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The line printed when the service cannot start: `promo-track: ` once, then what failed. The core's
 * own messages (a `createTracker` option, carried into a ConfigError) start with that prefix too.
 */
export function failureLine(error: unknown, what?: string): string {
  const message =
    error instanceof ConfigError
      ? error.message
      : `${what ?? 'start-up failed'}: ${error instanceof Error ? error.message : String(error)}`;
  return `promo-track: ${message.replaceAll('promo-track: ', '')}`;
}

/** The salt used when `PROMO_SALT` is unset outside production. Codes made with it are not secret. */
export const DEVELOPMENT_SALT = 'promo-track-development-salt';

export const DEFAULT_SQLITE_FILE = './data/promo-track.db';

type Env = Record<string, string | undefined>;

/** Reads the configuration from `env`; relative paths are resolved against `cwd`. */
export function readConfig(env: Env = process.env, cwd: string = process.cwd()): ServiceConfig {
  const port = readPort(env.PORT);
  const host = nonEmpty(env.HOST) ?? '127.0.0.1';
  const { salt, saltWarning } = readSalt(env);
  return {
    port,
    host,
    database: readDatabase(nonEmpty(env.DATABASE_URL), cwd),
    salt,
    saltWarning,
    wxacode: readWxacode(env, cwd, host, port),
    trustProxy: readTrustProxy(env.TRUST_PROXY),
    webhook: readWebhook(env),
    timeZone: readTimeZone(env.TZ_DAYS),
    rewards: readRewards(env.REWARDS),
  };
}

/** `REWARDS`: a JSON array of reward rules; the core checks each rule (its message names the rule and the fix). */
function readRewards(value: string | undefined): unknown[] | undefined {
  const raw = nonEmpty(value);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      `REWARDS is not JSON: give a JSON array of rules, e.g. [{"id":"invite","on":"referral.bound","to":"referrer","amount":500}].`,
    );
  }
  if (!Array.isArray(parsed))
    throw new ConfigError(
      'REWARDS must be a JSON array of rules, e.g. [{"id":"invite","on":"referral.bound","to":"referrer","amount":500}].',
    );
  return parsed;
}

/**
 * `TRUST_PROXY`: how many proxies stand in front (`1`), or the addresses and subnets they connect
 * from (`loopback`, `10.0.0.0/8`, comma-separated). Their `X-Forwarded-Proto` / `-For` then count.
 */
function readTrustProxy(value: string | undefined): number | string[] | false {
  const raw = nonEmpty(value);
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (raw === 'true') {
    throw new ConfigError(
      'TRUST_PROXY is "true", which would believe any client: give the number of proxies in front (e.g. 1) or their addresses (e.g. loopback or 10.0.0.0/8).',
    );
  }
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

function readTimeZone(value: string | undefined): string {
  const zone = nonEmpty(value) ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(`TZ_DAYS is "${zone}": it must be an IANA time zone, e.g. Asia/Shanghai or UTC.`);
  }
  return zone;
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

function readPort(value: string | undefined): number {
  const raw = nonEmpty(value);
  if (raw === undefined) return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConfigError(`PORT is "${raw}": it must be a port number from 0 to 65535 (0 picks a free port).`);
  }
  return port;
}

function readSalt(env: Env): { salt: string; saltWarning: string | null } {
  const salt = env.PROMO_SALT ?? '';
  if (salt === '') {
    if (env.NODE_ENV === 'production') {
      throw new ConfigError(
        'PROMO_SALT is not set. In production the service refuses to start without it: set PROMO_SALT to a ' +
          'secret of at least 8 characters (e.g. `openssl rand -hex 16`) and keep it: promocodes are made from it.',
      );
    }
    return {
      salt: DEVELOPMENT_SALT,
      saltWarning:
        'warning: PROMO_SALT is not set; using a development salt. Anyone can derive promocodes made with it. ' +
        'Set PROMO_SALT to a secret of at least 8 characters before production (NODE_ENV=production requires it).',
    };
  }
  if (salt.length < 8) {
    throw new ConfigError('PROMO_SALT is shorter than 8 characters: set it to a secret of at least 8 characters.');
  }
  return { salt, saltWarning: null };
}

/**
 * `sqlite:PATH` (also `sqlite://PATH`, `sqlite:///abs/path`, `sqlite::memory:`), a bare file path,
 * `postgres://…` / `postgresql://…`, `mysql://…`. Unset → the SQLite file `./data/promo-track.db`.
 */
export function readDatabase(url: string | undefined, cwd: string): DatabaseConfig {
  const value = url ?? `sqlite:${DEFAULT_SQLITE_FILE}`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', url: value };
  if (scheme === 'mysql') return { kind: 'mysql', url: value };
  if (scheme === 'sqlite' || scheme === 'sqlite3' || scheme === 'file') {
    let path = value.slice(scheme.length + 1);
    if (path.startsWith('//')) path = path.slice(2); // sqlite://./x.db, sqlite:///abs/x.db
    if (path === '') throw new ConfigError('DATABASE_URL is "sqlite:" without a path: use e.g. sqlite:./data/promo-track.db.');
    return { kind: 'sqlite', file: path === ':memory:' ? path : isAbsolute(path) ? path : resolve(cwd, path) };
  }
  // A Windows drive letter (C:\…) or no scheme at all: a file path.
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(value)) return { kind: 'sqlite', file: resolve(cwd, value) };
  throw new ConfigError(
    `DATABASE_URL has the scheme "${scheme}:", which the service does not know. ` +
      'Use sqlite:PATH, postgres://user:password@host:5432/db or mysql://user:password@host:3306/db.',
  );
}

function readWebhook(env: Env): WebhookConfig | null {
  const url = nonEmpty(env.WEBHOOK_URL);
  const secret = nonEmpty(env.WEBHOOK_SECRET);
  const events = nonEmpty(env.WEBHOOK_EVENTS);
  if (!url && !secret) {
    if (events) throw new ConfigError('WEBHOOK_EVENTS is set without WEBHOOK_URL and WEBHOOK_SECRET: set both, or unset WEBHOOK_EVENTS.');
    return null;
  }
  if (!url || !secret) {
    throw new ConfigError(
      `${url ? 'WEBHOOK_SECRET' : 'WEBHOOK_URL'} is not set: webhooks need both WEBHOOK_URL and WEBHOOK_SECRET (or neither).`,
    );
  }
  return {
    url,
    secret,
    events: events
      ?.split(',')
      .map((e) => e.trim())
      .filter((e) => e !== ''),
  };
}

function readWxacode(env: Env, cwd: string, host: string, port: number): WxacodeConfig | null {
  const appid = nonEmpty(env.WX_APPID);
  const secret = nonEmpty(env.WX_SECRET);
  if (!appid && !secret) return null;
  if (!appid || !secret) {
    throw new ConfigError(
      `${appid ? 'WX_SECRET' : 'WX_APPID'} is not set: mini-program codes need both WX_APPID and WX_SECRET (or neither).`,
    );
  }
  const dir = resolve(cwd, nonEmpty(env.WXACODE_DIR) ?? './data/wxacode');
  const defaultHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let base = nonEmpty(env.WXACODE_BASE_URL) ?? `http://${defaultHost}:${port}/wxacode/`;
  if (!base.endsWith('/')) base += '/';
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw new ConfigError(`WXACODE_BASE_URL is "${base}", not a URL: use e.g. https://promo.example.com/wxacode/.`);
  }
  if (parsed.pathname === '/') {
    throw new ConfigError(
      'WXACODE_BASE_URL must have a path of its own (e.g. https://promo.example.com/wxacode/): "/" would hide the routes.',
    );
  }
  const apiBase = nonEmpty(env.WX_API_BASE);
  const perMinute = nonEmpty(env.WXACODE_PER_MINUTE);
  if (perMinute !== undefined && !/^[1-9]\d*$/.test(perMinute)) {
    throw new ConfigError(`WXACODE_PER_MINUTE is "${perMinute}": it must be a whole number of WeChat code requests a minute, e.g. 1000.`);
  }
  return {
    appid,
    secret,
    dir,
    baseUrl: base,
    mountPath: parsed.pathname,
    apiBase,
    maxPerMinute: perMinute === undefined ? undefined : Number(perMinute),
  };
}
