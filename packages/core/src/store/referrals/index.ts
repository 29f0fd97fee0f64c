/** The referrals wing: a user's binding, a referrer's list, and the decisions that explain a binding. */
export { selectDecisions, selectReferral, selectReferrals } from './referrals.js';
