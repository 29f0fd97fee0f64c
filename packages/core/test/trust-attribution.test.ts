import { Kysely, type LogEvent, MysqlDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import { describe, expect, it } from 'vitest';
import type { DecisionOutcome, Track, Tracker, TrackerEvent, TrackerOptions } from '@promo-track/core';
import { MYSQL_URL, openPrefixed } from '../../../test/support/databases.js';
import { DAY, eachDatabase, freezeTime, type TestDatabase, useTracker, volume } from './support.js';
import { recordFigures } from './trust-figures.js';

const T0 = Date.parse('2026-03-01T08:00:00.000Z');

/** A (the user whose attribution we look at), B and C (promoters). */
const A = 1;
const B = 2;
const C = 3;

interface Visit {
  user: number;
  through: number;
  scene?: string;
  trackType?: 1 | 2;
  /** Days after T0. */
  day?: number;
}

interface Scenario {
  outcome: DecisionOutcome;
  setup: string;
  options?: Partial<TrackerOptions>;
  /** Visits by other users before A's, e.g. to put A above B in the chain. */
  before?: Visit[];
  /** A's visits, in order. */
  visits: Omit<Visit, 'user'>[];
  /** The decisions recorded for A, oldest first: [outcome, candidate]. */
  decisions: [DecisionOutcome, number][];
  /** A's referrer afterwards (and the visit that bound it). */
  referrer: { id: number; visit: number } | null;
}

const lastTouch: Partial<TrackerOptions> = { attribution: { model: 'last-touch' } };

/** One row per outcome (and a few more where an outcome has two ways to happen). */
const scenarios: Scenario[] = [
  {
    outcome: 'bound',
    setup: 'A, a new user, arrives through B’s code',
    visits: [{ through: B }],
    decisions: [['bound', B]],
    referrer: { id: B, visit: 0 },
  },
  {
    outcome: 'rebound',
    setup: 'last-touch: A arrives through B, then 10 days later through C as a new user (trackType 1)',
    options: lastTouch,
    visits: [{ through: B }, { through: C, trackType: 1, day: 10 }],
    decisions: [
      ['bound', B],
      ['rebound', C],
    ],
    referrer: { id: C, visit: 1 },
  },
  {
    outcome: 'kept',
    setup: 'first-touch: A arrives through B, then through C as a new user (trackType 1)',
    visits: [{ through: B }, { through: C, trackType: 1, day: 1 }],
    decisions: [
      ['bound', B],
      ['kept', C],
    ],
    referrer: { id: B, visit: 0 },
  },
  {
    outcome: 'kept',
    setup: 'last-touch: A arrives through B, then again through B as a new user (trackType 1)',
    options: lastTouch,
    visits: [{ through: B }, { through: B, trackType: 1, day: 2 }],
    decisions: [
      ['bound', B],
      ['kept', B],
    ],
    referrer: { id: B, visit: 0 },
  },
  {
    outcome: 'self',
    setup: 'A, a new user, arrives through A’s own code',
    visits: [{ through: A }],
    decisions: [['self', A]],
    referrer: null,
  },
  {
    outcome: 'cycle',
    setup: 'B is bound to A; then A, a new user, arrives through B’s code',
    before: [{ user: B, through: A }],
    visits: [{ through: B }],
    decisions: [['cycle', B]],
    referrer: null,
  },
  {
    outcome: 'kept',
    setup: 'first-touch: A arrives through B, then through C (trackType omitted)',
    visits: [{ through: B }, { through: C, day: 1 }],
    decisions: [
      ['bound', B],
      ['kept', C],
    ],
    referrer: { id: B, visit: 0 },
  },
  {
    outcome: 'returning_user',
    setup: 'first-touch: A arrives through their own code, then through C claiming to be new (trackType 1)',
    visits: [{ through: A }, { through: C, trackType: 1, day: 1 }],
    decisions: [
      ['self', A],
      ['returning_user', C],
    ],
    referrer: null,
  },
  {
    outcome: 'returning_user',
    setup: 'last-touch: A’s first visit is a returning one (trackType 2), then through C claiming to be new (trackType 1)',
    options: lastTouch,
    visits: [
      { through: B, trackType: 2 },
      { through: C, trackType: 1, day: 1 },
    ],
    decisions: [
      ['returning_user', B],
      ['returning_user', C],
    ],
    referrer: null,
  },
  {
    outcome: 'rebound',
    setup: 'last-touch: A arrives through B, then through C (trackType 2): a later visit re-binds whatever its trackType',
    options: lastTouch,
    visits: [{ through: B }, { through: C, trackType: 2, day: 3 }],
    decisions: [
      ['bound', B],
      ['rebound', C],
    ],
    referrer: { id: C, visit: 1 },
  },
  {
    outcome: 'returning_user',
    setup: 'A’s first visit is a returning one (trackType 2) through B',
    visits: [{ through: B, trackType: 2 }],
    decisions: [['returning_user', B]],
    referrer: null,
  },
  {
    outcome: 'outside_window',
    setup: 'last-touch (30 days): A arrives through B, then 31 days later through C as a new user (trackType 1)',
    options: lastTouch,
    visits: [{ through: B }, { through: C, trackType: 1, day: 31 }],
    decisions: [
      ['bound', B],
      ['outside_window', C],
    ],
    referrer: { id: B, visit: 0 },
  },
  {
    outcome: 'outside_window',
    setup: 'last-touch, windowDays 7: A first visits through its own code, 8 days later through B',
    options: { attribution: { model: 'last-touch', windowDays: 7 } },
    visits: [{ through: A }, { through: B, day: 8 }],
    decisions: [
      ['self', A],
      ['outside_window', B],
    ],
    referrer: null,
  },
  {
    outcome: 'excluded_scene',
    setup: 'A, a new user, arrives through B’s code in scene 1129 (WeChat’s crawler)',
    visits: [{ through: B, scene: '1129' }],
    decisions: [['excluded_scene', B]],
    referrer: null,
  },
  {
    outcome: 'excluded_scene',
    setup: 'excludeScenes [1154]: A, a new user, arrives through B’s code in scene 1154',
    options: { excludeScenes: ['1154'] },
    visits: [{ through: B, scene: '1154' }],
    decisions: [['excluded_scene', B]],
    referrer: null,
  },
];

async function codes(tracker: Tracker, users: number[]): Promise<Map<number, string>> {
  const map = new Map<number, string>();
  for (const user of users) map.set(user, (await tracker.getOrCreatePromo({ userId: user })).promocode);
  return map;
}

/** Conflicts (deadlocks, serialization failures) seen per session setting, for the figures. */
const conflicts = new Map<string, number>();

/** Not an isolation level: MariaDB's `innodb_snapshot_isolation = ON` (its default since 11.6). */
const MARIADB_SNAPSHOT_ISOLATION = 'innodb_snapshot_isolation';

/**
 * The same server, but every session of the pool defaults to another isolation level (a host may
 * configure its database that way): the binding lock must not depend on the server's default.
 */
function withIsolation(database: TestDatabase, level: string): TestDatabase {
  // Counts the statements the database refused with a deadlock or serialization conflict (each
  // one rolled its transaction back, and the tracker ran it again).
  const log = (event: LogEvent) => {
    if (event.level !== 'error') return;
    const { code, errno } = event.error as { code?: unknown; errno?: unknown };
    if (code === '40001' || code === '40P01' || errno === 1213 || errno === 1020) conflicts.set(level, (conflicts.get(level) ?? 0) + 1);
  };
  const make = (): Kysely<any> =>
    database.name === 'postgres'
      ? database.connect!({ log, settings: { default_transaction_isolation: level } })
      : new Kysely({
          log,
          dialect: new MysqlDialect({
            pool: createPool({ uri: MYSQL_URL!, connectionLimit: 10 }).on('connection', (c) => {
              // MariaDB's snapshot isolation: a server without it answers an error, which is ignored here.
              const statement =
                level === MARIADB_SNAPSHOT_ISOLATION
                  ? 'set session innodb_snapshot_isolation = ON'
                  : `set session transaction isolation level ${level}`;
              c.query(statement, () => undefined);
            }),
          }),
        });
  return { ...database, open: openPrefixed(make) };
}

/**
 * A visits through B's code while B visits through A's, at the same moment, on separate
 * connections of the pool: one binding wins, the other is refused as a cycle.
 */
function mutualRace(database: TestDatabase, label: string, { eventIds = false } = {}) {
  describe(eventIds ? 'with eventIds' : 'without eventIds', () => mutualRaceTest(database, label, eventIds));
}

function mutualRaceTest(database: TestDatabase, label: string, eventIds: boolean) {
  // 25 through Postgres.js and pgbouncer: the same statements and locks, over another transport.
  const ITERATIONS = volume(database, 50, 25);
  const fx = useTracker(database);
  const withEvent = (i: number) => (eventIds ? { eventId: `race-${i}` } : {});

  it(`never both bind (${ITERATIONS} races on separate connections${eventIds ? ', with eventIds' : ''})`, async (test) => {
    if (label === MARIADB_SNAPSHOT_ISOLATION) {
      const on = await sql<{ v: unknown }>`select @@session.innodb_snapshot_isolation as v`.execute(fx.db).then(
        (r) => Number(r.rows[0]?.v) === 1,
        () => false,
      );
      if (!on) test.skip('this server has no innodb_snapshot_isolation (not MariaDB ≥ 10.6.18)');
    }
    const figures = {
      dialect: database.name,
      sessions: label,
      eventIds,
      iterations: ITERATIONS,
      firstWon: 0,
      secondWon: 0,
      bothBound: 0,
      noneBound: 0,
      failed: 0,
      maxMs: 0,
    };
    for (let i = 0; i < ITERATIONS; i++) {
      const a = 10_000 + 2 * i;
      const b = a + 1;
      const code = await codes(fx.tracker, [a, b]);
      const started = performance.now();
      const settled = await Promise.allSettled([
        fx.tracker.recordTrack({ userId: a, promocode: code.get(b)!, scene: '1047', ...withEvent(i) }),
        fx.tracker.recordTrack({ userId: b, promocode: code.get(a)!, scene: '1047', ...withEvent(i) }),
      ]);
      figures.maxMs = Math.max(figures.maxMs, Math.round(performance.now() - started));
      figures.failed += settled.filter((s) => s.status === 'rejected').length;
      const [ra, rb] = await Promise.all([fx.tracker.getReferrer(a), fx.tracker.getReferrer(b)]);
      if (ra && rb) figures.bothBound++;
      else if (!ra && !rb) figures.noneBound++;
      else if (ra) figures.firstWon++;
      else figures.secondWon++;

      expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : s.status))).toEqual(['fulfilled', 'fulfilled']);
      expect(ra && rb).toBeFalsy();
      // The loser's visit is recorded, with its refusal explained.
      const winner = ra ? a : b;
      const loser = ra ? b : a;
      expect((await fx.tracker.explainReferral(winner)).decisions.map((d) => d.outcome)).toEqual(['bound']);
      expect((await fx.tracker.explainReferral(loser)).decisions.map((d) => [d.outcome, d.candidateId])).toEqual([['cycle', winner]]);
    }
    recordFigures(
      'mutual binding race',
      label === 'server default' ? figures : { ...figures, conflictsRetried: conflicts.get(label) ?? 0 },
    );
    expect(figures.bothBound).toBe(0);
    expect(figures.firstWon + figures.secondWon).toBe(ITERATIONS);
  });
}

eachDatabase((database) => {
  describe('every attribution outcome is recorded and explained', () => {
    describe.each(scenarios)('$outcome: $setup', (scenario) => {
      const events: TrackerEvent[] = [];
      const fx = useTracker(database, { ...scenario.options, backdateDays: 40, onEvent: (e) => void events.push(e) });

      // The same decision table through one call per visit, and through one recordTracks batch
      // (each visit carrying its time as occurredAt): one writer decides both.
      it.each(['one recordTrack per visit', 'one recordTracks batch'])(
        'records the decision and the binding that results (%s)',
        async (way) => {
          events.length = 0;
          freezeTime(T0);
          const code = await codes(fx.tracker, [A, B, C]);
          for (const v of scenario.before ?? []) {
            await fx.tracker.recordTrack({ userId: v.user, promocode: code.get(v.through)!, scene: v.scene ?? '1047' });
          }
          const visitOf = (v: Omit<Visit, 'user'>) => ({
            userId: A,
            promocode: code.get(v.through)!,
            scene: v.scene ?? '1047',
            ...(v.trackType ? { trackType: v.trackType } : {}),
          });
          const tracks: Track[] = [];
          if (way === 'one recordTracks batch') {
            freezeTime(T0 + Math.max(...scenario.visits.map((v) => v.day ?? 0)) * DAY);
            tracks.push(
              ...(await fx.tracker.recordTracks(
                scenario.visits.map((v) => ({ ...visitOf(v), occurredAt: new Date(T0 + (v.day ?? 0) * DAY) })),
              )),
            );
          } else {
            for (const v of scenario.visits) {
              freezeTime(T0 + (v.day ?? 0) * DAY);
              tracks.push(await fx.tracker.recordTrack(visitOf(v)));
            }
          }

          const explained = await fx.tracker.explainReferral(A);
          expect(explained.decisions).toEqual(
            scenario.decisions.map(([outcome, candidateId], i) => ({
              trackId: tracks[i]!.id,
              promocode: tracks[i]!.promocode,
              candidateId,
              outcome,
              // The visit's own scene (for excluded_scene: 1129, or 1154 where the host excluded it).
              scene: scenario.visits[i]!.scene ?? '1047',
              at: tracks[i]!.createdAt,
            })),
          );
          // Each track says what its visit decided, whether or not its code's owner was credited;
          // so do the exported rows.
          expect(tracks.map((t) => t.outcome)).toEqual(scenario.decisions.map(([outcome]) => outcome));
          const exported: Track[] = [];
          for await (const t of fx.tracker.exportTracks()) if (t.userId === A) exported.push(t);
          expect(exported.slice(-tracks.length)).toEqual(tracks);

          const referral = await fx.tracker.getReferrer(A);
          expect(explained.referral).toEqual(referral);
          if (scenario.referrer === null) {
            expect(referral).toBeNull();
          } else {
            const bindingTrack = tracks[scenario.referrer.visit]!;
            expect(referral).toEqual({
              userId: A,
              referrerId: scenario.referrer.id,
              promocode: bindingTrack.promocode,
              scene: bindingTrack.scene,
              trackId: bindingTrack.id,
              boundAt: bindingTrack.createdAt,
            });
          }

          // Exactly the bindings and re-bindings of A were announced.
          const announced = events.filter((e) => e.type === 'referral.bound' && e.referral.userId === A);
          expect(announced).toHaveLength(scenario.decisions.filter(([o]) => o === 'bound' || o === 'rebound').length);
          // One decision per recorded track, nothing else.
          expect((await fx.counts()).decision).toBe(scenario.visits.length + (scenario.before?.length ?? 0));
        },
      );
    });
  });

  describe('excludeScenes', () => {
    const fx = useTracker(database);

    it('stores a crawler visit (scene 1129 by default), never counts it in stats or leaderboard, never binds', async () => {
      const code = await codes(fx.tracker, [B]);
      const crawled = await fx.tracker.recordTrack({ userId: 10, promocode: code.get(B)!, scene: 1129 });
      expect(crawled).toMatchObject({ userId: 10, scene: '1129', referrerId: B, trackType: 1 });
      expect((await fx.counts()).track).toBe(1);
      expect(await fx.tracker.getReferrer(10)).toBeNull();
      expect(await fx.tracker.stats()).toMatchObject({ visits: 0, uniqueVisitors: 0, referrals: 0, byScene: [] });
      expect(await fx.tracker.stats({ userId: B })).toMatchObject({ visits: 0, referrals: 0 });
      expect(await fx.tracker.leaderboard()).toEqual([]);

      // A real visit is counted beside it, and the crawler's visits still are not.
      await fx.tracker.recordTrack({ userId: 11, promocode: code.get(B)!, scene: '1047' });
      await fx.tracker.recordTrack({ userId: 12, promocode: code.get(B)!, scene: '1129' });
      expect(await fx.tracker.stats({ userId: B })).toMatchObject({
        visits: 1,
        newUserVisits: 1,
        uniqueVisitors: 1,
        referrals: 1,
        byScene: [{ scene: '1047', visits: 1 }],
      });
      expect(await fx.tracker.stats({ promocode: code.get(B)! })).toMatchObject({ visits: 1 });
      expect(await fx.tracker.leaderboard()).toEqual([{ referrerId: B, referrals: 1, visits: 1, conversions: 0, revenue: 0 }]);
      expect((await fx.counts()).track).toBe(3);
    });
  });

  describe('excludeScenes: []', () => {
    const fx = useTracker(database, { excludeScenes: [] });

    it('counts and binds scene 1129 like any other scene', async () => {
      const code = await codes(fx.tracker, [B]);
      await fx.tracker.recordTrack({ userId: 10, promocode: code.get(B)!, scene: '1129' });
      expect(await fx.tracker.getReferrer(10)).toMatchObject({ referrerId: B, scene: '1129' });
      expect(await fx.tracker.stats({ userId: B })).toMatchObject({ visits: 1, referrals: 1 });
    });
  });

  describe.each([2, 3, 10])('a cycle of length %i', (length) => {
    describe.each([
      { model: 'first-touch', options: {} },
      { model: 'last-touch', options: lastTouch },
    ])('$model', ({ options }) => {
      const fx = useTracker(database, options);

      it('is refused, and the chain stays as it was', async () => {
        // users 101 → 102 → … → 100+length (each bound to the next); then the last arrives through the first.
        const users = Array.from({ length }, (_, i) => 101 + i);
        const code = await codes(fx.tracker, [...users, 999]);
        for (let i = 0; i + 1 < length; i++) {
          await fx.tracker.recordTrack({ userId: users[i]!, promocode: code.get(users[i + 1]!)!, scene: '1047' });
        }
        const last = users[length - 1]!;
        const first = users[0]!;
        const closing = await fx.tracker.recordTrack({ userId: last, promocode: code.get(first)!, scene: '1047' });
        expect(closing.referrerId).toBe(first);
        expect(closing.outcome).toBe('cycle'); // the code's owner, not credited

        const explained = await fx.tracker.explainReferral(last);
        expect(explained.referral).toBeNull();
        expect(explained.decisions).toEqual([
          { trackId: closing.id, promocode: code.get(first), candidateId: first, outcome: 'cycle', scene: '1047', at: closing.createdAt },
        ]);
        for (let i = 0; i + 1 < length; i++) {
          expect((await fx.tracker.getReferrer(users[i]!))?.referrerId).toBe(users[i + 1]);
        }
        // Someone outside the chain still binds to its first member.
        await fx.tracker.recordTrack({ userId: 500, promocode: code.get(first)!, scene: '1047' });
        expect((await fx.tracker.getReferrer(500))?.referrerId).toBe(first);
      });

      it('is refused as a re-binding too (the closing user was bound elsewhere)', async () => {
        const users = Array.from({ length }, (_, i) => 101 + i);
        const code = await codes(fx.tracker, [...users, 999]);
        const last = users[length - 1]!;
        const first = users[0]!;
        // The last user is first bound to an outsider, then the chain is built, then it tries to close.
        await fx.tracker.recordTrack({ userId: last, promocode: code.get(999)!, scene: '1047' });
        for (let i = 0; i + 1 < length; i++) {
          await fx.tracker.recordTrack({ userId: users[i]!, promocode: code.get(users[i + 1]!)!, scene: '1047' });
        }
        await fx.tracker.recordTrack({ userId: last, promocode: code.get(first)!, scene: '1047', trackType: 1 });
        const outcomes = (await fx.tracker.explainReferral(last)).decisions.map((d) => [d.outcome, d.candidateId]);
        // first-touch keeps the first binding before it ever looks for a cycle; last-touch refuses the cycle.
        expect(outcomes).toEqual([
          ['bound', 999],
          [options === lastTouch ? 'cycle' : 'kept', first],
        ]);
        expect((await fx.tracker.getReferrer(last))?.referrerId).toBe(999);
      });
    });
  });

  describe('two users binding to each other at the same moment', () => {
    mutualRace(database, 'server default');
    mutualRace(database, 'server default', { eventIds: true });
  });

  // A host may run its database at another isolation level; the lock must not depend on it.
  // With eventIds, the visit reads (and so takes its snapshot) before it takes the binding lock.
  const levels = {
    sqlite: [],
    postgres: ['repeatable read', 'serializable'],
    mysql: ['read committed', 'serializable', MARIADB_SNAPSHOT_ISOLATION],
  }[database.name];
  // Behind pgbouncer's transaction pooling a session default is set on the role, not per pool: not run there.
  describe.each(database.sessionSettings ? levels : [])('… when the host’s sessions default to %s', (level) => {
    mutualRace(withIsolation(database, level), level, { eventIds: true });
  });
});
