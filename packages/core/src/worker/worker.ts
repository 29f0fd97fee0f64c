import type { Worker, WorkerOptions } from '../model/types.js';
import type { StoreContext } from '../store/context.js';
import type { Outbox } from '../webhooks/endpoints.js';
import { startSender } from '../webhooks/sender.js';
import { startCodeLoop, type Loop } from './code-loop.js';
import type { CodeMaker } from './code-maker.js';

const DEFAULTS = { pollMs: 5_000, codeConcurrency: 8 };

/** What the worker runs besides webhook delivery. */
export interface WorkerParts {
  outbox: Outbox;
  /** The code images' queue, when the tracker has a `wxacode` generator. */
  codes: CodeMaker | null;
  /** `releaseDueRewards`: the sender runs it on every look, before claiming (so the rewards' events go out at once). */
  release?: () => Promise<number>;
}

/**
 * `tracker.startWorker()`: every background job of the library in this process — the webhook
 * sender (which releases due rewards on every look), and the code images' queue. Any number of processes may run it: each
 * part claims its rows so that no job runs in two at once. `started` hears of each running code
 * loop (to nudge it when this process queues a code) and `stopped` of its end.
 */
export function startWorker(
  ctx: StoreContext,
  parts: WorkerParts,
  options: WorkerOptions,
  hooks: { started(loop: Loop): void; stopped(loop: Loop): void },
): Worker {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const onError = options.onError ?? (() => undefined);
  const sender = startSender(ctx, parts.outbox, options, parts.release);
  const codes = parts.codes
    ? startCodeLoop(ctx, parts.codes, { now, pollMs, concurrency: options.codeConcurrency ?? DEFAULTS.codeConcurrency, onError })
    : null;
  if (codes) hooks.started(codes);

  return {
    async stop() {
      await Promise.all([sender.stop(), codes?.stop()]);
      if (codes) hooks.stopped(codes);
    },
  };
}
