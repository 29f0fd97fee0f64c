import { buildApp } from './app.js';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('webhook-receiver: set WEBHOOK_SECRET to the endpoint secret given to promo-track (whsec_…)');
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3002);
const { app } = buildApp({ secret });
const server = app.listen(port, '127.0.0.1', () =>
  console.log(`webhook-receiver listening on http://127.0.0.1:${port}/webhooks/promo-track`),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
