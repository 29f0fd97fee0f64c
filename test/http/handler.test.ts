import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpHandler, HttpBodyError, type HttpRequest, readJsonBody, StorageError, type Tracker } from '@promo-track/core';

const request = <Raw = unknown>(over: Partial<HttpRequest<Raw>>): HttpRequest<Raw> => ({
  method: 'GET',
  path: '/',
  query: {},
  headers: {},
  ...over,
});

/** A tracker whose every method fails with `error`. */
function failingTracker(error: unknown): Tracker {
  return new Proxy({} as Tracker, { get: () => () => Promise.reject(error) });
}

describe('createHttpHandler', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answers null for a route it does not own', async () => {
    const handle = createHttpHandler(failingTracker(new Error('unused')));
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/dashboard'],
      ['PATCH', '/tracks'],
      ['GET', '/users/1'],
      ['get', '/Stats'],
    ]) {
      expect(await handle(request({ method, path }))).toBeNull();
    }
  });

  it('answers an unexpected failure as 500 internal, logging it for the operator but never sending it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const secret = Object.assign(new Error('syntax error at or near "select * from promo where password"'), { code: '42601' });
    const response = await createHttpHandler(failingTracker(secret))(request({ path: '/leaderboard' }));
    expect(response).toMatchObject({ status: 500, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(JSON.parse(response!.body as string)).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
    expect(response!.body).not.toMatch(/select|password|at |\.ts/);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('GET /leaderboard'), secret);
  });

  it('maps every TrackError through the one table', async () => {
    const response = await createHttpHandler(failingTracker(new StorageError()))(request({ path: '/users/1/referrer' }));
    expect(response!.status).toBe(503);
    expect(JSON.parse(response!.body as string)).toEqual({ error: { code: 'storage_unavailable', message: expect.any(String) } });
  });

  it('maps a failing body read through the same table', async () => {
    const handle = createHttpHandler(failingTracker(new Error('unused')));
    for (const [code, status] of [
      ['invalid_json', 400],
      ['payload_too_large', 413],
    ] as const) {
      const headers = { 'content-type': 'application/json' };
      const response = await handle(
        request({ method: 'POST', path: '/tracks', headers, readBody: () => Promise.reject(new HttpBodyError(code, 'x')) }),
      );
      expect(response!.status).toBe(status);
      expect(JSON.parse(response!.body as string).error.code).toBe(code);
    }
  });

  it('answers 500 when identify answers something that is not a user id', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const handle = createHttpHandler(failingTracker(new Error('unused')), { identify: () => '12' as unknown as number });
    expect((await handle(request({ path: '/users/12/referrer' })))!.status).toBe(500);
  });

  it('reads its options once', async () => {
    const options: { identify?: () => number | undefined } = {};
    const tracker = failingTracker(new StorageError());
    const handle = createHttpHandler(tracker, options);
    options.identify = () => undefined;
    expect((await handle(request({ path: '/users/1/referrer' })))!.status).toBe(503);
  });

  it('hands identify and admin the raw request', async () => {
    const raw = { session: 7 };
    const identify = vi.fn((r: typeof raw) => r.session);
    const admin = vi.fn(() => false);
    const handle = createHttpHandler(failingTracker(new StorageError()), { identify, admin });
    expect((await handle(request({ path: '/users/7/referrer', raw })))!.status).toBe(503);
    expect(identify).toHaveBeenCalledWith(raw);
    expect((await handle(request({ path: '/leaderboard', raw })))!.status).toBe(403);
    expect(admin).toHaveBeenCalledWith(raw);
  });
});

describe('readJsonBody', () => {
  const stream = (...chunks: (string | Buffer)[]) => Readable.from(chunks);

  it('parses JSON, in chunks, with or without a byte order mark', async () => {
    expect(await readJsonBody(stream('{"a":', '[1,2]}'))).toEqual({ a: [1, 2] });
    expect(await readJsonBody(stream(Buffer.from('\uFEFF{"b":"\u4E2D"}')))).toEqual({ b: '\u4E2D' });
  });

  it('answers undefined for an empty body or a stream already read', async () => {
    expect(await readJsonBody(stream())).toBeUndefined();
    expect(await readJsonBody(stream('  \n'))).toBeUndefined();
    const read = stream('{}');
    for await (const _ of read) void _;
    expect(await readJsonBody(read)).toBeUndefined();
  });

  it('throws invalid_json and payload_too_large', async () => {
    await expect(readJsonBody(stream('{'))).rejects.toMatchObject({ code: 'invalid_json', status: 400 });
    await expect(readJsonBody(stream('[1,', '2]'), { limit: 4 })).rejects.toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(await readJsonBody(stream('[1,', '2]'), { limit: 5 })).toEqual([1, 2]);
  });

  it('throws invalid_json for a body cut off by the client', async () => {
    const aborted = new Readable({ read() {} });
    aborted.push('{"a":');
    setImmediate(() => aborted.destroy(new Error('aborted')));
    await expect(readJsonBody(aborted)).rejects.toMatchObject({ code: 'invalid_json' });
  });
});

describe('createHttpHandler options', () => {
  it('refuses an identify or admin that is not a function, naming it', () => {
    expect(() => createHttpHandler(failingTracker(null), { identify: 7 as never })).toThrow(/`identify` must be a function/);
    expect(() => createHttpHandler(failingTracker(null), { admin: true as never })).toThrow(/`admin` must be a function/);
    expect(() => createHttpHandler(failingTracker(null), { onError: console as never })).toThrow(
      /`onError` must be a function.*logger\.error/,
    );
  });
});
