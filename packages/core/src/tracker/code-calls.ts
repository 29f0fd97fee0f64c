import { randomBytes } from 'node:crypto';
import type { CodeJobsReport, PregenerateCodesInput, Promo, WorkerOptions } from '../model/types.js';
import type { WxacodeGenerator } from '../model/wxacode.js';
import { claimJobOf, countJobs, queueJobs, retryFailedJobs, selectPromosOf, sharedBudget } from '../store/codes/index.js';
import { getOrCreatePromoRow } from '../store/promos/index.js';
import { parse, pregenerateCodesSchema } from '../validation.js';
import type { Loop } from '../worker/code-loop.js';
import { type CodeMaker, codeMaker } from '../worker/code-maker.js';
import { startWorker } from '../worker/worker.js';
import type { TrackerParts } from './parts.js';

/** The budget when the generator names none (a host's own generator). */
const DEFAULT_BUDGET = { maxPerMinute: 1000, windowMs: 60_000 };
/** The longest one generate() can take. */
export const deadlineMs = (generator: WxacodeGenerator): number => generator.deadlineMs ?? 60_000;
/** Promos created at once by pregenerateCodes. */
const CREATING = 8;

/**
 * The tracker's code images (docs/wxacode.md): getOrCreatePromo makes a promo's code within the call
 * (`fill`) while the shared budget has room and queues it otherwise; pregenerateCodes queues many;
 * the worker (`startWorker`: webhooks, periodic jobs, code images) makes the queued ones.
 */
export function codeCalls({ o, ctx, operatorCtx, codec, whenMigrated: guard, emit }: TrackerParts) {
  const generator = o.wxacode;
  const budget = generator?.budget ?? DEFAULT_BUDGET;
  const maker: CodeMaker | null = generator
    ? codeMaker(
        ctx,
        generator,
        deadlineMs(generator),
        sharedBudget(ctx, { calls: budget.maxPerMinute, windowMs: budget.windowMs, holdMs: deadlineMs(generator) }),
        emit,
      )
    : null;
  const loops = new Set<Loop>();
  const nudge = () => loops.forEach((loop) => loop.nudge());
  const failed = (promo: Promo, error: unknown) =>
    emit({ type: 'wxacode.failed', promo, reason: error instanceof Error ? error.message : String(error), error });

  /** The code of one promo, made here once per process however many callers ask at once. */
  const inFlight = new Map<string, Promise<Promo>>();
  const make = async (m: CodeMaker, promo: Promo): Promise<Promo> => {
    const claim = randomBytes(12).toString('base64url');
    const at = Date.now();
    const job = await claimJobOf(ctx, promo, { now: at, leaseUntil: at + m.leaseMs, claim });
    // Another process is making it, it waits for its back-off, or WeChat refused it for good.
    if (!job) return promo;
    const result = await m.attempt(job, claim);
    if (!result.failure) return result.promo ?? promo;
    failed(promo, result.error);
    if (result.failure.kind === 'budget') nudge();
    return promo;
  };

  const hooks = { started: (loop: Loop) => void loops.add(loop), stopped: (loop: Loop) => void loops.delete(loop) };

  return {
    /** The worker; `release` (releaseDueRewards) runs on every look of its webhook sender. */
    startWorker: (options: WorkerOptions = {}, release?: () => Promise<number>) =>
      startWorker(ctx, { outbox: o.outbox, codes: maker, release }, options, hooks),

    fill(promo: Promo): Promise<Promo> {
      if (!maker || promo.wxbcode) return Promise.resolve(promo);
      let pending = inFlight.get(promo.promocode);
      if (!pending) {
        pending = guard(() => make(maker, promo))
          // Never fails getOrCreatePromo: the code stays queued (or is retried by a later call).
          .catch((error: unknown) => (failed(promo, error), promo))
          .finally(() => inFlight.delete(promo.promocode));
        inFlight.set(promo.promocode, pending);
      }
      return pending;
    },

    async pregenerateCodes(input: PregenerateCodesInput): Promise<{ queued: number }> {
      const { userIds, promoType, appid, page } = parse(pregenerateCodesSchema, input);
      const ids = [...new Set(userIds)];
      const promos = await guard(async () => {
        if (!maker)
          throw new TypeError(
            'promo-track: pregenerateCodes needs a `wxacode` generator: pass `createWxacodeGenerator(…)` to createTracker',
          );
        return selectPromosOf(ctx, ids, promoType, appid);
      });
      const have = new Set(promos.map((p) => p.userId));
      const missing = ids.filter((id) => !have.has(id));
      for (let i = 0; i < missing.length; i += CREATING) {
        const made = await guard(() =>
          Promise.all(
            missing
              .slice(i, i + CREATING)
              .map((userId) => getOrCreatePromoRow(ctx, { userId, promoType, appid, page }, (k) => codec.encode(k))),
          ),
        );
        for (const { promo, created } of made) {
          promos.push(promo);
          if (created) emit({ type: 'promo.created', promo });
        }
      }
      const queued = await guard(() =>
        queueJobs(
          ctx,
          promos.filter((p) => !p.wxbcode),
          Date.now(),
        ),
      );
      if (queued > 0) nudge();
      return { queued };
    },

    codeJobs: (): Promise<CodeJobsReport> => guard(() => countJobs(operatorCtx)),

    async retryFailedCodes(): Promise<{ queued: number }> {
      const queued = await guard(() => retryFailedJobs(ctx, Date.now()));
      if (queued > 0) nudge();
      return { queued };
    },
  };
}
