import type { FlaggedReferee, FlagMatch } from './abuse.js';
import type { OutboxEvent } from './webhook-events.js';

/** A check's match on the wire: `{ flag, apart_ms }`, `{ flag, bindings, limit }`, `{ flag, new_users, limit }`. */
export const flagMatchWire = (m: FlagMatch) => {
  if (m.flag === 'velocity') return { flag: m.flag, bindings: m.bindings, limit: m.limit };
  if (m.flag === 'device_cluster') return { flag: m.flag, new_users: m.newUsers, limit: m.limit };
  return { flag: m.flag, apart_ms: m.apartMs };
};

/** A flagged referee on the wire (`GET /flags`, `referral.flagged`); signals never travel, only what they matched. */
export const flaggedWire = (f: FlaggedReferee) => ({
  referee: f.refereeId,
  referrer: f.referrerId,
  flags: f.flags,
  matches: f.matches.map(flagMatchWire),
  status: f.status,
  at: f.at.toISOString(),
  track_id: f.trackId,
  resolved_at: f.resolvedAt ? f.resolvedAt.toISOString() : null,
  note: f.note,
});

export const referralFlagged = (f: FlaggedReferee): OutboxEvent => ({
  type: 'referral.flagged',
  data: flaggedWire(f),
  names: [f.refereeId, f.referrerId],
});
