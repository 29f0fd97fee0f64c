import { randomBytes } from 'node:crypto';
import type { StoreContext } from '../store/context.js';
import { type CodeJob, claimDueJobs } from '../store/codes/index.js';
import type { CodeMaker } from './code-maker.js';

export interface CodeLoopOptions {
  now: () => number;
  pollMs: number;
  concurrency: number;
  onError: (error: unknown) => void;
}

/** A running loop: `nudge` makes it look at once (a code was just queued in this process). */
export interface Loop {
  nudge(): void;
  stop(): Promise<void>;
}

/**
 * The code images' part of the worker: keeps up to `concurrency` jobs in flight, claiming only as
 * many as the shared budget has room for (so jobs are not leased only to wait), and sleeps until a
 * call of the budget frees, a poll, or a nudge. A job the budget refused after all is released, due now.
 */
export function startCodeLoop(ctx: StoreContext, maker: CodeMaker, o: CodeLoopOptions): Loop {
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let wake: (() => void) | null = null;
  const nudge = () => wake?.();

  const run = (job: CodeJob, claim: string) => {
    const running: Promise<void> = maker
      .attempt(job, claim)
      .then((result) => {
        if (result.failure && result.failure.kind !== 'budget') o.onError(result.error);
      })
      // If recording failed, the lease runs out and another attempt follows: at least once.
      .catch(o.onError)
      .finally(() => {
        inFlight.delete(running);
        nudge();
      });
    inFlight.add(running);
  };

  async function loop(): Promise<void> {
    while (!stopped) {
      let waitMs = o.pollMs;
      const room = o.concurrency - inFlight.size;
      // Claims in batches: once half the slots are free (or none is busy), not one job per freed slot.
      if (room > 0 && (room * 2 >= o.concurrency || inFlight.size === 0)) {
        try {
          const { free, nextFreeAt } = await maker.budget.room();
          const limit = Math.min(room, free);
          if (limit > 0) {
            const claim = randomBytes(12).toString('base64url');
            const at = o.now();
            const jobs = await claimDueJobs(ctx, { now: at, leaseUntil: at + maker.leaseMs, limit, claim });
            for (const job of jobs) run(job, claim);
            // A full claim may leave more due: look again at once.
            if (jobs.length === limit) continue;
          } else if (nextFreeAt !== null) {
            waitMs = Math.max(1, Math.min(o.pollMs, nextFreeAt - o.now()));
          }
        } catch (error) {
          o.onError(error);
        }
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
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
    nudge,
    async stop() {
      stopped = true;
      nudge();
      await running;
      await Promise.all(inFlight);
    },
  };
}
