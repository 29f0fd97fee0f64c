import type { Kysely } from 'kysely';
import type { Track, TrackType } from '../types.js';
import type { ParsedTrackInput } from '../validation.js';
import { attribute, outcomeWithoutReads } from './attribution.js';
import type { StoreContext } from './context.js';
import { num } from './rows.js';
import { visitorSince } from './track-reads.js';
import type { TrackWrite } from './tracks.js';

/** The record of a visit just written: what the caller sent, plus what the database decided. */
export function visitRecord(
  input: ParsedTrackInput,
  written: { id: unknown; trackType: unknown; referrerId: unknown; at: number },
): Track & { referrerId: number } {
  return {
    id: num(written.id),
    trackType: num(written.trackType) as TrackType,
    scene: input.scene,
    detail: input.detail,
    userId: input.userId,
    promocode: input.promocode,
    referrerId: num(written.referrerId),
    createdAt: new Date(written.at),
  };
}

/**
 * Attributes a freshly written visit (every path ends here, inside its transaction). A track
 * whose outcome needs no reads was inserted with it, and costs nothing more here.
 */
export async function attributeVisit(
  ctx: StoreContext,
  trx: Kysely<any>,
  track: Track & { referrerId: number },
  firstVisit: boolean,
): Promise<TrackWrite> {
  const settled = outcomeWithoutReads(ctx, track);
  if (settled) return { track, created: true, attribution: { outcome: settled, binding: null } };
  const now = track.createdAt.getTime();
  const firstSeenAt = firstVisit ? now : await visitorSince(ctx, trx, track.userId, now);
  return { track, created: true, attribution: await attribute(ctx, trx, track, firstSeenAt, firstVisit) };
}
