import { expect, it } from 'vitest';
import { SECRET } from '../support/webhook-receiver.js';
import { ISO } from './support/client.js';
import { describeHosts, newUserId } from './support/matrix.js';
import { headerAuth } from './support/servers.js';

const ADMIN = { 'x-admin': '1' };
const MESSAGE_KEYS = ['attempts', 'created_at', 'id', 'last_error', 'next_attempt_at', 'status', 'type', 'user_id'];

describeHosts(
  'webhook messages',
  {
    tracker: { webhooks: [{ url: 'http://127.0.0.1:9/hooks', secret: SECRET, events: ['referral.bound', 'share.recorded'] }] },
    auth: { admin: headerAuth().admin },
    mountedOnly: true,
  },
  (ctx) => {
    /** Binds a new user to a new referrer: one referral.bound message. */
    const bindOne = async () => {
      const { promocode } = (await ctx.api('GET', `/tracks/${newUserId()}/1`)).body;
      await ctx.api('POST', '/tracks', { json: { user_id: newUserId(), promocode, scene: 1047 } });
    };

    it('GET /webhooks/messages lists the outbox newest first, by status, a page at a time; operators only', async () => {
      for (let i = 0; i < 3; i++) await bindOne();
      await ctx.api('POST', '/shares', { json: {} });
      expect((await ctx.api('GET', '/webhooks/messages')).status).toBe(403);
      const first = await ctx.api('GET', '/webhooks/messages?limit=2', { headers: ADMIN });
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(Object.keys(first.body.items[0]).sort()).toEqual(MESSAGE_KEYS);
      // An anonymous share names no user.
      expect(first.body.items[0]).toMatchObject({
        type: 'share.recorded',
        user_id: null,
        status: 'pending',
        attempts: 0,
        last_error: null,
      });
      expect(first.body.items[0].id).toMatch(/^msg_\d+_[A-Za-z0-9_-]{16}$/);
      expect(first.body.items[0].next_attempt_at).toMatch(ISO);
      expect(first.body.items[0].created_at).toMatch(ISO);
      expect(typeof first.body.next_cursor).toBe('string');
      const second = await ctx.api('GET', `/webhooks/messages?limit=2&cursor=${first.body.next_cursor}`, { headers: ADMIN });
      expect(second.body.items.map((m: { type: string }) => m.type)).toEqual(['referral.bound', 'referral.bound']);
      // A binding's message names the bound user.
      for (const m of second.body.items) expect(m.user_id).toEqual(expect.any(Number));
      expect((await ctx.api('GET', '/webhooks/messages?status=failed', { headers: ADMIN })).body).toEqual({ items: [], next_cursor: null });
      for (const query of ['status=sent', 'limit=0', 'limit=501', 'cursor=nope']) {
        const bad = await ctx.api('GET', `/webhooks/messages?${query}`, { headers: ADMIN });
        expect(bad.status, query).toBe(400);
        expect(bad.body.error.code).toBe('validation_failed');
      }
    });

    it('POST /webhooks/messages/:id/redeliver puts a message back in the queue (202); 404 for an unknown id', async () => {
      await bindOne();
      const [message] = (await ctx.api('GET', '/webhooks/messages?limit=1', { headers: ADMIN })).body.items;
      await ctx.db
        .updateTable(`${ctx.prefix}webhook_message`)
        .set({ status: 'failed', attempts: 8 })
        .where('token', '=', message.id.slice(-16))
        .execute();
      expect((await ctx.api('POST', `/webhooks/messages/${message.id}/redeliver`)).status).toBe(403);
      const res = await ctx.api('POST', `/webhooks/messages/${message.id}/redeliver`, { headers: ADMIN });
      expect(res).toMatchObject({ status: 202, body: { id: message.id, status: 'pending' } });
      const [after] = (await ctx.api('GET', '/webhooks/messages?limit=1', { headers: ADMIN })).body.items;
      // attempts counts every attempt, redeliveries included (issue 30, item 11).
      expect(after).toMatchObject({ id: message.id, status: 'pending', attempts: 8 });
      for (const id of ['msg_1_AAAAAAAAAAAAAAAA', 'nope', message.id.replace(/_\d+_/, '_999999_')]) {
        const missing = await ctx.api('POST', `/webhooks/messages/${id}/redeliver`, { headers: ADMIN });
        expect(missing.status, id).toBe(404);
        expect(missing.body.error.code).toBe('not_found');
      }
    });

    it('POST /webhooks/messages/:id/redeliver answers 409 conflict for a message whose endpoint is no longer configured', async () => {
      await bindOne();
      const [message] = (await ctx.api('GET', '/webhooks/messages?limit=1', { headers: ADMIN })).body.items;
      // Written for an endpoint this tracker no longer has (another URL's key).
      const token = message.id.slice(-16);
      await ctx.db
        .updateTable(`${ctx.prefix}webhook_message`)
        .set({ status: 'failed', endpoint: '0123456789abcdef' })
        .where('token', '=', token)
        .execute();
      const res = await ctx.api('POST', `/webhooks/messages/${message.id}/redeliver`, { headers: ADMIN });
      expect(res).toMatchObject({
        status: 409,
        body: { error: { code: 'conflict', message: expect.stringContaining('no longer configured') } },
      });
      const [after] = (await ctx.api('GET', '/webhooks/messages?limit=1', { headers: ADMIN })).body.items;
      expect(after).toMatchObject({ id: message.id, status: 'failed' });
      // The next adapter's listing expects no failed message.
      await ctx.db.deleteFrom(`${ctx.prefix}webhook_message`).where('token', '=', token).execute();
    });
  },
);
