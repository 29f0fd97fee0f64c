export { dashboard } from './dashboard.js';
export type { DashboardOptions } from './dashboard.js';
export type { DisplayName } from './names.js';
