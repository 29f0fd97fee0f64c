import { afterAll, beforeAll, describe } from 'vitest';
import type { Kysely } from 'kysely';
import type { Tracker, TrackerOptions } from '@promo-track/core';
import { databases, openTracker, type TestDatabase } from '../../support/databases.js';
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
 * on a real port, over a fresh tracker per database. The context's fields are filled in `beforeAll`.
 * Each database through its default driver: the HTTP suite's subject is the adapters and routes; the
 * other PostgreSQL drivers run the conformance suite (packages/core/test) and test/http/outage.test.ts.
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
  closeTrackersAfterFile();
  describe.each(databases.filter((d) => d.defaultDriver && (!options.sqliteOnly || d.name === 'sqlite')))(
    `${title} on $name`,
    (database) => {
      let opened: (Opened & { release(): Promise<void> }) | undefined;
      beforeAll(async () => {
        if (database.enabled) opened = await sharedTracker(database, options.tracker);
      });
      afterAll(async () => {
        await opened?.release();
      });
      const cases = options.mountedOnly ? adapters.filter((a) => a.mount !== '') : adapters;
      describe.skipIf(!database.enabled).each(cases)('$name', (adapter) => {
        const ctx = { adapter, databaseName: database.name } as HostContext;
        beforeAll(async () => {
          Object.assign(ctx, { tracker: opened!.tracker, db: opened!.db, prefix: opened!.prefix });
          ctx.host = await adapter.start(opened!.tracker, options);
          ctx.api = client(ctx.host.base);
        });
        afterAll(async () => {
          await ctx.host?.close();
        });
        define(ctx);
      });
    },
  );
}

type Opened = Awaited<ReturnType<typeof openTracker>>;
const trackers = new Map<string, Promise<Opened>>();
let closeRegistered = false;

/**
 * One migrated tracker per database for the whole test file (migrations are the slow part on
 * shared servers), shared by every describe and adapter: tests use users of their own.
 * A describe with tracker options of its own gets its own tracker.
 */
async function sharedTracker(
  database: TestDatabase,
  trackerOptions?: Partial<TrackerOptions>,
): Promise<Opened & { release(): Promise<void> }> {
  if (trackerOptions) {
    const own = await openTracker(database, trackerOptions);
    return { ...own, release: own.close };
  }
  let opened = trackers.get(database.name);
  if (!opened) trackers.set(database.name, (opened = openTracker(database)));
  return { ...(await opened), release: async () => undefined };
}

/** Registered at the top of the file, so it runs once every describe of the file is done. */
function closeTrackersAfterFile() {
  if (closeRegistered) return;
  closeRegistered = true;
  afterAll(async () => {
    const all = [...trackers.values()];
    trackers.clear();
    await Promise.all(all.map(async (opened) => (await opened).close()));
  });
}

let nextUser = 1000;
/** A user id no other test of this file has used. */
export const newUserId = () => ++nextUser;
