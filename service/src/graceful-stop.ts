import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';

/** How long in-flight requests get after a stop signal before their connections are cut. */
const SHUTDOWN_GRACE_MS = 30_000;

export interface StoppableServer {
  server: Server;
  /**
   * Stops serving: no new connections; idle keep-alive connections closed now; requests in flight
   * answered with `Connection: close`; a new request on an open connection refused (503, closed).
   * `onClosed` runs once every connection is gone (or the grace period is over).
   */
  stop(signal: string, onClosed: () => void): void;
}

export function createStoppableServer(app: RequestListener): StoppableServer {
  const inFlight = new Set<ServerResponse>();
  let stopping = false;

  const server = createServer((req, res) => {
    if (stopping) return refuse(res);
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
    app(req, res);
  });

  return {
    server,
    stop(signal, onClosed) {
      if (stopping) return;
      stopping = true;
      for (const res of inFlight) closeAfter(res);
      // A connection turns idle once its last response is written: closed then by the sweep.
      const sweeper = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => {
        console.error(`promo-track: requests still running ${SHUTDOWN_GRACE_MS / 1000}s after ${signal}; closing their connections`);
        server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      deadline.unref();
      server.close(() => {
        clearInterval(sweeper);
        clearTimeout(deadline);
        onClosed();
      });
      server.closeIdleConnections();
    },
  };
}

/** Its connection ends with this response: told in the headers when they are not sent yet. */
function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
  else res.once('finish', () => res.socket?.end());
}

function refuse(res: ServerResponse): void {
  res.writeHead(503, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Retry-After': '1',
    Connection: 'close',
  });
  res.end(JSON.stringify({ error: { code: 'shutting_down', message: 'The service is stopping: send the request again.' } }));
}
