import type { Kysely } from 'kysely';
import { type BindingFacts, type Need, settle, type VisitorFacts } from '../model/attribution.js';
import { UnknownPromocodeError } from '../model/errors.js';
import type { DecisionOutcome, Referral, TrackType } from '../model/types.js';
import { runCompiled, sqlText } from './compiled.js';
import type { StoreContext } from './context.js';
import { ident } from './dialects/statements.js';
import { num } from './rows.js';
import { bindingFacts, bindingOf, trackOf, trackTypeOf, type TrackWrite, type VisitInput, writeBinding } from './visit-records.js';
import { isAncestor } from './visit-reads.js';

/** Rows per multi-row INSERT (9 parameters a track: well under SQLite's parameter limit). */
const ROWS_PER_INSERT = 100;

interface Facts {
  owners: Map<string, number>;
  visitors: Map<number, VisitorFacts>;
  bindings: Map<number, BindingFacts>;
  /** Users someone is bound to (a superset: a user with none cannot close a cycle). */
  referring: Set<number>;
}

/**
 * Where writes are serialized (`Dialect.serializedWrites`), nothing changes under a transaction: the
 * facts of every visit are read up front in one statement, each visit is decided in order in
 * memory by the same `settle`, and the rows go in with multi-row INSERTs (RETURNING, which every
 * serialized dialect has). A visit with an eventId, or a cycle check that needs the graph, is
 * handed to `stepwise` once the writes before it are flushed.
 */
export async function writeVisitsUpfront(
  ctx: StoreContext,
  trx: Kysely<any>,
  visits: VisitInput[],
  stepwise: (v: VisitInput) => Promise<TrackWrite>,
): Promise<TrackWrite[]> {
  const facts = await readFacts(ctx, trx, visits);
  const unknown = visits.find((v) => !facts.owners.has(v.promocode));
  if (unknown) throw new UnknownPromocodeError(unknown.promocode);

  const writes: TrackWrite[] = new Array(visits.length);
  const pending = new PendingWrites(ctx, trx, writes);
  for (const [index, v] of visits.entries()) {
    if (v.eventId) {
      await pending.flush();
      const write = (writes[index] = await stepwise(v));
      if (!facts.visitors.has(v.userId)) facts.visitors.set(v.userId, { firstVisit: false, arrivedNew: v.trackType !== 2, firstSeenAt: v.at });
      if (write.binding) remember(facts, write.binding.referral.userId, bindingFacts(write.binding.referral));
      continue;
    }
    const owner = facts.owners.get(v.promocode)!;
    const seen = facts.visitors.get(v.userId);
    const visitor: VisitorFacts = seen ? { ...seen, firstVisit: false } : { firstVisit: true, arrivedNew: v.trackType !== 2, firstSeenAt: v.at };
    if (!seen) facts.visitors.set(v.userId, visitor);
    const settled = settle(ctx.rules, { userId: v.userId, candidateId: owner, scene: v.scene, at: v.at, visitor }, (need: Need) => {
      if (need === 'bound') return facts.bindings.has(v.userId);
      if (need === 'binding') return facts.bindings.get(v.userId) ?? null;
      if (!facts.referring.has(v.userId)) return false;
      // Someone is bound to this user: walk the chain in the database, once the writes before are in.
      return pending.flush().then(() => isAncestor(ctx, trx, v.userId, owner));
    });
    const verdict = settled instanceof Promise ? await settled : settled;
    pending.add({ index, v, owner, visitor, outcome: verdict.outcome, bind: verdict.bind ? verdict.previousReferrerId : undefined });
    if (verdict.bind) remember(facts, v.userId, { referrerId: owner, boundAt: v.at });
  }
  await pending.flush();
  return writes;
}

function remember(facts: Facts, userId: number, binding: BindingFacts) {
  facts.bindings.set(userId, binding);
  facts.referring.add(binding.referrerId);
}

/** The owners of the codes, and the visitor rows, bindings and referees of the users, in one statement. */
async function readFacts(ctx: StoreContext, trx: Kysely<any>, visits: VisitInput[]): Promise<Facts> {
  const { t } = ctx;
  // Lists padded to a power of two, so that a handful of SQL texts serve every batch (prepared once).
  const codes = padded([...new Set(visits.map((v) => v.promocode))]);
  const users = padded([...new Set(visits.map((v) => v.userId))]);
  const text = sqlText(ctx, `facts ${codes.length} ${users.length}`, () =>
    `select 'o' as k, promocode as code, user_id as a, null as b, null as c from ${ident(t.promo)} where promocode in (${marks(codes.length)}) ` +
    `union all select 'v', null, user_id, first_seen_at, arrived_new from ${ident(t.visitor)} where user_id in (${marks(users.length)}) ` +
    `union all select 'b', null, user_id, referrer, bound_at from ${ident(t.referral)} where user_id in (${marks(users.length)}) ` +
    `union all select 'r', null, referrer, null, null from ${ident(t.referral)} where referrer in (${marks(users.length)})`,
  );
  type Row = { k: string; code: string | null; a: unknown; b: unknown; c: unknown };
  const { rows } = await runCompiled<Row>(trx, text, [...codes, ...users, ...users, ...users]);
  const facts: Facts = { owners: new Map(), visitors: new Map(), bindings: new Map(), referring: new Set() };
  for (const r of rows) {
    const a = num(r.a);
    if (r.k === 'o') facts.owners.set(r.code!, a);
    else if (r.k === 'v') facts.visitors.set(a, { firstVisit: false, arrivedNew: num(r.c) === 1, firstSeenAt: num(r.b) });
    else if (r.k === 'b') facts.bindings.set(a, { referrerId: num(r.b), boundAt: num(r.c) });
    else facts.referring.add(a);
  }
  return facts;
}

interface Decided {
  index: number;
  v: VisitInput;
  owner: number;
  visitor: VisitorFacts;
  outcome: DecisionOutcome;
  /** Set (the previous referrer, or null) when the visit binds. */
  bind: number | null | undefined;
}

/** Decided visits not yet written: tracks, then first visitors, then bindings, in decision order. */
class PendingWrites {
  private decided: Decided[] = [];

  constructor(
    private readonly ctx: StoreContext,
    private readonly trx: Kysely<any>,
    private readonly writes: TrackWrite[],
  ) {}

  add(d: Decided) {
    this.decided.push(d);
  }

  async flush() {
    const decided = this.decided;
    this.decided = [];
    if (decided.length === 0) return;
    const { t } = this.ctx;
    const ids: number[] = [];
    for (const chunk of chunks(decided)) {
      const params = chunk.flatMap((d) => [trackTypeOf(d.visitor), d.v.scene, d.v.detail, d.v.userId, d.v.promocode, d.owner, d.v.at, d.outcome]);
      const text = sqlText(this.ctx, `tracks ${chunk.length}`, () =>
        `insert into ${ident(t.track)} (track_type, scene, detail, user_id, promocode, referrer, created_at, outcome) values ${tuples(chunk.length, 8)} returning id`,
      );
      // One statement in the single writer's transaction: the rows are numbered in VALUES order.
      ids.push(...(await runCompiled<{ id: number }>(this.trx, text, params)).rows.map((r) => num(r.id)).sort((a, b) => a - b));
    }
    const firstVisits = decided.filter((d) => d.visitor.firstVisit).map((d) => [d.v.userId, d.v.at, d.visitor.arrivedNew ? 1 : 0]);
    for (const chunk of chunks(firstVisits)) {
      const text = sqlText(this.ctx, `visitors ${chunk.length}`, () => `insert into ${ident(t.visitor)} (user_id, first_seen_at, arrived_new) values ${tuples(chunk.length, 3)}`);
      await runCompiled(this.trx, text, chunk.flat());
    }
    const bindings: unknown[][] = [];
    const rebindings: Referral[] = [];
    for (const [i, d] of decided.entries()) {
      const track = trackOf(d.v, { id: ids[i]!, trackType: trackTypeOf(d.visitor) as TrackType, referrerId: d.owner });
      const binding = d.bind === undefined ? null : bindingOf(track, { outcome: d.bind === null ? 'bound' : 'rebound', bind: true, previousReferrerId: d.bind });
      const r = binding?.referral;
      if (r && d.bind === null) bindings.push([r.userId, r.referrerId, r.promocode, r.scene, r.trackId, r.boundAt.getTime()]);
      else if (r) rebindings.push(r);
      this.writes[d.index] = { track, created: true, outcome: d.outcome, binding };
    }
    for (const chunk of chunks(bindings)) {
      const text = sqlText(this.ctx, `bindings ${chunk.length}`, () =>
        `insert into ${ident(t.referral)} (user_id, referrer, promocode, scene, track_id, bound_at) values ${tuples(chunk.length, 6)}`,
      );
      await runCompiled(this.trx, text, chunk.flat());
    }
    // After the new bindings, in decision order: a user bound and then rebound in one batch ends with the later one.
    for (const r of rebindings) await writeBinding(this.ctx, this.trx, r, true);
  }
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ROWS_PER_INSERT) out.push(items.slice(i, i + ROWS_PER_INSERT));
  return out;
}

const marks = (n: number) => '?,'.repeat(n - 1) + '?';
/** The list, its last value repeated up to the next power of two (harmless in an IN list). */
function padded<T>(list: T[]): T[] {
  const size = 2 ** Math.ceil(Math.log2(list.length));
  return list.concat(new Array<T>(size - list.length).fill(list[list.length - 1]!));
}
const tuples = (n: number, width: number) => `(${marks(width)}),`.repeat(n - 1) + `(${marks(width)})`;
