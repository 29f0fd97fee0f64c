import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConflictError, type WebhookDelivery } from '@promo-track/core';
import { type Receiver, startReceiver } from '../../../test/support/webhook-receiver.js';
import { bind, outboxRows, until } from './outbox-rows.js';
import { eachDatabase, rejection, useTracker } from './support.js';

/** Issue 30, the probe's list: the outbox's URLs, endpoints, retention and erasure. */

const DAY = 86_400_000;

eachDatabase((database) => {
  let receiver: Receiver;
  let delivery: WebhookDelivery | undefined;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await delivery?.stop();
    delivery = undefined;
    await receiver.close();
  });
  const f = useTracker(database);

  it('P3: logs and stores an endpoint URL without its query string; a failed send names no token', async () => {
    receiver.answer = () => 500;
    const token = 'query-token-5ecret';
    const errors: string[] = [];
    const refused = 'http://127.0.0.1:1/hooks?token=' + token; // nothing listens on port 1
    const tracker = f.make({
      webhooks: [
        { url: `${receiver.url}?token=${token}`, secret: receiver.secret },
        { url: refused, secret: receiver.secret },
      ],
    });
    await bind(tracker, 1);
    delivery = tracker.startWebhookDelivery({ pollMs: 25, onError: (e) => errors.push(e instanceof Error ? e.message : String(e)) });
    await until(async () => (await outboxRows(f)).every((r) => r.attempts === 1) && errors.length >= 2);
    const stored = (await outboxRows(f)).map((r) => r.last_error).join('\n');
    const listed = (await tracker.listWebhookMessages()).items.map((m) => m.lastError).join('\n');
    for (const text of [stored, listed, ...errors]) expect(text).not.toContain(token);
    expect(errors.join('\n')).toContain(`${receiver.url}?…`);
    expect(errors.join('\n')).toContain('http://127.0.0.1:1/hooks?…');
  });

  it('P3: a URL with credentials (user:password@) is refused at createTracker, without repeating the password', () => {
    let thrown: unknown;
    try {
      f.make({ webhooks: [{ url: 'https://alice:pa55word@rewards.example.com/hooks', secret: receiver.secret }] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(/`webhooks\[0\]\.url` carries credentials/);
    expect((thrown as Error).message).not.toContain('pa55word');
    expect(() => f.make({ webhooks: [{ url: 'https://alice@rewards.example.com/hooks', secret: receiver.secret }] })).toThrow(
      /credentials/,
    );
  });

  it('P2: deletes delivered messages once webhookRetentionDays (default 7) have passed since delivery; pending and failed ones stay', async () => {
    await receiver.close();
    receiver = await startReceiver({ ignoreTime: true }); // the sender's clock runs days ahead
    const tracker = f.make({ webhooks: [{ url: receiver.url, secret: receiver.secret }] });
    await bind(tracker, 3);
    let now = Date.now() + 1000; // after the messages are written: they are due on the sender's clock
    delivery = tracker.startWebhookDelivery({ pollMs: 10, now: () => now });
    await until(async () => (await outboxRows(f)).every((r) => r.status === 'delivered'));
    await delivery.stop();
    const [first, second] = await outboxRows(f);
    // One failed, one pending (due in a month): neither is delivered, neither is deleted.
    const table = sql.table(`${f.prefix}webhook_message`);
    await sql`update ${table} set status = 'failed' where id = ${first!.id}`.execute(f.db);
    await sql`update ${table} set status = 'pending', next_attempt_at = ${now + 30 * DAY} where id = ${second!.id}`.execute(f.db);
    await bind(tracker, 1, 900);
    const ids = async () => (await outboxRows(f)).map((r) => r.id);
    const all = await ids();
    expect(all).toHaveLength(4);

    now += 6 * DAY; // within the retention: the delivered one stays
    delivery = tracker.startWebhookDelivery({ pollMs: 10, now: () => now });
    await until(async () => (await outboxRows(f)).filter((r) => r.status === 'delivered').length === 2);
    expect(await ids()).toEqual(all);
    await delivery.stop();

    now += 1 * DAY + 60_000; // past 7 days since the first three were delivered; the fourth was delivered 6 days later
    delivery = tracker.startWebhookDelivery({ pollMs: 10, now: () => now });
    await until(async () => (await ids()).length === 3);
    expect((await outboxRows(f)).map((r) => [r.id, r.status])).toEqual([
      [first!.id, 'failed'],
      [second!.id, 'pending'],
      [all[3], 'delivered'],
    ]);
  });

  it('P2: webhookRetentionDays is checked at createTracker, naming it', () => {
    for (const days of [0, -1, Number.NaN, '7']) {
      expect(() => f.make({ webhookRetentionDays: days as number }), String(days)).toThrow(
        /`webhookRetentionDays` must be a positive number of days/,
      );
    }
  });

  it('P4: after the endpoint changes, the old one’s pending messages are failed (endpoint no longer configured), and redelivering them is ConflictError', async () => {
    const old = f.make({ webhooks: [{ url: `${receiver.url}/old`, secret: receiver.secret }] });
    await bind(old, 2);
    const changed = f.make({ webhooks: [{ url: `${receiver.url}/new`, secret: receiver.secret }] });
    await bind(changed, 1, 500);
    delivery = changed.startWebhookDelivery({ pollMs: 25 });
    await until(async () => (await outboxRows(f)).every((r) => r.status !== 'pending'));
    const page = await changed.listWebhookMessages();
    expect(page.items.map((m) => [m.status, m.lastError])).toEqual([
      ['delivered', null],
      ['failed', 'endpoint no longer configured'],
      ['failed', 'endpoint no longer configured'],
    ]);
    expect(receiver.deliveries).toHaveLength(1);
    const orphan = page.items[1]!;
    const error = await rejection(changed.redeliverWebhookMessage(orphan.id), ConflictError);
    expect([error.code, error.status]).toEqual(['conflict', 409]);
    // Nothing changed by the refusal; a tracker that still has the endpoint may queue it again.
    expect((await changed.listWebhookMessages({ status: 'failed' })).items).toHaveLength(2);
    await old.redeliverWebhookMessage(orphan.id);
    expect((await old.listWebhookMessages({ status: 'pending' })).items.map((m) => m.id)).toEqual([orphan.id]);
  });

  it('item 11: redelivering keeps counting attempts: a delivered message sent again has attempts 2', async () => {
    const tracker = f.make({ webhooks: [{ url: receiver.url, secret: receiver.secret }] });
    await bind(tracker, 1);
    delivery = tracker.startWebhookDelivery({ pollMs: 25 });
    await until(async () => (await outboxRows(f))[0]!.status === 'delivered');
    const [message] = (await tracker.listWebhookMessages()).items;
    expect(message!.attempts).toBe(1);
    await tracker.redeliverWebhookMessage(message!.id);
    await until(() => receiver.deliveries.length === 2);
    await until(async () => (await outboxRows(f))[0]!.status === 'delivered');
    expect((await tracker.listWebhookMessages()).items[0]).toMatchObject({ id: message!.id, status: 'delivered', attempts: 2 });
    expect(receiver.deliveries.map((d) => d.id)).toEqual([message!.id, message!.id]);
  });
});
