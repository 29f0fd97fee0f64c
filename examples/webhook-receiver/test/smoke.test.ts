import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTracker, type WebhookDelivery } from '@promo-track/core';
import { buildApp } from '../src/app.js';

const SECRET = 'whsec_' + Buffer.from('example-receiver-secret!').toString('base64');
const built = buildApp({ secret: SECRET });
let server: Server;
let url: string;

beforeAll(async () => {
  server = await new Promise<Server>((resolve) => {
    const s = built.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
};

it('a real tracker’s webhooks reward the referrer once per referral', async () => {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const tracker = createTracker({ db, salt: 'example-salt', webhooks: [{ url: `${url}/webhooks/promo-track`, secret: SECRET }] });
  await tracker.migrate();
  let delivery: WebhookDelivery | undefined;
  try {
    const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
    await tracker.recordTrack({ userId: 2, promocode, scene: 1047 });
    await tracker.recordTrack({ userId: 3, promocode, scene: 1047 });
    await tracker.recordTrack({ userId: 2, promocode, scene: 1047 }); // returning: no binding, no reward
    delivery = tracker.startWebhookDelivery({ pollMs: 25 });
    await until(() => built.ledger.rewards().length === 2);
    const { rewards } = await (await fetch(`${url}/rewards`)).json();
    expect(rewards.map((r: { userId: number; referrerId: number }) => [r.userId, r.referrerId]).sort()).toEqual([
      [2, 1],
      [3, 1],
    ]);
    expect(built.ledger.pointsOf(1)).toBe(200);
  } finally {
    await delivery?.stop();
    await db.destroy();
  }
});

it('a repeated webhook-id is acknowledged and rewards nothing more; a changed byte or an old timestamp is refused', async () => {
  const webhook = new Webhook(SECRET);
  const send = (id: string, body: string, at = new Date(), signedBody = body) =>
    fetch(`${url}/webhooks/promo-track`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, at, signedBody),
      },
      body,
    });
  const body = JSON.stringify({
    type: 'referral.bound',
    timestamp: new Date().toISOString(),
    data: { user_id: 50, referrer: 9, previous_referrer: null },
  });
  expect((await send('msg_1_aaaaaaaaaaaaaaaa', body)).status).toBe(200);
  expect(await (await send('msg_1_aaaaaaaaaaaaaaaa', body)).json()).toEqual({ status: 'already handled' });
  expect(built.ledger.pointsOf(9)).toBe(100);
  expect((await send('msg_2_aaaaaaaaaaaaaaaa', body.replace('"referrer":9', '"referrer":8'), new Date(), body)).status).toBe(400);
  expect((await send('msg_3_aaaaaaaaaaaaaaaa', body, new Date(Date.now() - 6 * 60_000))).status).toBe(400);
  expect(built.ledger.pointsOf(8)).toBe(0);
});
