import { randomBytes } from 'node:crypto';
import type { WebhookDelivery, WebhookDeliveryOptions } from '../model/types.js';
import type { StoreContext } from '../store/context.js';
import { type Outbox, redactUrl } from './endpoints.js';
import { type ClaimedMessage, claimDue, outboxUpkeep, recordResult, type SendResult } from '../store/outbox/index.js';
import { messageId } from './message-ids.js';
import { nextAttemptAt } from './schedule.js';

const DEFAULTS = { timeoutMs: 15_000, pollMs: 5_000, concurrency: 16 };
/** A claimed message stays this sender's for the timeout plus this margin (then another may take it). */
const LEASE_MARGIN_MS = 5_000;
/** How often the sender does the outbox's upkeep (orphaned messages failed, delivered ones past the retention deleted). */
const UPKEEP_MS = 10 * 60_000;

/**
 * The sender: keeps up to `concurrency` messages in flight, claiming more as each send ends (so one
 * endpoint that hangs holds one slot, not the queue), and looks for due messages at least every
 * `pollMs` (releasing due rewards first, each time). Each message is leased, signed, posted, and its result recorded (docs/webhooks.md).
 */
export function startSender(
  ctx: StoreContext,
  outbox: Outbox,
  options: WebhookDeliveryOptions = {},
  /** Run on every look, before claiming: the rewards whose hold ended become payable (and their events due). */
  release?: () => Promise<number>,
): WebhookDelivery {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const concurrency = options.concurrency ?? DEFAULTS.concurrency;
  const onError = options.onError ?? (() => undefined);
  const endpoints = new Map(outbox.endpoints.map((e) => [e.key, e]));
  const keys = [...endpoints.keys()];

  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let wake: (() => void) | null = null;
  const nudge = () => wake?.();

  async function send(m: ClaimedMessage, claim: string): Promise<void> {
    const endpoint = endpoints.get(m.endpoint)!;
    const id = messageId(m.id, m.token);
    const at = new Date(now());
    let result: SendResult;
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'promo-track-webhooks',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': endpoint.signer.sign(id, at, m.payload),
        },
        body: m.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      result = response.status >= 200 && response.status < 300 ? { delivered: true, at: now() } : failure(m, `HTTP ${response.status}`);
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      result = failure(m, timedOut ? `no answer within ${timeoutMs} ms` : redactUrl(describe(error), endpoint));
    }
    if (!result.delivered) onError(new Error(`webhook ${id} to ${endpoint.shown}: ${result.error}`));
    // If this fails, the lease runs out and the message is sent again: at least once.
    await recordResult(ctx, m, claim, result).catch(onError);
  }

  const failure = (m: ClaimedMessage, error: string): SendResult => ({
    delivered: false,
    error,
    retryAt: nextAttemptAt(m.attempts + 1, now()),
  });

  let upkeepAt = -Infinity;
  async function upkeep(): Promise<void> {
    if (now() < upkeepAt) return;
    upkeepAt = now() + UPKEEP_MS;
    await outboxUpkeep(ctx, { deliveredBefore: now() - outbox.retentionMs }).catch(onError);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      if (release) await release().catch(onError);
      const room = concurrency - inFlight.size;
      // Claims in batches: once half the slots are free (or none is busy), not one message per freed slot.
      const claiming = keys.length > 0 && room > 0 && (room * 2 >= concurrency || inFlight.size === 0);
      let claimed: ClaimedMessage[] = [];
      if (claiming) {
        const claim = randomBytes(12).toString('base64url');
        const at = now();
        try {
          claimed = await claimDue(ctx, { now: at, leaseUntil: at + timeoutMs + LEASE_MARGIN_MS, limit: room, endpoints: keys, claim });
        } catch (error) {
          onError(error);
        }
        for (const m of claimed) {
          const sending: Promise<void> = send(m, claim).finally(() => {
            inFlight.delete(sending);
            nudge();
          });
          inFlight.add(sending);
        }
      }
      // A full claim may leave more due: look again at once; else wait for a free slot, a poll or stop().
      if (stopped) break;
      if (claiming && claimed.length === room) continue;
      await upkeep(); // after the claims: the first sends never wait for it
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
  }

  const running = loop();
  return {
    async stop() {
      stopped = true;
      nudge();
      await running;
      await Promise.all(inFlight);
    },
  };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code ? `${message} (${cause.code})` : message;
}
