import type { Kysely } from 'kysely';
import { UnknownPromocodeError } from '../errors.js';
import type { TrackType } from '../types.js';
import type { ParsedTrackInput } from '../validation.js';
import { ident, runCompiled } from './compiled.js';
import type { StoreContext } from './context.js';
import { attributeVisit, visitRecord } from './visit-record.js';
import { num } from './rows.js';
import { trackByEvent } from './track-reads.js';
import type { TrackWrite } from './tracks.js';

const sqliteStatements = new WeakMap<StoreContext, { insertTrack: string; insertVisitor: string }>();

/** SQL built once per tracker (table names are fixed at creation). */
function statements(ctx: StoreContext) {
  let q = sqliteStatements.get(ctx);
  if (q) return q;
  const { track, visitor, promo } = ctx.t;
  q = {
    // The owner lookup, the first-visit check and the insert in one statement.
    insertTrack:
      `insert into ${ident(track)} (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) ` +
      `select case when exists (select 1 from ${ident(visitor)} where user_id = ?) then 2 else 1 end, ?, ?, ?, promocode, user_id, ?, ? ` +
      `from ${ident(promo)} where promocode = ? returning id, track_type, referrer`,
    insertVisitor: `insert into ${ident(visitor)} (user_id, first_seen_at) values (?, ?)`,
  };
  sqliteStatements.set(ctx, q);
  return q;
}

/**
 * SQLite: every write transaction is BEGIN IMMEDIATE, so they run one at a time and this one sees
 * everything committed before it. The owner's lookup, the first-visit check and the insert are
 * then one statement, race-free without the visitor row's conflict handling.
 */
export async function writeTrackSqlite(ctx: StoreContext, trx: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite> {
  if (!ctx.codec.decode(input.promocode)) throw new UnknownPromocodeError(input.promocode);
  if (input.eventId) {
    const repeated = await trackByEvent(ctx, trx, input.userId, input.eventId);
    if (repeated) return { track: repeated, created: false, attribution: null };
  }
  const q = statements(ctx);
  const now = Date.now();
  const params = [input.userId, input.scene, input.detail, input.userId, input.eventId, now, input.promocode];
  const row = (await runCompiled<{ id: number; track_type: number; referrer: number }>(trx, q.insertTrack, params)).rows[0];
  if (!row) throw new UnknownPromocodeError(input.promocode);
  const trackType = num(row.track_type) as TrackType;
  const firstVisit = trackType === 1;
  if (firstVisit) await runCompiled(trx, q.insertVisitor, [input.userId, now]);
  const track = visitRecord(input, { id: row.id, trackType, referrerId: row.referrer, at: now });
  return attributeVisit(ctx, trx, track, firstVisit);
}

