import type { Kysely } from 'kysely';
import { UnknownPromocodeError } from '../errors.js';
import type { Referral, TrackType } from '../types.js';
import type { ParsedTrackInput } from '../validation.js';
import { type AttributionResult, outcomeWithoutReads } from './attribution.js';
import { ident, runCompiled } from './compiled.js';
import type { StoreContext } from './context.js';
import { num } from './rows.js';
import type { TrackWrite } from './tracks.js';
import { visitRecord } from './visit-record.js';

/** Rows per multi-row INSERT (9 parameters a track: well under SQLite's parameter limit). */
const ROWS_PER_INSERT = 100;

interface Pending {
  index: number;
  input: ParsedTrackInput;
  trackType: TrackType;
  owner: number;
  outcome: AttributionResult['outcome'];
  firstVisit: boolean;
}

/**
 * SQLite, a whole `recordTracks` batch inside its BEGIN IMMEDIATE transaction. Nothing else writes
 * meanwhile, so what the batch needs to know is read once, up front (the codes' owners, who has
 * visited, who has referred anyone), and the visits are decided in order in memory, then written
 * with a few multi-row INSERTs. The decisions are those writeTrack makes one visit at a time:
 * a first visit by a user who has never visited cannot have a binding yet, and can close a cycle
 * only if someone is bound to that user. Such a visit, a visit with an eventId and an explicit
 * first visit by a returning user are handed to `writeOne` (the one-at-a-time path), after the
 * visits before it are written.
 */
export async function writeTracksSqlite(
  ctx: StoreContext,
  trx: Kysely<any>,
  inputs: ParsedTrackInput[],
  writeOne: (input: ParsedTrackInput) => Promise<TrackWrite>,
): Promise<TrackWrite[]> {
  const { t } = ctx;
  const codes = [...new Set(inputs.map((i) => i.promocode))];
  const owners = new Map<string, number>();
  for (const r of await selectIn<{ promocode: string; user_id: number }>(trx, `select promocode, user_id from ${ident(t.promo)} where promocode`, codes)) {
    owners.set(r.promocode, num(r.user_id));
  }
  const unknown = inputs.find((i) => !owners.has(i.promocode));
  if (unknown) throw new UnknownPromocodeError(unknown.promocode);

  const users = [...new Set(inputs.map((i) => i.userId))];
  const visited = new Set<number>();
  for (const r of await selectIn<{ user_id: number }>(trx, `select user_id from ${ident(t.visitor)} where user_id`, users)) visited.add(num(r.user_id));
  const referring = new Set<number>();
  const newcomers = users.filter((u) => !visited.has(u));
  for (const r of await selectIn<{ referrer: number }>(trx, `select distinct referrer from ${ident(t.referral)} where referrer`, newcomers)) {
    referring.add(num(r.referrer));
  }

  const writes: TrackWrite[] = new Array(inputs.length);
  let pending: Pending[] = [];
  const flush = async () => {
    if (pending.length > 0) await writePending(ctx, trx, pending, writes);
    pending = [];
  };

  for (const [index, input] of inputs.entries()) {
    const owner = owners.get(input.promocode)!;
    const firstVisit = !visited.has(input.userId);
    const trackType: TrackType = input.trackType ?? (firstVisit ? 1 : 2);
    const outcome = outcomeWithoutReads(ctx, { scene: input.scene, trackType }) ?? (owner === input.userId ? 'self' : 'bound');
    if (input.eventId || (trackType === 1 && !firstVisit) || (outcome === 'bound' && referring.has(input.userId))) {
      await flush();
      const write = await writeOne(input);
      writes[index] = write;
      visited.add(input.userId);
      const binding = write.attribution?.binding;
      if (binding) referring.add(binding.referral.referrerId);
      continue;
    }
    pending.push({ index, input, trackType, owner, outcome, firstVisit });
    visited.add(input.userId);
    if (outcome === 'bound') referring.add(owner);
  }
  await flush();
  return writes;
}

async function writePending(ctx: StoreContext, trx: Kysely<any>, pending: Pending[], writes: TrackWrite[]) {
  const { t } = ctx;
  const now = Date.now();
  const bindings: unknown[][] = [];
  for (let start = 0; start < pending.length; start += ROWS_PER_INSERT) {
    const chunk = pending.slice(start, start + ROWS_PER_INSERT);
    const params = chunk.flatMap((p) => [
      p.trackType,
      p.input.scene,
      p.input.detail,
      p.input.userId,
      p.input.promocode,
      p.owner,
      now,
      p.outcome,
    ]);
    const sqlText =
      `insert into ${ident(t.track)} (track_type, scene, detail, user_id, promocode, referrer, created_at, outcome) values ` +
      rows(chunk.length, 8) +
      ' returning id';
    // One statement in one writer's transaction: SQLite numbers the rows in VALUES order.
    const ids = (await runCompiled<{ id: number }>(trx, sqlText, params)).rows.map((r) => num(r.id)).sort((a, b) => a - b);
    chunk.forEach((p, i) => {
      const track = visitRecord(p.input, { id: ids[i], trackType: p.trackType, referrerId: p.owner, at: now });
      let binding: AttributionResult['binding'] = null;
      if (p.outcome === 'bound') {
        const referral: Referral = {
          userId: p.input.userId,
          referrerId: p.owner,
          promocode: p.input.promocode,
          scene: p.input.scene,
          trackId: track.id,
          boundAt: track.createdAt,
        };
        binding = { referral, previousReferrerId: null };
        bindings.push([referral.userId, referral.referrerId, referral.promocode, referral.scene, referral.trackId, now]);
      }
      writes[p.index] = { track, created: true, attribution: { outcome: p.outcome, binding } };
    });
  }

  const firstVisits = pending.filter((p) => p.firstVisit).map((p) => [p.input.userId, now]);
  await insertMany(trx, `insert into ${ident(t.visitor)} (user_id, first_seen_at) values `, 2, firstVisits);
  await insertMany(trx, `insert into ${ident(t.referral)} (user_id, referrer, promocode, scene, track_id, bound_at) values `, 6, bindings);
}

async function insertMany(trx: Kysely<any>, head: string, width: number, values: unknown[][]) {
  for (let start = 0; start < values.length; start += ROWS_PER_INSERT) {
    const chunk = values.slice(start, start + ROWS_PER_INSERT);
    await runCompiled(trx, head + rows(chunk.length, width), chunk.flat());
  }
}

async function selectIn<R>(trx: Kysely<any>, head: string, values: unknown[]): Promise<R[]> {
  const found: R[] = [];
  for (let start = 0; start < values.length; start += ROWS_PER_INSERT * 5) {
    const chunk = values.slice(start, start + ROWS_PER_INSERT * 5);
    found.push(...(await runCompiled<R>(trx, `${head} in (${placeholders(chunk.length)})`, chunk)).rows);
  }
  return found;
}

const placeholders = (n: number) => '?,'.repeat(n - 1) + '?';
const rows = (n: number, width: number) => `(${placeholders(width)}),`.repeat(n - 1) + `(${placeholders(width)})`;
