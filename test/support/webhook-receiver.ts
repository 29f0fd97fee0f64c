import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver saw it. */
export interface Delivery {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** What `standardwebhooks`' own `verify` said. */
  verified: boolean;
  status: number;
}

/** How to answer a request: a status, or `'hang'` (never answer). */
export type Answer = number | 'hang';

/**
 * A webhook endpoint on 127.0.0.1 that verifies every request with the `standardwebhooks`
 * package, records it, answers as `answer` says (default 200), and counts deliveries of one
 * `webhook-id` that overlapped in time (two senders holding the same message at once).
 */
export interface Receiver {
  url: string;
  secret: string;
  deliveries: Delivery[];
  /** Verified deliveries answered 2xx, by `webhook-id`. */
  accepted(): Map<string, Delivery[]>;
  overlaps: number;
  answer: (d: Delivery) => Answer;
  close(): Promise<void>;
}

export const SECRET = 'whsec_' + Buffer.from('promo-track-test-secret-0123').toString('base64');

/** `ignoreTime`: check the signature but not the timestamp's age (senders on an injected clock). */
export async function startReceiver(options: { secret?: string; delayMs?: number; ignoreTime?: boolean } = {}): Promise<Receiver> {
  const secret = options.secret ?? SECRET;
  const webhook = new Webhook(secret);
  const inFlight = new Map<string, number>();
  const hung = new Set<ServerResponse>();
  const receiver = {
    secret,
    deliveries: [] as Delivery[],
    overlaps: 0,
    answer: (_: Delivery): Answer => 200,
    accepted() {
      const byId = new Map<string, Delivery[]>();
      for (const d of this.deliveries) if (d.verified && d.status >= 200 && d.status < 300) byId.set(d.id, [...(byId.get(d.id) ?? []), d]);
      return byId;
    },
  } as Receiver;

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const header = (name: string) => String(req.headers[name] ?? '');
    const delivery: Delivery = {
      id: header('webhook-id'),
      timestamp: header('webhook-timestamp'),
      signature: header('webhook-signature'),
      body,
      verified: false,
      status: 0,
    };
    try {
      if (options.ignoreTime) {
        delivery.verified = webhook.sign(delivery.id, new Date(Number(delivery.timestamp) * 1000), body) === delivery.signature;
      } else {
        webhook.verify(body, {
          'webhook-id': delivery.id,
          'webhook-timestamp': delivery.timestamp,
          'webhook-signature': delivery.signature,
        });
        delivery.verified = true;
      }
    } catch {
      delivery.verified = false;
    }
    const concurrent = inFlight.get(delivery.id) ?? 0;
    if (concurrent > 0) receiver.overlaps++;
    inFlight.set(delivery.id, concurrent + 1);
    const answer = delivery.verified ? receiver.answer(delivery) : 400;
    if (answer === 'hang') {
      hung.add(res);
      res.on('close', () => {
        hung.delete(res);
        inFlight.set(delivery.id, (inFlight.get(delivery.id) ?? 1) - 1);
      });
      receiver.deliveries.push({ ...delivery, status: -1 });
      return;
    }
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    delivery.status = answer;
    receiver.deliveries.push(delivery);
    inFlight.set(delivery.id, (inFlight.get(delivery.id) ?? 1) - 1);
    res.writeHead(answer, { 'content-type': 'text/plain' }).end(String(answer));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = async () => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** The parsed body of a delivery. */
export const bodyOf = (d: Delivery): { type: string; timestamp: string; data: Record<string, unknown> } => JSON.parse(d.body);
