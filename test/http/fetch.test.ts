/** What only the fetch handler has to get right: its prefix, `null` for what is not ours, Web bodies. */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type Tracker } from '@promo-track/core';
import { createFetchHandler } from '@promo-track/fetch';

let db: Kysely<any>;
let tracker: Tracker;
let promocode: string;
beforeAll(async () => {
  db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  tracker = createTracker({ db, salt: 'fetch-handler-salt' });
  await tracker.migrate();
  promocode = (await tracker.getOrCreatePromo({ userId: 1 })).promocode;
});
afterAll(() => db.destroy());

const post = (url: string, body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request(url, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

describe('createFetchHandler', () => {
  it("answers at the root by default (prefix '')", async () => {
    const handle = createFetchHandler(tracker);
    const res = await handle(new Request(`http://x/promos/${promocode}`));
    expect(res?.status).toBe(200);
    expect(res?.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res?.json()).toMatchObject({ promocode, user_id: 1 });
  });

  it('answers null for every request that is not one of its routes', async () => {
    for (const prefix of ['/api', 'api/', '/api/']) {
      const handle = createFetchHandler(tracker, { prefix });
      expect(await handle(new Request(`http://x/api/promos/${promocode}`)), prefix).toBeInstanceOf(Response);
      for (const [method, url] of [
        ['GET', `http://x/promos/${promocode}`],
        ['GET', `http://x/apix/promos/${promocode}`],
        ['GET', 'http://x/api'],
        ['GET', 'http://x/api/tracks'],
        ['PUT', 'http://x/api/tracks'],
        ['DELETE', `http://x/api/promos/${promocode}`],
      ]) {
        expect(await handle(new Request(url, { method })), `${prefix}: ${method} ${url}`).toBeNull();
      }
    }
  });

  it('hands identify and admin the Request', async () => {
    const seen: Request[] = [];
    const handle = createFetchHandler(tracker, {
      identify: (req) => (seen.push(req), Number(req.headers.get('x-user-id')) || undefined),
      admin: (req) => req.headers.get('x-admin') === '1',
    });
    const request = new Request('http://x/tracks/9/1', { headers: { 'x-user-id': '9' } });
    expect((await handle(request))?.status).toBe(200);
    expect(seen[0]).toBe(request);
    expect((await handle(new Request('http://x/tracks/9/1', { headers: { 'x-user-id': '8' } })))?.status).toBe(403);
    expect((await handle(new Request('http://x/leaderboard', { headers: { 'x-admin': '1' } })))?.status).toBe(200);
  });

  it('reads a JSON body, streamed or not, and answers invalid_json and payload_too_large (1 MiB)', async () => {
    const handle = createFetchHandler(tracker, { prefix: '/api' });
    const created = await handle(post('http://x/api/tracks', JSON.stringify({ user_id: 2, promocode, scene: 1047 })));
    expect([created?.status, (await created?.json()).referrer]).toEqual([201, 1]);
    const bad = await handle(post('http://x/api/shares', '{"share_type":'));
    expect([bad?.status, (await bad?.json()).error.code]).toEqual([400, 'invalid_json']);
    // A stream without a length, as Bun and Deno hand a chunked upload: counted while read.
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const large = await handle(post('http://x/api/shares', stream));
    expect([large?.status, (await large?.json()).error.code]).toEqual([413, 'payload_too_large']);
  });

  it('reads a body of a declared length in one piece, and still refuses one larger than it claimed', async () => {
    const handle = createFetchHandler(tracker);
    const body = JSON.stringify({ share_type: 1 });
    const declared = await handle(
      post('http://x/shares', body, { 'content-type': 'application/json', 'content-length': String(body.length) }),
    );
    expect([declared?.status, (await declared?.json()).share_type]).toEqual([201, 1]);
    const lying = post('http://x/shares', JSON.stringify({ page: 'x'.repeat(2 * 1024 * 1024) }), {
      'content-type': 'application/json',
      'content-length': '20',
    });
    const refused = await handle(lying);
    expect([refused?.status, (await refused?.json()).error.code]).toEqual([413, 'payload_too_large']);
  });

  it('reads a body someone already read as a missing one', async () => {
    const handle = createFetchHandler(tracker);
    const request = post('http://x/shares', JSON.stringify({ share_type: 2 }));
    await request.text();
    const res = await handle(request);
    expect([res?.status, (await res?.json()).error.code]).toEqual([400, 'validation_failed']);
  });

  it('answers a query name given twice like the Node adapters (an array)', async () => {
    const res = await createFetchHandler(tracker)(new Request('http://x/stats?user_id=1&user_id=2'));
    expect([res?.status, (await res?.json()).error.issues[0].path]).toEqual([400, 'user_id']);
  });
});
