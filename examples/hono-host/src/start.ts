import { serve } from '@hono/node-server';
import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3004);
const { app, close } = await buildApp({ sqliteFile: process.env.SQLITE_FILE });
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () =>
  console.log(`hono-host listening on http://127.0.0.1:${port}`),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => void close().then(() => process.exit(0))));
}
