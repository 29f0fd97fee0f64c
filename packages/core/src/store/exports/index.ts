/** The exports wing: tracks and referrals read in pages, for CSV. */
export { exportReferralRows, exportTrackRows, pages } from './exports.js';
