import { afterAll, beforeAll, describe } from 'vitest';
import type { Kysely } from 'kysely';
import type { Tracker, TrackerOptions } from '@promo-track/core';
import { databases, openTracker } from '../../support/databases.js';
import { type Api, client } from './client.js';
import { type AdapterCase, adapters, type HostOptions, type RunningHost } from './servers.js';

export interface HostContext {
  api: Api;
  host: RunningHost;
  adapter: AdapterCase;
  tracker: Tracker;
  db: Kysely<any>;
  prefix: string;
  databaseName: string;
}

/**
 * Runs `define` once per database (skipped when not configured) and per adapter, against a host
 * on a real port with a fresh tracker. The context's fields are filled in `beforeAll`.
 */
export function describeHosts(
  title: string,
  options: HostOptions & {
    tracker?: Partial<TrackerOptions>;
    /** For what no database changes (body parsing, mounting): SQLite alone. */
    sqliteOnly?: boolean;
    /** Express and Koa with a prefix only: Koa at the root differs from them in mounting alone. */
    mountedOnly?: boolean;
  },
  define: (ctx: HostContext) => void,
): void {
  describe.each(options.sqliteOnly ? databases.filter((d) => d.name === 'sqlite') : databases)(`${title} on $name`, (database) => {
    const cases = options.mountedOnly ? adapters.filter((a) => a.mount !== '') : adapters;
    describe.skipIf(!database.enabled).each(cases)('$name', (adapter) => {
      const ctx = { adapter, databaseName: database.name } as HostContext;
      let close: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const opened = await openTracker(database, options.tracker);
        Object.assign(ctx, opened);
        ctx.host = await adapter.start(opened.tracker, options);
        ctx.api = client(ctx.host.base);
        close = opened.close;
      });
      afterAll(async () => {
        await ctx.host?.close();
        await close?.();
      });
      define(ctx);
    });
  });
}

let nextUser = 1000;
/** A user id no other test of this file has used. */
export const newUserId = () => ++nextUser;
