/**
 * The operator dashboard (zh-CN and English), served by an adapter at `/dashboard` below its mount:
 * `createExpressRouter(tracker, { admin, plugins: [dashboard()] })`. It ships its own assets and reads
 * only the public routes.
 *
 * @packageDocumentation
 * @module @promo-track/dashboard
 */
export { dashboard } from './dashboard.js';
export type { DashboardOptions } from './dashboard.js';
export type { DisplayName } from './names.js';
