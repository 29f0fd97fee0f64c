#!/usr/bin/env node
// `node bench/src/dashboard-render.mjs FILE`: the operator dashboard over the SQLite FILE in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core); prints one JSON line.
//
// "First full render": from the navigation's start (the page's `performance` time origin) to the
// first animation frame after the page says its first view is complete — `<body data-generation="1"
// data-busy="false">`, set once every initial fetch (settings, the export and webhook probes,
// stats, leaderboard, names) has answered and its data is in the tiles, tables and charts — with
// chart animations off (reduced motion), so that what is drawn is final.
// Cold: the first load after the server process started (its rollups built by earlier runs), in a
// fresh browser context (nothing cached). Warm: reloads in that context, server already running.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const COLD = 3;
const WARM = 7;
const file = process.argv[2];
if (!existsSync(CHROMIUM)) {
  process.stdout.write(JSON.stringify({ skipped: `${CHROMIUM} is missing (apt-get install chromium)` }) + '\n');
  process.exit(0);
}

/** Resolves with the render time and every request's timing, measured inside the page. */
const PROBE = () => {
  window.__rendered = new Promise((resolve) => {
    const done = () => {
      const body = document.body;
      if (!body || body.dataset.generation !== '1' || body.dataset.busy !== 'false') return false;
      requestAnimationFrame(() => {
        const alert = document.getElementById('alert');
        resolve({
          ms: performance.now(),
          alert: alert && !alert.hidden ? alert.textContent : null,
          visits: document.querySelector('[data-kpi="visits"]')?.dataset.value ?? null,
          requests: performance.getEntriesByType('resource').map((e) => ({
            path: new URL(e.name).pathname.replace(/^\/api/, '') + (new URL(e.name).search ? '?…' : ''),
            start: Math.round(e.startTime),
            ms: Math.round(e.duration),
          })),
        });
      });
      return true;
    };
    new MutationObserver((_, observer) => done() && observer.disconnect()).observe(document, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-generation', 'data-busy'],
    });
  });
};

function startServer() {
  const child = fork(fileURLToPath(new URL('./dashboard-server.mjs', import.meta.url)), [file], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ child, url: `http://127.0.0.1:${port}/api/dashboard` }));
    child.once('exit', (code) => reject(new Error(`dashboard server exited with ${code}`)));
  });
}

async function load(page, url) {
  await page.goto(url, { waitUntil: 'commit' });
  const r = await page.evaluate(() => window.__rendered);
  if (r.alert) throw new Error(`the dashboard showed an error: ${r.alert}`);
  if (!(Number(r.visits) > 0)) throw new Error(`the dashboard showed ${r.visits} visits`);
  return r;
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const cold = [];
const warm = [];
try {
  for (let i = 0; i < COLD; i++) {
    const { child, url } = await startServer();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce', locale: 'zh-CN' });
      await context.addInitScript(PROBE);
      const page = await context.newPage();
      cold.push(await load(page, url));
      if (i === COLD - 1) for (let j = 0; j < WARM; j++) warm.push(await load(page, url));
      await context.close();
    } finally {
      child.disconnect();
    }
  }
} finally {
  await browser.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** Per route, the median time of its request over `runs`. */
const byRoute = (runs) => {
  const all = new Map();
  for (const r of runs) for (const q of r.requests) all.set(q.path, [...(all.get(q.path) ?? []), q.ms]);
  return Object.fromEntries([...all].map(([path, ms]) => [path, median(ms)]));
};
/** The median cold load, request by request: where its time went. */
const typical = [...cold].sort((a, b) => a.ms - b.ms)[cold.length >> 1];
process.stdout.write(
  JSON.stringify({
    cold_timeline: [...typical.requests.map((q) => `${q.path} ${q.start}+${q.ms}`), `rendered ${Math.round(typical.ms)}`].join(', '),
    cold_ms: cold.map((r) => Math.round(r.ms)),
    warm_ms: warm.map((r) => Math.round(r.ms)),
    cold_median_ms: Math.round(median(cold.map((r) => r.ms))),
    warm_median_ms: Math.round(median(warm.map((r) => r.ms))),
    cold_requests: byRoute(cold),
    warm_requests: byRoute(warm),
  }) + '\n',
);
