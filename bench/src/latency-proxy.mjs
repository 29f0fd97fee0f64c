// A TCP proxy that puts a network between the bench and its database: every chunk, in each direction,
// is held `delayMs` before it is passed on (in order), and the client's round trips are counted.
//
// What is counted: the client's protocol messages that each wait for an answer from the server.
// - PostgreSQL: 'Q' (simple query: BEGIN, COMMIT and queries without parameters) and 'S' (Sync,
//   which closes one Parse/Bind/Execute batch: node-postgres sends one per parameterised query).
// - MySQL/MariaDB: COM_QUERY (0x03) and COM_STMT_EXECUTE (0x17) packets (a command packet's
//   sequence id is 0; the login handshake is not counted).
//
// Sub-millisecond delays: Node's timers have 1 ms resolution, so a worker thread sleeps on
// `Atomics.wait` (fractional milliseconds, no busy loop) until the next chunk is due and wakes this
// thread. A chunk leaves at its due time plus the wake-up (some tens of µs on an idle machine).
import net from 'node:net';
import { Worker } from 'node:worker_threads';

const clock = () => performance.timeOrigin + performance.now();

const TIMER = `
const { workerData, parentPort } = require('node:worker_threads');
const gen = new Int32Array(workerData, 0, 1);
const due = new Float64Array(workerData, 8, 1);
const clock = () => performance.timeOrigin + performance.now();
for (;;) {
  const g = Atomics.load(gen, 0);
  if (g < 0) break;
  const wait = due[0] - clock();
  if (!(wait > 0) && due[0] !== Infinity) {
    parentPort.postMessage(0);
    Atomics.wait(gen, 0, g); // until the main thread has released what was due
  } else Atomics.wait(gen, 0, g, due[0] === Infinity ? undefined : wait);
}`;

/** One FIFO of held chunks for all sockets: the delay is the same for every chunk, so due times only grow. */
function createDelayLine() {
  const shared = new SharedArrayBuffer(16);
  const gen = new Int32Array(shared, 0, 1);
  const due = new Float64Array(shared, 8, 1);
  due[0] = Infinity;
  const queue = [];
  let head = 0;
  const publish = (next) => {
    due[0] = next;
    Atomics.add(gen, 0, 1);
    Atomics.notify(gen, 0);
  };
  const worker = new Worker(TIMER, { eval: true, workerData: shared });
  worker.unref();
  worker.on('message', () => {
    const t = clock();
    while (head < queue.length && queue[head].at <= t) {
      const { send } = queue[head];
      queue[head++] = undefined;
      send();
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    }
    publish(head < queue.length ? queue[head].at : Infinity);
  });
  return {
    hold(delayMs, send) {
      const at = clock() + delayMs;
      queue.push({ at, send });
      if (queue.length - head === 1) publish(at);
    },
    close() {
      Atomics.store(gen, 0, -1);
      Atomics.notify(gen, 0);
      return worker.terminate();
    },
  };
}

/** Counts the messages of a client→server stream that the server answers (see the top of this file). */
function messageCounter(protocol, onMessage) {
  let buffered = Buffer.alloc(0);
  let started = protocol === 'mysql'; // PostgreSQL's startup packet (and SSLRequest) has no type byte
  return (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (protocol === 'postgres') {
        if (!started) {
          if (buffered.length - at < 8) break;
          const length = buffered.readInt32BE(at);
          if (buffered.length - at < length) break;
          const code = buffered.readInt32BE(at + 4);
          // SSLRequest / GSSENCRequest are followed by another startup packet.
          if (code !== 80877103 && code !== 80877104) started = true;
          at += length;
          continue;
        }
        if (buffered.length - at < 5) break;
        const type = buffered[at];
        const length = buffered.readInt32BE(at + 1);
        if (buffered.length - at < 1 + length) break;
        if (type === 0x51 /* Q */ || type === 0x53 /* S */) onMessage();
        at += 1 + length;
      } else {
        if (buffered.length - at < 4) break;
        const length = buffered.readUIntLE(at, 3);
        if (buffered.length - at < 4 + length) break;
        const sequence = buffered[at + 3];
        const command = buffered[at + 4];
        if (sequence === 0 && (command === 0x03 || command === 0x17)) onMessage();
        at += 4 + length;
      }
    }
    buffered = at === buffered.length ? Buffer.alloc(0) : buffered.subarray(at);
  };
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) in front of `target` ({ host, port }); `delayMs` each
 * way (changeable later through `proxy.delayMs`). `proxy.roundTrips` counts the client's queries.
 */
export async function startLatencyProxy({ target, protocol, delayMs = 0.5 }) {
  const line = createDelayLine();
  const sockets = new Set();
  const proxy = {
    delayMs,
    roundTrips: 0,
    port: 0,
    /** The target's URL with this proxy's port in its place. */
    url(targetUrl) {
      const u = new URL(targetUrl);
      u.hostname = '127.0.0.1';
      u.port = String(proxy.port);
      return u.href;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      await line.close();
    },
  };
  const pass = (to) => (chunk) => {
    if (proxy.delayMs > 0) line.hold(proxy.delayMs, () => to.destroyed || to.write(chunk));
    else to.write(chunk);
  };
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(target.port, target.host);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const count = messageCounter(protocol, () => proxy.roundTrips++);
    const toServer = pass(upstream);
    client.on('data', (chunk) => {
      count(chunk);
      toServer(chunk);
    });
    upstream.on('data', pass(client));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = server.address().port;
  return proxy;
}
