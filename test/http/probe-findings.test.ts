import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { countRows } from '../support/databases.js';
import { describeHosts, newUserId } from './support/matrix.js';

/** Issue 30, the probe's list: body keys, compressed bodies, broken percent-encoding, wire names in messages. */

// Bodies the adapters read themselves (a host's own body parser, where there is one, answers for its bodies).
describeHosts('probe findings: bodies', { sqliteOnly: true }, (ctx) => {
  it('answers a body with __proto__ and constructor keys as any other body on every adapter, and touches no prototype', async () => {
    const { promocode } = await ctx.tracker.getOrCreatePromo({ userId: newUserId() });
    const userId = newUserId();
    const poison = '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}';
    const track = await ctx.api('POST', '/tracks', { raw: `{${poison},"user_id":${userId},"promocode":"${promocode}","scene":1047}` });
    expect(track).toMatchObject({ status: 201, body: { user_id: userId, promocode, scene: '1047' } });
    const batch = await ctx.api('POST', '/tracks/batch', {
      raw: `{${poison},"events":[{${poison},"user_id":${newUserId()},"promocode":"${promocode}","scene":1047}]}`,
    });
    expect(batch).toMatchObject({ status: 201, body: { items: [{ promocode }] } });
    const share = await ctx.api('POST', '/shares', { raw: `{${poison},"user_id":${userId},"share_type":2}` });
    expect(share).toMatchObject({ status: 201, body: { user_id: userId, share_type: 2 } });
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(track.body)).toBe(Object.prototype);
  });

  it('answers a body labelled Content-Encoding: gzip with 415 unsupported_media_type, compressed or not, and writes nothing', async () => {
    const { promocode } = await ctx.tracker.getOrCreatePromo({ userId: newUserId() });
    const before = await countRows(ctx.db, ctx.prefix);
    const json = JSON.stringify({ user_id: newUserId(), promocode, scene: 1047 });
    for (const raw of [json, new Uint8Array(gzipSync(json))]) {
      const res = await ctx.api('POST', '/tracks', { raw, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
      expect(res, typeof raw).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    }
    expect(await countRows(ctx.db, ctx.prefix)).toEqual(before);
    expect(await ctx.api('POST', '/tracks', { raw: json, headers: { 'content-encoding': 'identity' } })).toMatchObject({ status: 201 });
  });
});

describeHosts('probe findings: query text', { sqliteOnly: true }, (ctx) => {
  it('refuses a query value whose percent-encoding is not UTF-8 (validation_failed) instead of storing U+FFFD', async () => {
    const before = await countRows(ctx.db, ctx.prefix);
    for (const page of ['pages%2F%FF', 'pages%2F%E4%B8', '%C0%AF', '%ED%A0%80', '100%']) {
      const userId = newUserId();
      const res = await ctx.api('GET', `/tracks/${userId}/1?page=${page}`);
      expect(res, page).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', issues: [{ path: 'page' }] } } });
    }
    expect(await countRows(ctx.db, ctx.prefix)).toEqual(before);
    const userId = newUserId();
    const good = await ctx.api('GET', `/tracks/${userId}/1?page=pages%2F%E4%B8%AD+x`);
    expect(good).toMatchObject({ status: 200, body: { page: 'pages/中 x' } });
  });
});

describeHosts('probe findings: wire names', { mountedOnly: true }, (ctx) => {
  it('names occurred_at (not occurredAt) in the message of an out-of-range time, as in its issues', async () => {
    const { promocode } = await ctx.tracker.getOrCreatePromo({ userId: newUserId() });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const one = await ctx.api('POST', '/tracks', { json: { user_id: newUserId(), promocode, scene: 1047, occurred_at: future } });
    expect(one.body.error).toEqual({
      code: 'validation_failed',
      message: 'occurred_at: must not lie more than 5 minutes in the future',
      issues: [{ path: 'occurred_at', message: 'must not lie more than 5 minutes in the future' }],
    });
    const batch = await ctx.api('POST', '/tracks/batch', {
      json: { events: [{ user_id: newUserId(), promocode, scene: 1047, occurred_at: future }] },
    });
    expect(batch.body.error.message).toBe('events.0.occurred_at: must not lie more than 5 minutes in the future');
    const share = await ctx.api('POST', '/shares', { json: { user_id: newUserId(), occurred_at: future } });
    expect(share.body.error.message).toBe('occurred_at: must not lie more than 5 minutes in the future');
  });
});
