import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { NotFoundError, type WebhookDelivery, type WebhookDeliveryOptions } from '@promo-track/core';
import { bodyOf, type Receiver, startReceiver } from '../../../test/support/webhook-receiver.js';
import { bind, outboxRows as rows, until } from './outbox-rows.js';
import { eachDatabase, rejection, useTracker } from './support.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

eachDatabase((database) => {
  let receiver: Receiver;
  let delivery: WebhookDelivery | undefined;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  /** For a sender on an injected clock: its timestamps are not now, so only the signature is checked. */
  const onInjectedClock = async () => {
    await receiver.close();
    receiver = await startReceiver({ ignoreTime: true });
  };
  afterEach(async () => {
    await delivery?.stop();
    delivery = undefined;
    await receiver.close();
  });

  const f = useTracker(database);
  /** A tracker whose one endpoint is this test's receiver, and its sender. */
  const sender = (options: WebhookDeliveryOptions = {}) => {
    const tracker = f.make({ webhooks: [{ url: receiver.url, secret: receiver.secret }] });
    return { tracker, start: () => (delivery = tracker.startWebhookDelivery({ pollMs: 25, ...options })) };
  };

  it('signs with Standard Webhooks: verify accepts each message; one changed byte or a 6-minute-old timestamp is refused', async () => {
    const { tracker, start } = sender();
    await bind(tracker, 3);
    start();
    await until(async () => (await rows(f)).filter((r) => r.status === 'delivered').length === 3);
    expect(receiver.accepted().size).toBe(3);
    expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
    expect(new Set(receiver.deliveries.map((d) => bodyOf(d).type))).toEqual(new Set(['referral.bound']));
    const d = receiver.deliveries[0]!;
    expect(d.id).toMatch(/^msg_\d+_[A-Za-z0-9_-]{16}$/);
    expect(d.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    const webhook = new Webhook(receiver.secret);
    const headers = { 'webhook-id': d.id, 'webhook-timestamp': d.timestamp, 'webhook-signature': d.signature };
    expect(webhook.verify(d.body, headers)).toEqual(JSON.parse(d.body));
    const changed = d.body.replace('"referral.bound"', '"referral.bounD"');
    expect(() => webhook.verify(changed, headers)).toThrow();
    const old = new Date(Date.now() - 6 * MINUTE);
    const oldHeaders = {
      'webhook-id': d.id,
      'webhook-timestamp': String(Math.floor(old.getTime() / 1000)),
      'webhook-signature': webhook.sign(d.id, old, d.body),
    };
    expect(() => webhook.verify(d.body, oldHeaders)).toThrow(/too old/i);

    const page = await tracker.listWebhookMessages({ status: 'delivered' });
    expect(page.items.map((m) => [m.type, m.status, m.attempts, m.nextAttemptAt, m.lastError])).toEqual(
      Array.from({ length: 3 }, () => ['referral.bound', 'delivered', 1, null, null]),
    );
    expect(new Set(page.items.map((m) => m.id))).toEqual(new Set(receiver.accepted().keys()));
    // Each message names the user its event is about: the bound users 100, 101, 102, newest first.
    expect(page.items.map((m) => m.userId)).toEqual([102, 101, 100]);
  });

  it('receiver down (503, then 200): retried after ~5 s, ~5 min, ~30 min on the injected clock, then delivered once', async () => {
    await onInjectedClock();
    let now = 0;
    const seen: number[] = [];
    receiver.answer = () => (seen.push(now), seen.length <= 3 ? 503 : 200);
    const { tracker, start } = sender({ now: () => now });
    await bind(tracker, 1);
    now = Date.now() + SECOND; // after the message is written (on a loaded machine that takes a while): it is due
    start();
    const expected = [5 * SECOND, 5 * MINUTE, 30 * MINUTE];
    for (const [i, delay] of expected.entries()) {
      await until(async () => (await rows(f))[0]!.attempts === i + 1);
      const [row] = await rows(f);
      expect(row).toMatchObject({ status: 'pending', last_error: 'HTTP 503' });
      const wait = row!.next_attempt_at - now;
      expect(wait).toBeGreaterThanOrEqual(delay * 0.8);
      expect(wait).toBeLessThanOrEqual(delay * 1.2);
      // Not before it is due.
      now += Math.floor(delay * 0.79);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(seen.length).toBe(i + 1);
      now = row!.next_attempt_at;
    }
    await until(async () => (await rows(f))[0]!.status === 'delivered');
    expect(seen.length).toBe(4);
    expect(receiver.accepted().size).toBe(1);
  });

  it('after the last retry (10 h) the message is failed, kept, and redeliverable', async () => {
    await onInjectedClock();
    let now = 0;
    receiver.answer = () => 500;
    const { tracker, start } = sender({ now: () => now });
    await bind(tracker, 1);
    now = Date.now() + SECOND; // after the message is written: it is due
    start();
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      await until(async () => (await rows(f))[0]!.attempts === attempt);
      const [row] = await rows(f);
      if (attempt < 8) {
        waits.push(row!.next_attempt_at - now);
        now = row!.next_attempt_at;
      } else {
        expect(row).toMatchObject({ status: 'failed', last_error: 'HTTP 500' });
      }
    }
    const nominal = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
    waits.forEach((w, i) => expect(Math.abs(w - nominal[i]!)).toBeLessThanOrEqual(nominal[i]! * 0.2));
    now += 24 * HOUR;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.deliveries.length).toBe(8);

    const [failed] = (await tracker.listWebhookMessages({ status: 'failed' })).items;
    expect(failed).toMatchObject({ status: 'failed', attempts: 8, nextAttemptAt: null, lastError: 'HTTP 500' });
    receiver.answer = () => 200;
    await tracker.redeliverWebhookMessage(failed!.id);
    await until(async () => (await rows(f))[0]!.status === 'delivered');
    expect(receiver.accepted().get(failed!.id)?.length).toBe(1);
    await rejection(tracker.redeliverWebhookMessage(failed!.id.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))), NotFoundError);
    await rejection(tracker.redeliverWebhookMessage('msg_1'), NotFoundError);
  });

  it('an endpoint that hangs is cut at the timeout, and does not hold up the other messages', async () => {
    const { tracker, start } = sender({ timeoutMs: 400, concurrency: 4 });
    await bind(tracker, 6);
    let hung: string | undefined;
    receiver.answer = (d) => ((hung ??= d.id) === d.id ? 'hang' : 200);
    const started = Date.now();
    start();
    await until(() => receiver.accepted().size === 5);
    expect(Date.now() - started).toBeLessThan(400);
    await until(async () => (await rows(f)).some((r) => r.last_error !== null));
    const cut = (await rows(f)).find((r) => r.last_error !== null)!;
    expect(cut).toMatchObject({ status: 'pending', attempts: 1, last_error: 'no answer within 400 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect((await rows(f)).filter((r) => r.status === 'delivered')).toHaveLength(5);
  });

  it('stop() waits for the sends in flight and records their results; nothing is sent after it', async () => {
    const slow = await startReceiver({ delayMs: 300 });
    try {
      const tracker = f.make({ webhooks: [{ url: slow.url, secret: slow.secret }] });
      await bind(tracker, 2);
      const running = tracker.startWebhookDelivery({ pollMs: 25 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await running.stop();
      expect((await rows(f)).map((r) => r.status)).toEqual(['delivered', 'delivered']);
      await bind(tracker, 1, 500);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(slow.deliveries).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });

  it('lists the outbox newest first, by status, a page at a time', async () => {
    const { tracker } = sender();
    await bind(tracker, 5);
    const first = await tracker.listWebhookMessages({ limit: 2 });
    const second = await tracker.listWebhookMessages({ limit: 2, cursor: first.nextCursor });
    const third = await tracker.listWebhookMessages({ limit: 2, cursor: second.nextCursor });
    const ids = [...first.items, ...second.items, ...third.items].map((m) => Number(m.id.split('_')[1]));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(5);
    expect(third.nextCursor).toBeNull();
    expect(first.items[0]).toMatchObject({ type: 'referral.bound', status: 'pending', attempts: 0, lastError: null });
    expect(first.items[0]!.nextAttemptAt).toBeInstanceOf(Date);
    expect((await tracker.listWebhookMessages({ status: 'failed' })).items).toEqual([]);
  });
});
