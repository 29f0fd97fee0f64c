/** The visits wing: the one track writer (recordTrack, recordTracks) and the reads a share needs of a promo. */
export { recordVisit, recordVisits, type TrackWrite, type VisitInput } from './track-writer.js';
export { promoOwner } from './reads.js';
export { createKnownVisitors } from './known-visitors.js';
