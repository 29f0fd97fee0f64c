import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeExample } from '../../../test/examples/smoke-suite.js';
import { buildApp } from '../src/app.js';

// The examples' one smoke suite; Nest's app is built here because Nest needs its own tsconfig (legacy decorators).
describeExample({
  name: 'nest-host',
  dashboard: false,
  apiRoute: true,
  ourJson: true,
  async start() {
    const { app, close } = await buildApp({ salt: 'smoke-test-salt' });
    await app.listen(0, '127.0.0.1');
    return { base: `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`, close };
  },
});
