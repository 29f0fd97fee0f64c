// One process of the code images' multi-process tests: opens its own pool and a tracker with a
// generator on the WeChat stand-in (the BUILT core), says `ready`; on `go` it starts the worker
// and asks for its promos all at once (`ask`), then prints `asked <n>`; on `stop` (or stdin's end)
// it stops the worker and exits. It may also be SIGKILLed at any moment.
import { openDb } from './open-db.mjs';

const job = JSON.parse(process.argv[2]);
const { createTracker, createWxacodeGenerator, createFileStore } = await import(job.core);

const db = await openDb(job, { max: 6, wal: true });
const wxacode = createWxacodeGenerator({
  appid: job.wechat.appid,
  secret: job.wechat.secret,
  apiBase: job.wechat.apiBase,
  store: createFileStore({ dir: job.dir, baseUrl: 'http://127.0.0.1:3000/wxacode/' }),
  maxPerMinute: job.maxPerMinute ?? 1000,
  ...(job.windowMs ? { budgetWindowMs: job.windowMs } : {}),
  ...(job.timeoutMs ? { timeoutMs: job.timeoutMs } : {}),
});
const tracker = createTracker({ db, salt: job.salt, tablePrefix: job.prefix, wxacode });
process.stdout.write('ready\n');

const lines = [];
let wake = () => undefined;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  lines.push(...chunk.split('\n').filter(Boolean));
  wake();
});
process.stdin.on('end', () => {
  lines.push('stop');
  wake();
});
const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((resolve) => (wake = () => resolve(lines.shift()))));

if ((await next()) === 'go') {
  const worker = tracker.startWorker({ pollMs: 50, codeConcurrency: job.concurrency ?? 4, onError: () => undefined });
  const ask = job.ask ?? [];
  const promos = await Promise.all(ask.map((userId) => tracker.getOrCreatePromo({ userId })));
  process.stdout.write(`asked ${promos.filter((p) => p.wxbcode).length}\n`);
  while ((await next()) !== 'stop');
  await worker.stop();
}
await db.destroy();
process.exit(0);
