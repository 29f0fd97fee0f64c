/** The stats wing: stats and the leaderboard from rollups, sketches and the live part; what voids a rollup. */
export { selectStats } from './select-stats.js';
export { selectLeaderboard } from './leaderboard.js';
export { LATE_MS } from './rollups.js';
export { invalidateBefore, invalidateTimes, voidReferrer } from './rollup-voids.js';
