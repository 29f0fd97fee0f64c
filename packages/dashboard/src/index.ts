export { dashboard } from './dashboard.js';
export type { DashboardOptions } from './dashboard.js';
