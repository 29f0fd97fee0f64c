/**
 * `npm start`: the standalone tracking service. Reads the environment, migrates, listens, logs one
 * line with the URL, and runs the webhook sender when configured. On SIGTERM / SIGINT it stops
 * accepting connections, lets the requests in flight finish, stops the sender (its sends in flight
 * finish), closes the database and exits 0.
 */
import type { AddressInfo } from 'node:net';
import { createService, type Service } from './app.js';
import { failureLine } from './config.js';
import { describeDatabase } from './database.js';
import { createStoppableServer, type StoppableServer } from './graceful-stop.js';
import { startLine } from './start-line.js';

async function main(): Promise<void> {
  let service: Service;
  try {
    service = createService(process.env);
  } catch (error) {
    return fail(error);
  }
  const { app, tracker, config } = service;
  for (const warning of service.warnings) console.warn(warning);

  // Signals are handled from here on: one during the migration stops the service right after it.
  let serving: StoppableServer | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    serving?.stop(signal, () => void closeAndExit(service));
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
  service.startWorker();

  serving = createStoppableServer(app);
  const { server } = serving;
  server.on('error', async (error) => {
    await service.close().catch(() => undefined);
    fail(error, `could not listen on ${config.host}:${config.port}`);
  });
  server.listen(config.port, config.host, () => {
    const { address, port } = server.address() as AddressInfo;
    console.log(startLine(config, address, port, process.pid));
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
  console.error(failureLine(error, what));
  process.exit(1);
}

void main();
