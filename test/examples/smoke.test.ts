import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { buildApp as buildExpressApp } from '../../examples/express-host/src/app.js';
import { buildApp as buildFastifyApp } from '../../examples/fastify-host/src/app.js';
import { buildApp as buildHonoApp } from '../../examples/hono-host/src/app.js';
import { buildApp as buildKoaApp } from '../../examples/koa-host/src/app.js';
import { describeExample, type Example, listen } from './smoke-suite.js';

const salt = 'smoke-test-salt';

/** Each example's `buildApp()`; examples/nest-host runs the suite itself (Nest needs TypeScript's legacy decorators and its own tsconfig). */
const examples: Example[] = [
  {
    name: 'express-host',
    dashboard: true,
    apiRoute: false,
    ourJson: false,
    start: async () => buildExpressApp({ salt }).then(({ app, close }) => listen(app, close)),
  },
  {
    name: 'koa-host',
    dashboard: true,
    apiRoute: false,
    ourJson: false,
    start: async () => buildKoaApp({ salt }).then(({ app, close }) => listen(app.callback(), close)),
  },
  {
    name: 'fastify-host',
    dashboard: false,
    apiRoute: true,
    ourJson: true,
    async start() {
      const { app, close } = await buildFastifyApp({ salt });
      return { base: await app.listen({ port: 0, host: '127.0.0.1' }), close };
    },
  },
  {
    name: 'hono-host',
    dashboard: false,
    apiRoute: true,
    ourJson: true,
    async start() {
      const { app, close } = await buildHonoApp({ salt });
      const server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
      });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return { base, close: async () => (await new Promise((done) => server.close(done)), await close()) };
    },
  },
];

examples.forEach(describeExample);
