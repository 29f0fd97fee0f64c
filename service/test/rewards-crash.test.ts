/**
 * The rewards ledger under a crash: the built service runs with reward rules and takes a mixed
 * load — visits (~35% of them from new users), conversions posted as the host's backend would
 * (admin token; orders with an order id, a once-per-user `phone_verified`, some from users never
 * bound) and partial or full refunds of acknowledged orders — and is SIGKILLed at a random moment;
 * it is restarted on the same database and takes more. Then, computed from the committed rows
 * (not from what clients were told): every committed binding, conversion and refund has exactly
 * the entries its rules give, none for a fact that was not committed, and the milestone counts
 * (every 3, at most 4 per referrer) are what the committed bindings make them.
 */
import { describe, expect, it } from 'vitest';
import { crashDatabases } from './support/crash-databases.js';
import { crashHarness, drive, postJson, promocodesOf, visitors } from './support/crash-load.js';

const BEFORE = 200;
const AFTER = 50;
const NEW_USERS = 0.35;
const REFERRERS = [1, 2, 3, 4, 5];
const ADMIN_TOKEN = 'rewards-crash-admin-token';
const COMMISSION_PERCENT = 10;
const RULES = [
  { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500, holdDays: 7 },
  { id: 'welcome', on: 'referral.bound', to: 'referee', amount: 300 },
  { id: 'third', on: 'referral.bound', to: 'referrer', amount: 1000, every: 3, cap: { count: 4, per: 'all' } },
  { id: 'commission', on: { conversion: 'order' }, to: 'referrer', percent: COMMISSION_PERCENT, holdDays: 7 },
  { id: 'verified', on: { conversion: 'phone_verified' }, to: 'referrer', amount: 200 },
];
const harness = crashHarness('rewards');
const commission = (amount: number, refunded: number) => Math.floor(((amount - refunded) * COMMISSION_PERCENT) / 100);

describe.concurrent.each(crashDatabases)('rewards on $name: SIGKILL under load, restart', (database) => {
  it.skipIf(!database.enabled)(
    "every committed binding, conversion and refund has exactly its rules' entries, none for an uncommitted one",
    async () => {
      const store = await database.open(harness.dir);
      try {
        const env = { PROMO_SALT: 'rewards-crash-salt', DATABASE_URL: store.url, REWARDS: JSON.stringify(RULES), ADMIN_TOKEN };
        const began = Date.now();
        let service = await harness.start(env);
        const started = Date.now() - began;
        const codes = await promocodesOf(service, REFERRERS);
        const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
        const users = visitors(NEW_USERS);
        const orders: { id: number; amount: number }[] = []; // acknowledged, so committed: refunds pick from these
        let serial = 0;

        const visit = async () => {
          const promocode = codes[Math.floor(Math.random() * codes.length)]!;
          return (await postJson(`${service.url}/tracks`, { user_id: users.pick(), promocode, scene: 1047 }))?.status === 201;
        };
        const convert = async () => {
          // One in five from a user who never visited (no referrer); else a visitor, mostly bound.
          const userId =
            Math.random() < 0.2 || users.known.length === 0
              ? 900_000 + serial++
              : users.known[Math.floor(Math.random() * users.known.length)]!;
          const body =
            Math.random() < 0.25
              ? { user_id: userId, type: 'phone_verified' }
              : { user_id: userId, type: 'order', order_id: `o-${serial++}`, amount: 100 + Math.floor(Math.random() * 9900) };
          const res = await postJson(`${service.url}/conversions`, body, admin);
          if (res?.status === 201 && body.type === 'order') orders.push({ id: (res.body as { id: number }).id, amount: body.amount! });
          return res?.status === 201 || res?.status === 200;
        };
        const refund = async () => {
          if (orders.length === 0) return convert();
          const order = orders[Math.floor(Math.random() * orders.length)]!;
          const amount = Math.random() < 0.3 ? undefined : 1 + Math.floor(Math.random() * (order.amount / 3));
          const res = await postJson(`${service.url}/conversions/${order.id}/refunds`, { refund_id: `r-${serial++}`, amount }, admin);
          return res?.status === 200;
        };
        const send = () => {
          const r = Math.random();
          return r < 0.55 ? visit() : r < 0.85 ? convert() : refund();
        };

        const counts = { sent: 0, acknowledged: 0 };
        const killAt = 40 + Math.floor(Math.random() * 110);
        expect(await drive(counts, BEFORE, send, { service, at: killAt })).toBe(true);
        await service.exited;
        service = await harness.start(env);
        await drive(counts, BEFORE + AFTER, send, null);
        const loaded = Date.now() - began;

        type Id = number | string;
        type Entry = { rule_id: string; user_id: Id; referrer: Id; referee: Id; conversion_id: Id | null; amount: Id; status: string };
        const bindings = await store.query<{ user_id: Id; referrer: Id }>('select user_id, referrer from referral');
        const conversions = await store.query<{ id: Id; user_id: Id; type: string; amount: Id; refunded_amount: Id; referrer: Id | null }>(
          'select id, user_id, type, amount, refunded_amount, referrer from conversion',
        );
        const refunds = await store.query<{ conversion_id: Id; amount: Id }>('select conversion_id, amount from conversion_refund');
        const entries = await store.query<Entry>('select rule_id, user_id, referrer, referee, conversion_id, amount, status from reward');
        const key = (...parts: unknown[]) => parts.map(String).join(':');

        // Bindings: each earns one invite (referrer) and one welcome (referee); each referrer's every
        // 3rd binding earns a milestone, at most 4.
        const expectedBound: string[] = [];
        const perReferrer = new Map<string, number>();
        for (const b of bindings) {
          expectedBound.push(key('invite', b.referrer, b.referrer, b.user_id, 500), key('welcome', b.user_id, b.referrer, b.user_id, 300));
          perReferrer.set(String(b.referrer), (perReferrer.get(String(b.referrer)) ?? 0) + 1);
        }
        const ofBindings = entries.filter((e) => e.conversion_id === null && e.rule_id !== 'third');
        expect(ofBindings.map((e) => key(e.rule_id, e.user_id, e.referrer, e.referee, e.amount)).sort()).toEqual(expectedBound.sort());
        for (const [referrer, n] of perReferrer) {
          const milestones = entries.filter((e) => e.rule_id === 'third' && String(e.user_id) === referrer);
          expect(milestones.length, `referrer ${referrer} with ${n} bindings`).toBe(Math.min(4, Math.floor(n / 3)));
        }

        // Conversions: a credited one earns its rule's entry (10% of what is not refunded, or 200).
        // A committed refund that changed the 10% reversed the entry and, while money was left,
        // replaced it (so at most one entry per refund more); an uncommitted one changed nothing.
        // An uncredited conversion earns nothing and leaves a `no_referrer` decision.
        const refundsOf = new Map<string, number>();
        const refunded = new Map<string, number>();
        for (const r of refunds) {
          refundsOf.set(String(r.conversion_id), (refundsOf.get(String(r.conversion_id)) ?? 0) + 1);
          refunded.set(String(r.conversion_id), (refunded.get(String(r.conversion_id)) ?? 0) + Number(r.amount));
        }
        const expectedLive: string[] = [];
        for (const c of conversions) {
          expect(refunded.get(String(c.id)) ?? 0, `conversion ${c.id}: its refunds add up`).toBe(Number(c.refunded_amount));
          if (c.referrer === null) continue;
          const credit = (rule: string, amount: number) => key(rule, c.referrer, c.referrer, c.user_id, c.id, amount);
          const due = c.type === 'phone_verified' ? 200 : commission(Number(c.amount), Number(c.refunded_amount));
          if (due > 0) expectedLive.push(credit(c.type === 'phone_verified' ? 'verified' : 'commission', due));
        }
        const ofConversions = entries.filter((e) => e.conversion_id !== null);
        const live = ofConversions.filter((e) => e.status !== 'reversed');
        expect(live.map((e) => key(e.rule_id, e.user_id, e.referrer, e.referee, e.conversion_id, e.amount)).sort()).toEqual(
          expectedLive.sort(),
        );
        const credited = new Set(conversions.filter((c) => c.referrer !== null).map((c) => String(c.id)));
        const written = new Map<string, number>();
        for (const e of ofConversions) written.set(String(e.conversion_id), (written.get(String(e.conversion_id)) ?? 0) + 1);
        for (const [id, n] of written) {
          expect(credited.has(id), `entries for conversion ${id}, not committed or not credited`).toBe(true);
          expect(n, `entries for conversion ${id} with ${refundsOf.get(id) ?? 0} refunds`).toBeLessThanOrEqual(
            1 + (refundsOf.get(id) ?? 0),
          );
        }

        const decisions = await store.query<{ outcome: string; n: number | string }>(
          'select outcome, count(*) as n from reward_decision group by outcome',
        );
        const counted = Object.fromEntries(decisions.map((d) => [d.outcome, Number(d.n)]));
        const total = [...perReferrer.values()];
        expect(counted.not_milestone ?? 0).toBe(total.reduce((s, n) => s + n - Math.floor(n / 3), 0));
        expect(counted.capped ?? 0).toBe(total.reduce((s, n) => s + Math.max(0, Math.floor(n / 3) - 4), 0));
        expect(counted.no_referrer ?? 0).toBe(conversions.filter((c) => c.referrer === null).length);
        expect(await store.integrity()).toBe('ok');
        console.log(
          `rewards crash test (${database.name}): ${counts.sent} requests, ${counts.acknowledged} acknowledged (SIGKILL after ${killAt}); ` +
            `committed: ${bindings.length} bindings, ${conversions.length} conversions, ${refunds.length} refunds; ` +
            `${entries.length} entries (${ofBindings.length} invite/welcome, ${entries.length - ofBindings.length - ofConversions.length} milestones, ` +
            `${ofConversions.length} of conversions, ${ofConversions.length - live.length} reversed), all as the rules give ` +
            `(first start ${started} ms, load and restart ${loaded - started} ms, check ${Date.now() - began - loaded} ms)`,
        );
        service.child.kill('SIGTERM');
        expect(await service.exited).toEqual({ code: 0, signal: null });
      } finally {
        await store.drop();
      }
    },
    60_000,
  );
});
