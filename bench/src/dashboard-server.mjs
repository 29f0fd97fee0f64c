#!/usr/bin/env node
// `node bench/src/dashboard-server.mjs FILE`: the operator dashboard over the SQLite FILE, as a host
// serves it (Express, `createExpressRouter(tracker, { plugins: [dashboard()] })` at /api). Answers
// its port over IPC once listening; exits when the parent disconnects.
import http from 'node:http';
import { dashboard } from '@promo-track/dashboard';
import { createExpressRouter } from '@promo-track/express';
import express from 'express';
import { openLibrary } from './seed.mjs';

const lib = openLibrary(process.argv[2]);
await lib.tracker.migrate();
const app = express();
app.use('/api', createExpressRouter(lib.tracker, { plugins: [dashboard()] }));
const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => {
  server.close();
  lib.close().finally(() => process.exit(0));
});
