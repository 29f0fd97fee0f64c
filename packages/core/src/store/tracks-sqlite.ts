import type { Kysely } from 'kysely';
import { UnknownPromocodeError } from '../errors.js';
import type { TrackType } from '../types.js';
import type { ParsedTrackInput } from '../validation.js';
import { outcomeWithoutReads } from './attribution.js';
import { ident, runCompiled } from './compiled.js';
import type { StoreContext } from './context.js';
import { attributeVisit, visitRecord } from './visit-record.js';
import { num } from './rows.js';
import { trackByEvent } from './track-reads.js';
import type { TrackWrite } from './tracks.js';

const sqliteStatements = new WeakMap<StoreContext, { returningVisit: string; insertTrack: string; insertVisitor: string }>();

/** SQL built once per tracker (table names are fixed at creation). */
function statements(ctx: StoreContext) {
  let q = sqliteStatements.get(ctx);
  if (q) return q;
  const { track, visitor, promo } = ctx.t;
  const columns = `${ident(track)} (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at, outcome)`;
  const visited = `exists (select 1 from ${ident(visitor)} where user_id = ?)`;
  q = {
    // A visit by someone who has visited before: owner lookup, first-visit check and insert, no row
    // when either check fails.
    returningVisit:
      `insert into ${columns} select 2, ?, ?, ?, promocode, user_id, null, ?, ? ` +
      `from ${ident(promo)} where promocode = ? and ${visited} returning id, referrer`,
    // Any visit: the same three steps in one statement, the type and outcome decided by the check.
    insertTrack:
      `insert into ${columns} ` +
      `select case when ${visited} then 2 else 1 end, ?, ?, ?, promocode, user_id, ?, ?, ` +
      `coalesce(?, case when ${visited} then 'returning_user' end) ` +
      `from ${ident(promo)} where promocode = ? returning id, track_type, referrer`,
    insertVisitor: `insert into ${ident(visitor)} (user_id, first_seen_at) values (?, ?)`,
  };
  sqliteStatements.set(ctx, q);
  return q;
}

/**
 * SQLite, as one statement that is atomic on its own: a visit without eventId by someone who has
 * visited before is decided by the track alone. Answers `null`, having written nothing, when that
 * does not apply (a first visit, an unknown code); writeTrackSqlite then does the whole work.
 */
export async function writeReturningVisitSqlite(ctx: StoreContext, db: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite | null> {
  const outcome = outcomeWithoutReads(ctx, { scene: input.scene, trackType: 2 })!;
  const now = Date.now();
  const params = [input.scene, input.detail, input.userId, now, outcome, input.promocode, input.userId];
  const row = (await runCompiled<{ id: number; referrer: number }>(db, statements(ctx).returningVisit, params)).rows[0];
  if (!row) return null;
  const track = visitRecord(input, { id: row.id, trackType: 2, referrerId: row.referrer, at: now });
  return { track, created: true, attribution: { outcome, binding: null } };
}

/**
 * SQLite: every write transaction is BEGIN IMMEDIATE, so they run one at a time and this one sees
 * everything committed before it. The owner's lookup, the first-visit check and the insert are
 * then one statement, race-free without the visitor row's conflict handling.
 */
export async function writeTrackSqlite(ctx: StoreContext, trx: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite> {
  if (input.eventId) {
    const repeated = await trackByEvent(ctx, trx, input.userId, input.eventId);
    if (repeated) return { track: repeated, created: false, attribution: null };
  }
  const q = statements(ctx);
  const now = Date.now();
  const excluded = ctx.excludeScenes.has(input.scene) ? 'excluded_scene' : null;
  const params = [input.userId, input.scene, input.detail, input.userId, input.eventId, now, excluded, input.userId, input.promocode];
  const row = (await runCompiled<{ id: number; track_type: number; referrer: number }>(trx, q.insertTrack, params)).rows[0];
  if (!row) throw new UnknownPromocodeError(input.promocode);
  const trackType = num(row.track_type) as TrackType;
  const firstVisit = trackType === 1;
  if (firstVisit) await runCompiled(trx, q.insertVisitor, [input.userId, now]);
  const track = visitRecord(input, { id: row.id, trackType, referrerId: row.referrer, at: now });
  return attributeVisit(ctx, trx, track, firstVisit);
}
