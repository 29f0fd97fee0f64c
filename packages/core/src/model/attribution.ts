import type { DecisionOutcome } from './types.js';

/**
 * The attribution rules, pure: every visit, on every database and through every write path, is
 * decided by `decide` alone. Storage only gathers the facts it asks for. docs/attribution.md
 * explains the models and each outcome.
 */
export interface AttributionRules {
  model: 'first-touch' | 'last-touch';
  /** A later visit may (re)bind only this long after the user's first visit; `null`: no limit. */
  windowMs: number | null;
  excludeScenes: ReadonlySet<string>;
}

/** The user's visitor row: who they were when first seen. */
export interface VisitorFacts {
  /** This visit is the user's first recorded one. */
  firstVisit: boolean;
  /** The user's first visit was a new user's (not `trackType: 2`): only such users are ever bound. */
  arrivedNew: boolean;
  firstSeenAt: number;
}

/** The user's current binding. */
export interface BindingFacts {
  referrerId: number;
  boundAt: number;
}

/** What is known of a visit; the optional facts are read when `decide` asks for them. */
export interface VisitFacts {
  userId: number;
  /** The owner of the promocode: the referrer this visit proposes. */
  candidateId: number;
  scene: string;
  /** When the visit happened (ms). */
  at: number;
  visitor: VisitorFacts;
  /** Whether the user has a binding at all (enough for first-touch). */
  bound?: boolean;
  /** The current binding, read under the binding lock because a (re)binding may follow. */
  binding?: BindingFacts | null;
  /** Whether the user already sits above the candidate in the referral chain. */
  cycle?: boolean;
}

/** A fact `decide` needs before it can answer. */
export type Need = 'bound' | 'binding' | 'cycle';

export type Verdict =
  | { need: Need }
  | { outcome: DecisionOutcome; bind: false }
  | { outcome: 'bound' | 'rebound'; bind: true; previousReferrerId: number | null };

const settled = (outcome: DecisionOutcome): Verdict => ({ outcome, bind: false });

export function decide(rules: AttributionRules, v: VisitFacts): Verdict {
  if (rules.excludeScenes.has(v.scene)) return settled('excluded_scene');
  if (!v.visitor.arrivedNew) return settled('returning_user');
  if (v.candidateId === v.userId) return settled('self');
  if (!v.visitor.firstVisit && rules.model === 'first-touch') {
    if (v.bound === undefined) return { need: 'bound' };
    return settled(v.bound ? 'kept' : 'returning_user');
  }
  // A first visit, or a later one under last-touch: this visit may bind.
  if (rules.windowMs !== null && v.at - v.visitor.firstSeenAt > rules.windowMs) return settled('outside_window');
  const binding = v.visitor.firstVisit ? null : v.binding;
  if (binding === undefined) return { need: 'binding' };
  if (binding && binding.referrerId === v.candidateId) return settled('kept');
  // Visits are decided in the order they are recorded: a late-arriving older one never undoes a newer binding.
  if (binding && v.at < binding.boundAt) return settled('kept');
  if (v.cycle === undefined) return { need: 'cycle' };
  if (v.cycle) return settled('cycle');
  return { outcome: binding ? 'rebound' : 'bound', bind: true, previousReferrerId: binding?.referrerId ?? null };
}

export type Settled = Exclude<Verdict, { need: Need }>;
type Fact = boolean | BindingFacts | null;

/**
 * Asks `read` for each fact `decide` needs until it answers. Synchronous while `read` answers
 * synchronously (facts already in memory), so a batch decided in memory pays no promise per visit.
 */
export function settle(rules: AttributionRules, facts: VisitFacts, read: (need: Need) => Fact | Promise<Fact>): Settled | Promise<Settled> {
  let v = facts;
  for (;;) {
    const verdict = decide(rules, v);
    if (!('need' in verdict)) return verdict;
    const fact = read(verdict.need);
    if (fact instanceof Promise) {
      const need = verdict.need;
      return fact.then((value) => settle(rules, { ...v, [need]: value }, read));
    }
    v = { ...v, [verdict.need]: fact };
  }
}

/**
 * The outcomes of a later visit (the user has a visitor row) that `decide` settles from what a
 * single statement can see (the user's `arrivedNew` and whether they are bound), or `null` where it
 * needs more (a possible binding): the dialects' one-statement path picks among these.
 */
export function laterVisitOutcomes(
  rules: AttributionRules,
  v: Pick<VisitFacts, 'userId' | 'candidateId' | 'scene' | 'at'>,
): LaterVisitOutcomes {
  // The visitor row is read as first seen at this visit's time, so only the scene and whether the
  // code is the user's own can change the answer: kept per rules and (scene, self).
  let kept = outcomesKept.get(rules);
  if (!kept) outcomesKept.set(rules, (kept = new Map()));
  const key = `${v.candidateId === v.userId ? 's' : 'o'}${v.scene}`;
  let outcomes = kept.get(key);
  if (!outcomes) {
    const later = (arrivedNew: boolean, bound: boolean) => {
      const verdict = decide(rules, { ...v, visitor: { firstVisit: false, arrivedNew, firstSeenAt: v.at }, bound });
      return 'need' in verdict || verdict.bind ? null : verdict.outcome;
    };
    outcomes = { returning: later(false, false)!, newBound: later(true, true), newUnbound: later(true, false) };
    if (kept.size >= 1024) kept.clear();
    kept.set(key, outcomes);
  }
  return outcomes;
}

interface LaterVisitOutcomes {
  returning: DecisionOutcome;
  newBound: DecisionOutcome | null;
  newUnbound: DecisionOutcome | null;
}
const outcomesKept = new WeakMap<AttributionRules, Map<string, LaterVisitOutcomes>>();

const DAY_MS = 86_400_000;
export const windowMs = (days: number | undefined): number | null => (days === undefined ? null : days * DAY_MS);
