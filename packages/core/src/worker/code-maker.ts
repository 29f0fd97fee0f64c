import type { Promo, TrackerEvent } from '../model/types.js';
import type { WxacodeGenerator } from '../model/wxacode.js';
import type { StoreContext } from '../store/context.js';
import { type CodeJob, type CodeJobOutcome, recordJob, type SharedBudget } from '../store/codes/index.js';
import { type AttemptFailure, classifyFailure } from '../wxacode/answers.js';
import { codeRetryAt } from './backoff.js';

/** One attempt at a claimed job: the promo as stored once its code is made, else why not. */
export type AttemptResult = { promo: Promo | null; failure: null } | { promo: null; failure: AttemptFailure; error: unknown };

/** Makes claimed jobs' codes: within getOrCreatePromo, and in the worker. */
export interface CodeMaker {
  budget: SharedBudget;
  /** How long a claim holds a job: longer than any attempt can take, then another worker may take it. */
  leaseMs: number;
  attempt(job: CodeJob, claim: string): Promise<AttemptResult>;
}

const LEASE_MARGIN_MS = 1_000;

export function codeMaker(
  ctx: StoreContext,
  generator: WxacodeGenerator,
  deadlineMs: number,
  budget: SharedBudget,
  emit: (event: TrackerEvent) => void,
  now: () => number = Date.now,
): CodeMaker {
  return {
    budget,
    leaseMs: deadlineMs + LEASE_MARGIN_MS,
    async attempt(job, claim) {
      let url: string;
      // The slots this attempt spent count from its end (a refreshed token's retry spends a second one).
      const spent: string[] = [];
      const take = async () => {
        const claim = await budget.take();
        if (claim) spent.push(claim);
        return claim !== null;
      };
      try {
        url = await generator
          .generate({ scene: job.scene, page: job.page, take })
          .finally(() => Promise.all(spent.map((c) => budget.ended(c).catch(() => undefined))));
      } catch (error) {
        const failure = classifyFailure(error);
        const at = now();
        const outcome: CodeJobOutcome =
          failure.kind === 'budget'
            ? { released: at }
            : {
                retryAt: failure.kind === 'failed' ? null : codeRetryAt(job.attempts + 1, at),
                errcode: failure.errcode,
                errmsg: failure.errmsg,
              };
        await recordJob(ctx, job, claim, outcome, at);
        return { promo: null, failure, error };
      }
      const promo = await recordJob(ctx, job, claim, { done: url }, now());
      if (promo) emit({ type: 'wxacode.generated', promo });
      return { promo, failure: null };
    },
  };
}
