import type { LaterVisitParams, TrackMessages } from '../dialects/dialect.js';
import { PENDING_REFERRER, PENDING_TRACK_ID } from '../dialects/optimistic-visit.js';
import type { DecisionOutcome } from '../../model/types.js';
import { trackRecorded } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { messagesOf, wants } from '../outbox/index.js';
import { trackOf, type VisitInput } from './records.js';

/**
 * The `track.recorded` messages a later visit's statement writes with its track, where the dialect
 * does (`writesTrackMessages`): one set per outcome the statement may choose, built now with the
 * stand-ins of the track's id and referrer that it replaces (dialects/optimistic-visit.ts).
 * `undefined` when no endpoint wants them.
 */
export function laterVisitMessages(
  ctx: StoreContext,
  v: VisitInput,
  outcomes: Pick<LaterVisitParams, 'returning' | 'newBound' | 'newUnbound'>,
): TrackMessages | undefined {
  if (!ctx.dialect.writesTrackMessages || !wants(ctx, 'track.recorded')) return undefined;
  const at = Date.now();
  const candidates = new Set([outcomes.returning, outcomes.newBound, outcomes.newUnbound].filter((o): o is string => o !== null));
  const rows = [...candidates].flatMap((outcome) => {
    const track = trackOf(v, { id: PENDING_TRACK_ID, trackType: 2, referrerId: PENDING_REFERRER, outcome: outcome as DecisionOutcome });
    return messagesOf(ctx, [trackRecorded(track)], at).map((message) => ({ ...message, outcome }));
  });
  return { at, rows };
}
