/**
 * promo-track's routes in an Express 5 app: `app.use('/api', createExpressRouter(tracker, options))`.
 *
 * @packageDocumentation
 * @module @promo-track/express
 */
import { createHttpHandler, type HttpHandlerOptions, queryText, readJsonBody, type Tracker } from '@promo-track/core';
import { pipeline, Readable } from 'node:stream';
import { type Request, Router } from 'express';

/** Options of `createExpressRouter`: `identify`, `admin`, `onError`, `dashboard`, given the Express `req`. */
export type ExpressRouterOptions = HttpHandlerOptions<Request>;

/**
 * promo-track's routes as an Express 5 router: `app.use('/api', createExpressRouter(tracker))`.
 * Requests for any other path go on to the host's own routes.
 */
export function createExpressRouter(tracker: Tracker, options: ExpressRouterOptions = {}): Router {
  const handle = createHttpHandler<Request>(tracker, options);
  const router = Router();
  router.use(async (req, res, next) => {
    const response = await handle({
      method: req.method,
      path: req.path,
      query: req.query,
      rawQuery: queryText(req.originalUrl),
      headers: req.headers,
      // Express 5 leaves `req.body` undefined unless a body parser ran before us.
      body: req.body as unknown,
      readBody: () => readJsonBody(req),
      raw: req,
      remoteAddress: req.socket.remoteAddress,
    });
    if (!response) return next();
    res.status(response.status).set(response.headers);
    if (typeof response.body === 'string') return void res.send(response.body);
    // A streamed body (the CSV exports): written as it comes; a failure mid-way drops the connection.
    pipeline(Readable.from(response.body), res, (error) => {
      if (error) res.destroy();
    });
  });
  return router;
}
