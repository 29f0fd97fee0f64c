/** The shares wing: a share, written once per eventId, with its event. */
export { writeShare } from './shares.js';
