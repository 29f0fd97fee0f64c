/** The privacy wing: forgetUser's rows and purge. */
export { forgetRows, purgeRows } from './privacy.js';
