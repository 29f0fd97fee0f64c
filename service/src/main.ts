/**
 * `npm start`: the standalone tracking service. Reads the environment, migrates, listens, logs one
 * line with the URL, and runs the webhook sender when configured. On SIGTERM / SIGINT it stops
 * accepting connections, lets the requests in flight finish, stops the sender (its sends in flight
 * finish), closes the database and exits 0.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createService, type Service } from './app.js';
import { ConfigError } from './config.js';
import { describeDatabase } from './database.js';

/** How long in-flight requests get after a stop signal before their connections are cut. */
const SHUTDOWN_GRACE_MS = 30_000;

async function main(): Promise<void> {
  let service: Service;
  try {
    service = createService(process.env);
  } catch (error) {
    return fail(error);
  }
  const { app, tracker, config } = service;
  if (config.saltWarning) console.warn(config.saltWarning);

  // Signals are handled from here on: one during the migration stops the service right after it.
  let server: Server | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (server) drain(server, service, signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    await tracker.migrate();
  } catch (error) {
    await service.close().catch(() => undefined);
    return fail(error, `the database (${describeDatabase(config.database)}) could not be migrated`);
  }
  if (stopping) return closeAndExit(service);
  service.startWebhookDelivery();

  server = createServer(app);
  server.on('error', async (error) => {
    await service.close().catch(() => undefined);
    fail(error, `could not listen on ${config.host}:${config.port}`);
  });
  server.listen(config.port, config.host, () => {
    const { address, port } = server!.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    console.log(`promo-track listening on http://${host}:${port} (${describeDatabase(config.database)}, pid ${process.pid})`);
  });
}

/**
 * No new connections; idle keep-alive connections are closed now, busy ones once their response is
 * written (checked every 100 ms, since a busy socket turns idle after it). Then the database closes.
 */
function drain(server: Server, service: Service, signal: NodeJS.Signals) {
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => {
    console.error(`promo-track: requests still running ${SHUTDOWN_GRACE_MS / 1000}s after ${signal}; closing their connections`);
    server.closeAllConnections();
  }, SHUTDOWN_GRACE_MS);
  deadline.unref();
  server.close(() => {
    clearInterval(sweeper);
    clearTimeout(deadline);
    void closeAndExit(service);
  });
}

async function closeAndExit(service: Service): Promise<void> {
  try {
    await service.close();
  } catch (error) {
    fail(error, 'the database did not close cleanly');
  }
  process.exit(0);
}

function fail(error: unknown, what?: string): never {
  const message = error instanceof ConfigError ? error.message : `${what ?? 'start-up failed'}: ${error instanceof Error ? error.message : String(error)}`;
  console.error(`promo-track: ${message}`);
  process.exit(1);
}

void main();
