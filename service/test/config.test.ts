import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_SALT, readConfig } from '../src/config.js';

const cwd = '/srv/app';
const SALT = 'a-long-enough-salt';

describe('readConfig', () => {
  it('defaults: 127.0.0.1:3000, the SQLite file ./data/promo-track.db, a development salt with a warning', () => {
    const config = readConfig({}, cwd);
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', database: { kind: 'sqlite', file: '/srv/app/data/promo-track.db' } });
    expect(config.salt).toBe(DEVELOPMENT_SALT);
    expect(config.saltWarning).toMatch(/PROMO_SALT/);
    expect(config.wxacode).toBeNull();
  });

  it("TZ_DAYS: the tracker's timeZone, UTC by default; an unknown zone is refused, naming it", () => {
    expect(readConfig({}, cwd).timeZone).toBe('UTC');
    expect(readConfig({ TZ_DAYS: 'Asia/Shanghai' }, cwd).timeZone).toBe('Asia/Shanghai');
    expect(() => readConfig({ TZ_DAYS: 'Beijing' }, cwd)).toThrow(ConfigError);
    expect(() => readConfig({ TZ_DAYS: 'Beijing' }, cwd)).toThrow(/TZ_DAYS/);
  });

  it('PORT and HOST', () => {
    expect(readConfig({ PORT: '8080', HOST: '0.0.0.0', PROMO_SALT: SALT }, cwd)).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      saltWarning: null,
    });
    expect(readConfig({ PORT: '0' }, cwd).port).toBe(0);
    for (const PORT of ['http', '70000', '-1', '80.5']) expect(() => readConfig({ PORT }, cwd)).toThrow(/PORT/);
  });

  it.each([
    ['sqlite:./x.db', { kind: 'sqlite', file: '/srv/app/x.db' }],
    ['sqlite:x.db', { kind: 'sqlite', file: '/srv/app/x.db' }],
    ['sqlite:/var/lib/promo.db', { kind: 'sqlite', file: '/var/lib/promo.db' }],
    ['sqlite:///var/lib/promo.db', { kind: 'sqlite', file: '/var/lib/promo.db' }],
    ['sqlite::memory:', { kind: 'sqlite', file: ':memory:' }],
    ['./data/other.db', { kind: 'sqlite', file: '/srv/app/data/other.db' }],
    ['postgres://u:p@db:5432/promo', { kind: 'postgres', url: 'postgres://u:p@db:5432/promo' }],
    ['postgresql://db/promo', { kind: 'postgres', url: 'postgresql://db/promo' }],
    ['mysql://root@db:3306/promo', { kind: 'mysql', url: 'mysql://root@db:3306/promo' }],
  ])('DATABASE_URL=%s', (DATABASE_URL, database) => {
    expect(readConfig({ DATABASE_URL }, cwd).database).toEqual(database);
  });

  it('an unknown DATABASE_URL scheme is refused, naming the variable', () => {
    expect(() => readConfig({ DATABASE_URL: 'mongodb://db/promo' }, cwd)).toThrow(ConfigError);
    expect(() => readConfig({ DATABASE_URL: 'mongodb://db/promo' }, cwd)).toThrow(/DATABASE_URL/);
  });

  it('production without PROMO_SALT (missing or empty) is refused, naming PROMO_SALT', () => {
    expect(() => readConfig({ NODE_ENV: 'production' }, cwd)).toThrow(/PROMO_SALT/);
    expect(() => readConfig({ NODE_ENV: 'production', PROMO_SALT: '' }, cwd)).toThrow(/PROMO_SALT/);
    expect(readConfig({ NODE_ENV: 'production', PROMO_SALT: SALT }, cwd)).toMatchObject({ salt: SALT, saltWarning: null });
  });

  it('a PROMO_SALT shorter than 8 characters is refused everywhere', () => {
    expect(() => readConfig({ PROMO_SALT: 'short' }, cwd)).toThrow(/PROMO_SALT.*8/);
  });

  it('WeChat codes: both WX_APPID and WX_SECRET, or neither', () => {
    expect(() => readConfig({ WX_APPID: 'wx1' }, cwd)).toThrow(/WX_SECRET/);
    expect(() => readConfig({ WX_SECRET: 's' }, cwd)).toThrow(/WX_APPID/);
    expect(readConfig({ WX_APPID: 'wx1', WX_SECRET: 's', PORT: '8080' }, cwd).wxacode).toEqual({
      appid: 'wx1',
      secret: 's',
      dir: '/srv/app/data/wxacode',
      baseUrl: 'http://127.0.0.1:8080/wxacode/',
      mountPath: '/wxacode/',
      apiBase: undefined,
      maxPerMinute: undefined,
    });
    expect(readConfig({ WX_APPID: 'wx1', WX_SECRET: 's', WXACODE_PER_MINUTE: '600' }, cwd).wxacode).toMatchObject({ maxPerMinute: 600 });
    for (const bad of ['0', '-5', 'lots', '1.5'])
      expect(() => readConfig({ WX_APPID: 'wx1', WX_SECRET: 's', WXACODE_PER_MINUTE: bad }, cwd)).toThrow(/WXACODE_PER_MINUTE/);
    expect(
      readConfig(
        {
          WX_APPID: 'wx1',
          WX_SECRET: 's',
          WXACODE_DIR: '/codes',
          WXACODE_BASE_URL: 'https://cdn.example.com/qr',
          WX_API_BASE: 'http://127.0.0.1:9',
        },
        cwd,
      ).wxacode,
    ).toMatchObject({ dir: '/codes', baseUrl: 'https://cdn.example.com/qr/', mountPath: '/qr/', apiBase: 'http://127.0.0.1:9' });
    expect(() => readConfig({ WX_APPID: 'wx1', WX_SECRET: 's', WXACODE_BASE_URL: 'https://cdn.example.com/' }, cwd)).toThrow(
      /WXACODE_BASE_URL/,
    );
  });

  it('webhooks: WEBHOOK_URL and WEBHOOK_SECRET, or neither; WEBHOOK_EVENTS comma-separated', () => {
    expect(readConfig({}, cwd).webhook).toBeNull();
    expect(readConfig({ WEBHOOK_URL: 'http://127.0.0.1:9/h', WEBHOOK_SECRET: 'whsec_c2VjcmV0c2VjcmV0' }, cwd).webhook).toEqual({
      url: 'http://127.0.0.1:9/h',
      secret: 'whsec_c2VjcmV0c2VjcmV0',
      events: undefined,
    });
    const both = { WEBHOOK_URL: 'http://x/h', WEBHOOK_SECRET: 'whsec_c2VjcmV0c2VjcmV0' };
    expect(readConfig({ ...both, WEBHOOK_EVENTS: ' referral.bound, track.recorded ,' }, cwd).webhook?.events).toEqual([
      'referral.bound',
      'track.recorded',
    ]);
    expect(() => readConfig({ WEBHOOK_URL: 'http://x/h' }, cwd)).toThrow(/WEBHOOK_SECRET is not set/);
    expect(() => readConfig({ WEBHOOK_SECRET: 'whsec_c2VjcmV0' }, cwd)).toThrow(/WEBHOOK_URL is not set/);
    expect(() => readConfig({ WEBHOOK_EVENTS: 'referral.bound' }, cwd)).toThrow(/WEBHOOK_EVENTS is set without/);
  });
});
