/**
 * The abuse wing (docs/abuse.md): visits' signals as keyed hashes, the four checks run in a binding's
 * transaction under counter-row locks (`checkVisit`, the track writer's one call), flags and the
 * operators' review queue (`selectFlagged`, `resolveReview`), and forgetUser's and purge's parts.
 */
export { type AheadWrites, checkAhead, checkVisit, type CheckedVisit, guardCounters } from './check.js';
export { storeSignals, type SignalWrite } from './signals.js';
export { dropWaiting, storeLater } from './signal-buffer.js';
export { flagsByTrack } from './flags.js';
export { resolveReview, reviewStatus, selectFlagged } from './review.js';
export { forgetAbuse, purgeSignals } from './forget.js';
