import { expect, it } from 'vitest';
import { countRows } from '../support/databases.js';
import { describeHosts, newUserId } from './support/matrix.js';

/** Issue 21: what probing the routes found (media types, ranges, ill-formed text, headers). */

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

describeHosts('ranges and text', { mountedOnly: true }, (ctx) => {
  it('answers a cursor whose track id or time is out of range with 400 validation_failed, before any query', async () => {
    const userId = newUserId();
    for (const cursor of [
      cursorOf(`${Date.now()}.3000000000`), // past the 32-bit track id (PostgreSQL answered 500)
      cursorOf(`${Date.now()}.2147483648`),
      cursorOf('999999999999999.1'), // year 33658
      cursorOf(`${Date.now()}.0`),
    ]) {
      const res = await ctx.api('GET', `/users/${userId}/referrals?cursor=${cursor}`);
      expect(res, cursor).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', issues: [{ path: 'cursor' }] } } });
    }
    const inRange = await ctx.api('GET', `/users/${userId}/referrals?cursor=${cursorOf(`${Date.now()}.2147483647`)}`);
    expect(inRange).toMatchObject({ status: 200, body: { items: [], next_cursor: null } });
  });

  it('refuses text with a lone UTF-16 surrogate (validation_failed), so two of them never become one event_id', async () => {
    const { promocode } = await ctx.tracker.getOrCreatePromo({ userId: newUserId() });
    const userId = newUserId();
    const before = await countRows(ctx.db, ctx.prefix);
    for (const [path, body, field] of [
      ['/tracks', { user_id: userId, promocode, scene: 1047, event_id: 'ev\ud800' }, 'event_id'],
      ['/tracks', { user_id: userId, promocode, scene: 1047, event_id: 'ev\udbff' }, 'event_id'],
      ['/tracks', { user_id: userId, promocode, scene: 1047, detail: 'a\udc00b' }, 'detail'],
      ['/tracks/batch', { events: [{ user_id: userId, promocode, scene: 1047, detail: '\ud83d' }] }, 'events.0.detail'],
      ['/shares', { user_id: userId, page: 'pages/\udfff/index' }, 'page'],
    ] as const) {
      const res = await ctx.api('POST', path, { json: body });
      expect(res, `${path} ${field}`).toMatchObject({
        status: 400,
        body: { error: { code: 'validation_failed', issues: [{ path: field }] } },
      });
    }
    expect(await countRows(ctx.db, ctx.prefix)).toEqual(before);
    // Paired surrogates (an emoji) are well-formed, and stored as sent.
    const emoji = await ctx.api('POST', '/tracks', {
      json: { user_id: userId, promocode, scene: 1047, detail: '😀 中文', event_id: 'ev😀' },
    });
    expect(emoji).toMatchObject({ status: 201, body: { detail: '😀 中文' } });
  });

  it('sends X-Content-Type-Options: nosniff with every JSON answer', async () => {
    const userId = newUserId();
    const answers = [
      await ctx.api('GET', `/tracks/${userId}/1`),
      await ctx.api('POST', '/shares', { json: { user_id: userId } }),
      await ctx.api('GET', '/promos/NoSuchCode12'),
      await ctx.api('POST', '/tracks', { json: {} }),
      await ctx.api('POST', '/tracks', { raw: '{' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 201, 404, 400, 400]);
    for (const answer of answers) expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

for (const bodyParser of [undefined, 'before', 'after'] as const) {
  describeHosts(`media types (host body parser: ${bodyParser ?? 'none'})`, { bodyParser, sqliteOnly: true }, (ctx) => {
    it('answers 415 unsupported_media_type to a body sent as text/plain, and writes nothing', async () => {
      const { promocode } = await ctx.tracker.getOrCreatePromo({ userId: newUserId() });
      const before = await countRows(ctx.db, ctx.prefix);
      const json = JSON.stringify({ user_id: newUserId(), promocode, scene: 1047 });
      for (const [path, raw] of [
        ['/tracks', json],
        ['/tracks/batch', `{"events":[${json}]}`],
        ['/shares', '{"share_type":2}'],
        ['/shares', ''],
        ['/shares', 'not json at all'],
      ]) {
        const res = await ctx.api('POST', path, { raw, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
        expect(res, `${path} ${raw}`).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      }
      expect(await countRows(ctx.db, ctx.prefix)).toEqual(before);
      // The connection still serves.
      expect(await ctx.api('POST', '/tracks', { raw: json, headers: { 'content-type': 'Application/JSON; charset=utf-8' } })).toMatchObject(
        { status: 201 },
      );
    });

    if (bodyParser !== 'before') {
      it('answers 415 to a form post and to a body without a content type', async () => {
        const { promocode } = await ctx.tracker.getOrCreatePromo({ userId: newUserId() });
        const before = await countRows(ctx.db, ctx.prefix);
        const form = await ctx.api('POST', '/shares', {
          raw: 'share_type=2',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expect(form).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
        const bare = await fetch(`${ctx.host.base}/tracks`, {
          method: 'POST',
          body: new Blob([JSON.stringify({ user_id: newUserId(), promocode, scene: 1047 })]), // no type: fetch sends no content-type
        });
        expect(bare.headers.get('content-type')).toMatch(/^application\/json/);
        expect([bare.status, ((await bare.json()) as { error: { code: string } }).error.code]).toEqual([415, 'unsupported_media_type']);
        expect(await countRows(ctx.db, ctx.prefix)).toEqual(before);
        // No body and no content type: no media type to refuse, the route answers as before.
        expect(await ctx.api('POST', '/shares')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      });
    }
  });
}
