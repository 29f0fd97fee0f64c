// The code images' wing (docs/wxacode.md): the queue of jobs, claimed like the webhook outbox, and
// the budget of WeChat calls every process of the database shares.
export { type BudgetSize, type SharedBudget, sharedBudget } from './budget.js';
export { type CodeJob, type CodeJobOutcome, claimDueJobs, claimJobOf, forgetJobs, queueJobs, recordJob, retryFailedJobs } from './jobs.js';
export { type CodeJobCounts, countJobs } from './report.js';
export { selectPromosOf } from './promos-of.js';
