#!/usr/bin/env node
// `node bench/src/export-heap.mjs FILE`: streams GET /export/tracks.csv over the SQLite FILE through
// core's HTTP handler, as an adapter would, and prints one JSON line: rows, seconds, rows/s, the
// peak heap (sampled every 50 chunks, ~25k rows) and the heap at the start.
import { createHttpHandler } from '@promo-track/core';
import { openLibrary } from './seed.mjs';

const file = process.argv[2];
const lib = openLibrary(file);
const handle = createHttpHandler(lib.tracker);
const heap = () => process.memoryUsage().heapUsed / 2 ** 20;
const startHeap = heap();
let peak = startHeap;
const t0 = process.hrtime.bigint();
const response = await handle({ method: 'GET', path: '/export/tracks.csv', query: {}, headers: {} });
if (!response || response.status !== 200 || typeof response.body === 'string') throw new Error(`export answered ${response?.status}`);
let lines = 0;
let chunks = 0;
let bytes = 0;
for await (const chunk of response.body) {
  bytes += chunk.length;
  for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
  if (++chunks % 50 === 0) peak = Math.max(peak, heap());
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
await lib.close();
const rows = lines - 1;
process.stdout.write(
  JSON.stringify({
    rows,
    secs: +secs.toFixed(1),
    rows_per_sec: Math.round(rows / secs),
    peak_heap_mb: +peak.toFixed(1),
    start_heap_mb: +startHeap.toFixed(1),
    mb: +(bytes / 2 ** 20).toFixed(0),
  }) + '\n',
);
