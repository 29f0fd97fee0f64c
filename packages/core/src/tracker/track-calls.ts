import { UnknownPromocodeError } from '../model/errors.js';
import type { Tracker } from '../model/types.js';
import { markReplayed } from '../replays.js';
import { writeShare } from '../store/shares/index.js';
import { recordVisit, recordVisits, type TrackWrite, type VisitInput } from '../store/visits/index.js';
import { type ParsedTrackInput, parse, recordShareSchema, recordTrackSchema, recordTracksSchema } from '../validation.js';
import { visitTime } from '../visit-time.js';
import { lateRollupsVoider, type TrackerParts } from './parts.js';

/** recordTrack, recordTracks and recordShare: the edge checks, the visits wing's writer, then the rollups a late write voids. */
export function trackCalls({ o, ctx, codec, whenMigrated, emit, hashSignals }: TrackerParts) {
  /** The store's visit: the code checked (a code this salt never issued is unknown, whatever rows hold it), its time decided. */
  const toVisit = (input: ParsedTrackInput, path: string, now: number): VisitInput => {
    const decoded = codec.decode(input.promocode);
    if (!decoded) throw new UnknownPromocodeError(input.promocode, `${path}promocode`);
    const { userId, promocode, scene, trackType, detail, eventId, occurredAt, signals } = input;
    const at = visitTime(occurredAt, o.backdateDays, now, `${path}occurredAt`);
    return { userId, promocode, candidateId: decoded.userId, scene, detail, eventId, trackType, at, ...hashSignals(signals) };
  };

  const emitTrack = (w: TrackWrite) => {
    if (!w.created) return;
    emit({ type: 'track.recorded', track: w.track });
    if (w.binding) emit({ type: 'referral.bound', ...w.binding });
    if (w.flagged) emit({ type: 'referral.flagged', flagged: w.flagged });
  };

  const voidLateRollups = lateRollupsVoider({ ctx, whenMigrated });

  const recordTrack: Tracker['recordTrack'] = async (input) => {
    const parsed = parse(recordTrackSchema, input);
    // The code and time are checked inside whenMigrated: before migrate(), every call is NotMigratedError.
    const write = await whenMigrated(() => recordVisit(ctx, toVisit(parsed, '', Date.now())));
    const voiding = write.created ? voidLateRollups([write.track.createdAt]) : undefined;
    if (voiding) await voiding;
    emitTrack(write);
    return write.created ? write.track : markReplayed(write.track);
  };

  const recordTracks: Tracker['recordTracks'] = async (inputs) => {
    const parsed = parse(recordTracksSchema, inputs);
    if (parsed.length === 0) return [];
    const now = Date.now();
    const writes = await whenMigrated(() =>
      recordVisits(
        ctx,
        parsed.map((input, i) => toVisit(input, `${i}.`, now)),
      ),
    );
    await voidLateRollups(writes.filter((w) => w.created).map((w) => w.track.createdAt));
    writes.forEach(emitTrack);
    return writes.map((w) => w.track);
  };

  const recordShare: Tracker['recordShare'] = async (input) => {
    const { occurredAt, signals, ...parsed } = parse(recordShareSchema, input ?? {});
    const { share, created } = await whenMigrated(() => {
      if (parsed.promocode !== null && !codec.decode(parsed.promocode)) throw new UnknownPromocodeError(parsed.promocode);
      const at = visitTime(occurredAt, o.backdateDays, Date.now(), 'occurredAt');
      return ctx.dialect.write(ctx.db, (trx) => writeShare(ctx, trx, { ...parsed, at, ...hashSignals(signals) }));
    });
    if (created) await voidLateRollups([share.createdAt]);
    if (created) emit({ type: 'share.recorded', share });
    return share;
  };

  return { recordTrack, recordTracks, recordShare };
}
