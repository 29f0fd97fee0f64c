import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { startLine } from '../src/start-line.js';

const cwd = '/srv/app';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const line = (env: Record<string, string>) =>
  startLine(readConfig({ PROMO_SALT: 'a-long-enough-salt', ...env }, cwd), '127.0.0.1', 3000, 4242);

/** The one line logged at each start (service/src/main.ts prints exactly this). */
describe('the start line', () => {
  it('names the URL, the database and the pid, and nothing about webhooks when they are off', () => {
    expect(line({})).toBe('promo-track listening on http://127.0.0.1:3000 (sqlite /srv/app/data/promo-track.db, pid 4242)');
    expect(startLine(readConfig({}, cwd), '::1', 8080, 1)).toMatch(/^promo-track listening on http:\/\/\[::1\]:8080 /);
  });

  it('with webhooks on, names the endpoint’s origin (no path, query or credentials) and the events sent', () => {
    const on = line({ WEBHOOK_URL: 'https://rewards.example.com:8443/hooks/promo?token=s3cret', WEBHOOK_SECRET: SECRET });
    expect(on).toBe(
      'promo-track listening on http://127.0.0.1:3000 (sqlite /srv/app/data/promo-track.db, pid 4242); webhooks on: https://rewards.example.com:8443 (referral.bound, user.forgotten)',
    );
    expect(on).not.toContain('s3cret');
    const chosen = line({ WEBHOOK_URL: 'http://10.0.0.5/in', WEBHOOK_SECRET: SECRET, WEBHOOK_EVENTS: 'promo.created, referral.bound' });
    expect(chosen).toMatch(/; webhooks on: http:\/\/10\.0\.0\.5 \(promo\.created, referral\.bound\)$/);
    // The test helpers' pattern for the start line still finds the URL and pid.
    expect(/promo-track listening on (http:\/\/\S+) \(.*pid (\d+)\)/.exec(chosen)?.slice(1)).toEqual(['http://127.0.0.1:3000', '4242']);
  });
});
