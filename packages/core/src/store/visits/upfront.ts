import type { Kysely } from 'kysely';
import { type BindingFacts, type Need, settle, type VisitorFacts } from '../../model/attribution.js';
import { UnknownPromocodeError } from '../../model/errors.js';
import type { TableNames } from '../../schema/table-names.js';
import { builtOnce, runCompiled } from '../compiled.js';
import type { StoreContext } from '../context.js';
import { ident } from '../dialects/statements.js';
import { num } from '../rows.js';
import { bindingOf, trackOf, trackTypeOf, type TrackWrite, type VisitInput, writeBinding } from './records.js';
import { isAncestor } from './reads.js';

/**
 * One visit where writes are serialized (`Dialect.serializedWrites`): nothing changes under the
 * transaction, so every fact the decision may ask for is read up front in one statement, decided by
 * the same `settle`, and written with SQL built once per tracker. (A visit with an eventId goes
 * through the stepwise path.)
 */
export async function writeVisitUpfront(ctx: StoreContext, trx: Kysely<any>, v: VisitInput): Promise<TrackWrite> {
  const facts = await readFacts(ctx, trx, v);
  if (facts.owner === undefined) throw new UnknownPromocodeError(v.promocode);
  const owner = facts.owner;
  const visitor: VisitorFacts = facts.visitor ?? { firstVisit: true, arrivedNew: v.trackType !== 2, firstSeenAt: v.at };
  const verdict = await settle(ctx.rules, { userId: v.userId, candidateId: owner, scene: v.scene, at: v.at, visitor }, (need: Need) => {
    if (need === 'bound') return facts.binding !== null;
    if (need === 'binding') return facts.binding;
    // Someone is bound to this user: only then can the chain above the candidate reach them.
    return facts.referring ? isAncestor(ctx, trx, v.userId, owner) : false;
  });

  const trackType = trackTypeOf(visitor);
  // The single writer's last insert id is this row's (cheaper than RETURNING).
  const { insertId } = await runCompiled(trx, statements(ctx.tables).insertTrack, [
    trackType,
    v.scene,
    v.detail,
    v.userId,
    v.promocode,
    owner,
    v.at,
    verdict.outcome,
  ]);
  if (visitor.firstVisit) {
    await runCompiled(trx, statements(ctx.tables).insertVisitor, [v.userId, v.at, visitor.arrivedNew ? 1 : 0]);
  }
  const track = trackOf(v, { id: num(insertId), trackType, referrerId: owner, outcome: verdict.outcome });
  const binding = bindingOf(track, verdict);
  if (binding) await writeBinding(ctx, trx, binding.referral, binding.previousReferrerId !== null);
  return { track, created: true, outcome: verdict.outcome, binding };
}

const statements = builtOnce((t: TableNames) => ({
  insertTrack: `insert into ${ident(t.track)} (track_type, scene, detail, user_id, promocode, referrer, created_at, outcome) values (?, ?, ?, ?, ?, ?, ?, ?)`,
  insertVisitor: `insert into ${ident(t.visitor)} (user_id, first_seen_at, arrived_new) values (?, ?, ?)`,
  facts:
    `select 'o' as k, user_id as a, null as b, null as c from ${ident(t.promo)} where promocode = ? ` +
    `union all select 'v', user_id, first_seen_at, arrived_new from ${ident(t.visitor)} where user_id = ? ` +
    `union all select 'b', user_id, referrer, bound_at from ${ident(t.referral)} where user_id = ? ` +
    `union all select * from (select 'r', referrer, null, null from ${ident(t.referral)} where referrer = ? limit 1)`,
}));

interface Facts {
  /** The promocode's owner; `undefined`: no promo has this code. */
  owner: number | undefined;
  /** The user's visitor row (so this is a later visit), or `null`. */
  visitor: VisitorFacts | null;
  binding: BindingFacts | null;
  /** Whether anyone is bound to this user (who then might close a cycle). */
  referring: boolean;
}

/** The code's owner, and the user's visitor row, binding and whether they have referees, in one statement. */
async function readFacts(ctx: StoreContext, trx: Kysely<any>, v: VisitInput): Promise<Facts> {
  type Row = { k: string; a: unknown; b: unknown; c: unknown };
  const { rows } = await runCompiled<Row>(trx, statements(ctx.tables).facts, [v.promocode, v.userId, v.userId, v.userId]);
  const facts: Facts = { owner: undefined, visitor: null, binding: null, referring: false };
  for (const r of rows) {
    if (r.k === 'o') facts.owner = num(r.a);
    else if (r.k === 'v') facts.visitor = { firstVisit: false, arrivedNew: num(r.c) === 1, firstSeenAt: num(r.b) };
    else if (r.k === 'b') facts.binding = { referrerId: num(r.b), boundAt: num(r.c) };
    else facts.referring = true;
  }
  return facts;
}
