/**
 * The rewards wing (docs/rewards.md): the ledger's writes, in the transaction of the binding,
 * conversion or refund that causes them (`earn`, `reverseForRebinding`, `rewardsOfRefund`), its
 * lifecycle (`releaseDue`, `settle`, `voidEntry`), its reads and forgetUser's part.
 */
export { earn, type Earned, type RewardFact } from './earn.js';
export { reverseForRebinding, rewardsOfRefund, type RefundedConversion } from './reverse.js';
export { RELEASE_BATCH, releaseDue, settle, voidEntry } from './lifecycle.js';
export { explainRewards, exportRewardRows, selectBalance, selectRewards } from './reads.js';
export { forgetRewards } from './forget.js';
export { resolveHeld } from './review.js';
export { planRewardsOfBinding, rewardsOfBinding } from './binding.js';
export { bindingPeriods, type RewardPlan, type RewardReads } from './planned-books.js';
export { type ConvertedFact, rewardsOfConversion } from './conversion.js';
