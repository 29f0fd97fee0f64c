/**
 * The outbox under a crash: the built service (`node service/dist/main.js`, as `npm start` runs it)
 * takes visits, ~20% of them from new users (each binding writes a `referral.bound` message), and is
 * SIGKILLed at a random moment. Restarted on the same database, it drains the backlog: the
 * receiver has seen every committed binding at least once, each webhook-id for exactly one
 * binding, and nothing for a binding that was not committed.
 */
import { describe, expect, it } from 'vitest';
import { bodyOf, startReceiver } from '../../test/support/webhook-receiver.js';
import { crashDatabases } from './support/crash-databases.js';
import { crashHarness, drive, postJson, promocodesOf, visitors } from './support/crash-load.js';

const VISITS = 1200;
const NEW_USERS = 0.2;
const REFERRERS = [1, 2, 3, 4];
const harness = crashHarness('webhooks');

describe.concurrent.each(crashDatabases)('webhooks on $name: SIGKILL under load, restart, drain', (database) => {
  it.skipIf(!database.enabled)(
    'every committed binding is received, each webhook-id for one binding, none that was not committed',
    async () => {
      const receiver = await startReceiver();
      const store = await database.open(harness.dir);
      try {
        const env = {
          PROMO_SALT: 'webhooks-crash-salt',
          DATABASE_URL: store.url,
          WEBHOOK_URL: receiver.url,
          WEBHOOK_SECRET: receiver.secret,
        };
        let service = await harness.start(env);
        const codes = await promocodesOf(service, REFERRERS);

        // 16 clients; each visit is a new user's (20%) or a returning one's, through a random referrer's code.
        const killAt = 200 + Math.floor(Math.random() * 700);
        const users = visitors(NEW_USERS);
        const counts = { sent: 0, acknowledged: 0 };
        const visit = async () => {
          const promocode = codes[Math.floor(Math.random() * codes.length)]!;
          return (await postJson(`${service.url}/tracks`, { user_id: users.pick(), promocode, scene: 1047 }))?.status === 201;
        };
        expect(await drive(counts, VISITS, visit, { service, at: killAt })).toBe(true);
        await service.exited;

        // Restart; messages leased by the killed process come due again when their lease (20 s) ends.
        service = await harness.start(env);
        const undelivered = async () =>
          Number(
            (await store.query<{ n: number | string }>("select count(*) as n from webhook_message where status <> 'delivered'"))[0]!.n,
          );
        const deadline = Date.now() + 45_000;
        while ((await undelivered()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await undelivered()).toBe(0);

        const committed = await store.query<{ user_id: number; referrer: number; track_id: number | string }>(
          'select user_id, referrer, track_id from referral',
        );
        const bindingKey = (b: { user_id: unknown; referrer: unknown; track_id: unknown }) => `${b.user_id}:${b.referrer}:${b.track_id}`;
        const inDatabase = new Set(committed.map(bindingKey));
        const accepted = receiver.accepted();
        const received = new Set<string>();
        let duplicates = 0;
        for (const [id, deliveries] of accepted) {
          const bindings = new Set(deliveries.map((d) => bindingKey(bodyOf(d).data as never)));
          expect(bindings.size, id).toBe(1); // one webhook-id, one binding (its retries carry the same body)
          duplicates += deliveries.length - 1;
          const [binding] = bindings;
          expect(inDatabase.has(binding!), `${id}: ${binding} was never committed`).toBe(true);
          received.add(binding!);
        }
        expect([...inDatabase].filter((b) => !received.has(b))).toEqual([]);
        expect(received.size).toBe(accepted.size); // one webhook-id per binding
        expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
        console.log(
          `webhooks crash test (${database.name}): ${counts.sent} visits sent, ${counts.acknowledged} acknowledged (SIGKILL after ${killAt}), ` +
            `${inDatabase.size} bindings committed, ${accepted.size} distinct webhook-ids received, ${duplicates} duplicate deliveries`,
        );

        service.child.kill('SIGTERM');
        expect(await service.exited).toEqual({ code: 0, signal: null });
      } finally {
        await receiver.close();
        await store.drop();
      }
    },
    120_000,
  );
});
