/**
 * Several processes run the webhook sender against one PostgreSQL and one MariaDB/MySQL: no
 * message is ever in flight in two of them at once (the receiver counts overlapping deliveries of
 * one webhook-id), every message is delivered once, and throughput grows with the processes.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker } from '@promo-track/core';
import { dropTables, MYSQL_URL, mysqlDb, PG_URL, PGBOUNCER_URL, pgDb, uniquePrefix } from '../../../test/support/databases.js';
import { type Receiver, startReceiver } from '../../../test/support/webhook-receiver.js';
import { useBuiltCore } from './built-core.js';
import { SALT } from './support.js';

const WORKER = fileURLToPath(new URL('./workers/webhook-sender-worker.mjs', import.meta.url));
const MESSAGES = 48;
/** Each send takes this long at the receiver, so that the senders' slots, not the CPU, bound throughput. */
const RECEIVER_MS = 100;
const CONCURRENCY = 2;

const servers = [
  { name: 'postgres', dialect: 'postgres' as const, url: PG_URL, open: () => pgDb() },
  // The claims (FOR UPDATE SKIP LOCKED, each one statement) through pgbouncer in transaction pooling.
  { name: 'postgres through pgbouncer', dialect: 'postgres' as const, url: PGBOUNCER_URL, open: () => pgDb(PGBOUNCER_URL) },
  { name: 'mysql', dialect: 'mysql' as const, url: MYSQL_URL, open: () => mysqlDb() },
];

const core = useBuiltCore();

describe.each(servers)('senders in several processes on $name', (server) => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ delayMs: RECEIVER_MS });
  });
  afterAll(() => receiver?.close());

  /** Writes MESSAGES referral.bound messages, runs `processes` senders until all are delivered: messages/s. */
  async function run(processes: number): Promise<number> {
    const db = server.open();
    const prefix = uniquePrefix();
    const webhooks = [{ url: receiver.url, secret: receiver.secret }];
    try {
      const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix, webhooks });
      await tracker.migrate();
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      const firstUser = 1000 * processes;
      await tracker.recordTracks(Array.from({ length: MESSAGES }, (_, i) => ({ userId: firstUser + i, promocode, scene: 1047 })));
      receiver.deliveries.length = 0;
      const job = { core: core.url(), dialect: server.dialect, url: server.url, salt: SALT, prefix, webhooks, concurrency: CONCURRENCY };
      const children = Array.from({ length: processes }, () =>
        spawn(process.execPath, [WORKER, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] }),
      );
      const exited = children.map((child) => new Promise((resolve) => child.on('exit', resolve)));
      // They start together: the clock runs from the moment all say ready.
      await Promise.all(children.map((child) => new Promise((resolve) => child.stdout!.once('data', resolve))));
      const started = Date.now();
      while (receiver.accepted().size < MESSAGES && Date.now() - started < 20_000) await new Promise((resolve) => setTimeout(resolve, 10));
      const elapsed = Date.now() - started;
      for (const child of children) child.stdin!.end('stop\n');
      await Promise.all(exited);
      expect(receiver.accepted().size).toBe(MESSAGES);
      return (MESSAGES / elapsed) * 1000;
    } finally {
      await dropTables(db, prefix).catch(() => undefined);
      await db.destroy();
    }
  }

  it.skipIf(!server.url)(
    'three processes: no webhook-id in flight twice, each delivered once, more messages per second than one',
    async () => {
      const one = await run(1);
      const three = await run(3);
      expect(receiver.overlaps).toBe(0);
      expect([...receiver.accepted().values()].every((ds) => ds.length === 1)).toBe(true);
      expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
      console.log(
        `webhook senders on ${server.name}: 1 process ${one.toFixed(0)} msg/s, 3 processes ${three.toFixed(0)} msg/s (receiver ${RECEIVER_MS} ms, ${CONCURRENCY} in flight each)`,
      );
      expect(three).toBeGreaterThan(one * 1.5);
    },
    60_000,
  );
});
