/**
 * `plugins`: routes added to createHttpHandler beside the contract's, under the same mount and the
 * same identify/admin rules. Framework-free; the dashboard tests cover them through both adapters.
 */
import { describe, expect, it, vi } from 'vitest';
import { createHttpHandler, type HttpRequest, type Plugin, type PluginRequest, StorageError, type Tracker } from '@promo-track/core';

type Raw = { user?: number; operator?: boolean };
const request = (over: Partial<HttpRequest<Raw>>): HttpRequest<Raw> => ({
  method: 'GET',
  path: '/',
  query: {},
  headers: {},
  raw: {},
  ...over,
});
const text = (status: number, body: string) => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });

/** A tracker whose every method fails: plugin routes here must not need it unless they say so. */
const tracker = new Proxy({} as Tracker, { get: () => () => Promise.reject(new StorageError()) });

function echo(admin = false): Plugin & { seen: PluginRequest[] } {
  const seen: PluginRequest[] = [];
  return {
    name: 'echo',
    seen,
    routes: [
      {
        method: 'GET',
        path: '/echo/:name',
        admin,
        handle(req) {
          seen.push(req);
          return text(200, `hello ${req.params.name}`);
        },
      },
    ],
  };
}

describe('plugins', () => {
  it('serves their routes with decoded params, the query, the path as sent and the tracker', async () => {
    const plugin = echo();
    const handle = createHttpHandler(tracker, { plugins: [plugin] });
    const response = await handle(request({ path: '/echo/%E4%B8%AD/', query: { a: '1' } }));
    expect(response).toEqual(text(200, 'hello 中'));
    expect(plugin.seen).toHaveLength(1);
    const { tracker: given, ...rest } = plugin.seen[0];
    expect(given === tracker).toBe(true); // not toBe: printing the proxy would call it
    expect(rest).toEqual({ path: '/echo/%E4%B8%AD/', params: { name: '中' }, query: { a: '1' } });
    expect(await handle(request({ method: 'POST', path: '/echo/x' }))).toBeNull();
    expect(await handle(request({ path: '/echo' }))).toBeNull();
  });

  it('apply identify to every plugin route, and admin to the ones that ask for it', async () => {
    const identify = (raw: Raw) => raw.user;
    const admin = (raw: Raw) => raw.operator === true;
    const open = createHttpHandler<Raw>(tracker, { identify, admin, plugins: [echo(false)] });
    expect((await open(request({ path: '/echo/a' })))!.status).toBe(401);
    expect((await open(request({ path: '/echo/a', raw: { user: 3 } })))!.status).toBe(200);

    const operators = createHttpHandler<Raw>(tracker, { identify, admin, plugins: [echo(true)] });
    const unknown = (await operators(request({ path: '/echo/a' })))!;
    expect([unknown.status, JSON.parse(unknown.body as string).error.code]).toEqual([401, 'unauthorized']);
    const user = (await operators(request({ path: '/echo/a', raw: { user: 3 } })))!;
    expect([user.status, JSON.parse(user.body as string).error.code]).toEqual([403, 'forbidden']);
    expect((await operators(request({ path: '/echo/a', raw: { operator: true } })))!.status).toBe(200);

    // Neither option set: open to all, as GET /leaderboard is.
    expect((await createHttpHandler<Raw>(tracker, { plugins: [echo(true)] })(request({ path: '/echo/a' })))!.status).toBe(200);
  });

  it("answer a refusal with the route's own `refused` when it has one", async () => {
    const handle = vi.fn(() => text(200, 'secret'));
    const plugin: Plugin = {
      name: 'page',
      routes: [{ method: 'GET', path: '/page', admin: true, handle, refused: (status) => text(status, `refused ${status}`) }],
    };
    const serve = createHttpHandler<Raw>(tracker, {
      identify: (raw) => raw.user,
      admin: (raw) => raw.operator === true,
      plugins: [plugin],
    });
    expect(await serve(request({ path: '/page' }))).toEqual(text(401, 'refused 401'));
    expect(await serve(request({ path: '/page', raw: { user: 1 } }))).toEqual(text(403, 'refused 403'));
    expect(handle).not.toHaveBeenCalled();
  });

  it('map what a plugin throws like any route: an unexpected failure is a bare 500', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const plugin: Plugin = {
      name: 'broken',
      routes: [
        { method: 'GET', path: '/broken', handle: () => Promise.reject(new Error('select secret from users')) },
        { method: 'GET', path: '/down', handle: ({ tracker }) => tracker.stats().then(() => text(200, '')) },
      ],
    };
    const handle = createHttpHandler(tracker, { plugins: [plugin] });
    const broken = (await handle(request({ path: '/broken' })))!;
    expect([broken.status, broken.body]).toEqual([500, JSON.stringify({ error: { code: 'internal', message: 'Internal server error' } })]);
    expect((await handle(request({ path: '/down' })))!.status).toBe(503);
    vi.restoreAllMocks();
  });

  it("never take a contract route's path, and are read once", async () => {
    const shadow: Plugin = { name: 'shadow', routes: [{ method: 'GET', path: '/users/:id/referrer', handle: () => text(200, 'plugin') }] };
    const plugins = [shadow];
    const handle = createHttpHandler(tracker, { plugins });
    plugins.push(echo());
    expect((await handle(request({ path: '/users/1/referrer' })))!.status).toBe(503); // the contract's route, over the failing tracker
    expect(await handle(request({ path: '/echo/a' }))).toBeNull();
  });

  it('refuse at creation what is not a plugin, or the same route twice, naming the mistake', () => {
    const create = (plugins: unknown) => () => createHttpHandler(tracker, { plugins: plugins as Plugin[] });
    expect(create(echo())).toThrow(/`plugins` must be an array/);
    expect(create([() => echo()])).toThrow(/`dashboard\(\)` \(not `dashboard`\)/);
    expect(create([{ name: 'bad', routes: [{ method: 'POST', path: '/x', handle: () => text(200, '') }] }])).toThrow(
      /plugin "bad" has a route/,
    );
    expect(create([{ name: 'bad', routes: [{ method: 'GET', path: 'x', handle: () => text(200, '') }] }])).toThrow(
      /plugin "bad" has a route/,
    );
    expect(create([echo(), echo()])).toThrow(/two routes are `GET \/echo\/:name`/);
    expect(() => createHttpHandler(tracker, { dashboard: true } as never)).toThrow(
      /install @promo-track\/dashboard and pass `plugins: \[dashboard\(\)\]`/,
    );
    expect(create([{ name: 'stats', routes: [{ method: 'GET', path: '/stats', handle: () => text(200, '') }] }])).toThrow(
      /two routes are `GET \/stats`/,
    );
  });
});
