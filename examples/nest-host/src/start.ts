import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3005);
const { app, close } = await buildApp({ sqliteFile: process.env.SQLITE_FILE });
await app.listen(port, '127.0.0.1');
console.log(`nest-host listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void close().then(() => process.exit(0)));
}
