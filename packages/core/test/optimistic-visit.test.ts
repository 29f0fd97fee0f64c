/**
 * The optimistic visit (docs/concurrency.md, "Round trips"), PostgreSQL in two statements, MariaDB in
 * three: a first visit is decided on facts read without locks, and written by one last statement only
 * if none of them changed. Here another caller changes them in between (the test holds the statement that read the
 * facts): the visit must come out as if it had run after that caller, through the transaction.
 * Its write compares the abuse counter rows of the owner, the user and the device (a binding elsewhere
 * lets it through), or, with velocity off (no referrer rows), the binding lock's one count.
 */
import { type Dialect, Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type Tracker, type TrackerOptions } from '@promo-track/core';
import { dropTables, MYSQL_URL, PG_URL, SALT, uniquePrefix } from '../../../test/support/databases.js';
import { WatchedDialect } from './watched-dialect.js';

/** Each server database, the statements of a first visit that binds with nothing in between, and its own pools. */
const SERVERS = [
  {
    name: 'PostgreSQL',
    url: PG_URL,
    variable: 'PROMO_TRACK_PG_URL',
    statements: 2,
    dialect: () => new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 4 }) }),
  },
  {
    name: 'MariaDB',
    url: MYSQL_URL,
    variable: 'PROMO_TRACK_MYSQL_URL',
    // The later visit's statement, the facts, the compound write (store/dialects/mariadb-visit.ts).
    statements: 3,
    dialect: () => new MysqlDialect({ pool: createPool({ uri: MYSQL_URL!, connectionLimit: 4 }) }),
  },
] satisfies { name: string; url: string | undefined; variable: string; statements: number; dialect: () => Dialect }[];

const MODES: { label: string; guarded: boolean; options: Partial<TrackerOptions> }[] = [
  { label: 'guarded by counter rows (the default checks)', guarded: true, options: {} },
  { label: 'guarded by the binding lock (velocity off)', guarded: false, options: { abuse: { maxBindingsPerHour: 0 } } },
];

describe.each(SERVERS.flatMap((server) => MODES.map((mode) => ({ ...server, ...mode }))))(
  'an optimistic first visit on $name, $label',
  ({ name, url, variable, statements, dialect: makeDialect, guarded, options }) => {
    if (!url) {
      it.skip(`skipped: ${variable} is not set`, () => undefined);
      return;
    }
    const prefix = uniquePrefix();
    let dialect: WatchedDialect;
    let db: Kysely<any>;
    /** The tracker whose first statement is held; `other` is another process's, on its own pool. */
    let held: Tracker;
    let other: Tracker;
    let otherDb: Kysely<any>;

    beforeAll(async () => {
      dialect = new WatchedDialect(makeDialect());
      db = new Kysely<any>({ dialect });
      otherDb = new Kysely<any>({ dialect: makeDialect() });
      held = createTracker({ db, salt: SALT, tablePrefix: prefix, ...options });
      other = createTracker({ db: otherDb, salt: SALT, tablePrefix: prefix, ...options });
      await held.migrate();
    });
    afterAll(async () => {
      await dropTables(otherDb, prefix).catch(() => undefined);
      await db?.destroy();
      await otherDb?.destroy();
    });

    /** Holds `held`'s next statement that reads a first visit's facts until `release`. */
    function holdFirstStatement() {
      let reached!: () => void;
      let release!: () => void;
      const reachedP = new Promise<void>((resolve) => (reached = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      dialect.after = async (sql) => {
        if (!sql.includes('/* first-visit facts */')) return;
        dialect.after = () => undefined;
        reached();
        await released;
      };
      return { reached: reachedP, release };
    }
    const code = async (userId: number) => (await other.getOrCreatePromo({ userId })).promocode;

    it('a binding made in between that would close a cycle: the visit is decided again and binds no one', async () => {
      const [a, b] = [101, 102];
      const [codeA, codeB] = [await code(a), await code(b)];
      const hold = holdFirstStatement();
      // A's first visit through B's code reads: A new, no one bound to A, so no cycle: it would bind A → B.
      const visiting = held.recordTrack({ userId: a, promocode: codeB, scene: '1047' });
      await hold.reached;
      // Meanwhile B's first visit through A's code binds B → A.
      expect((await other.recordTrack({ userId: b, promocode: codeA, scene: '1047' })).outcome).toBe('bound');
      hold.release();
      expect((await visiting).outcome).toBe('cycle');
      expect(await other.getReferrer(a)).toBeNull();
      expect((await other.getReferrer(b))?.referrerId).toBe(a);
    });

    // A batch's visits are these statements inside its transaction. On MariaDB the batch's locking
    // reads before the held one take gap locks (REPEATABLE READ) that the other caller's insert waits
    // for, so the hold cannot be released there: its batches are the conformance suite's.
    if (name === 'PostgreSQL')
      it('in a batch, a binding made in between that would close a cycle: the batch runs again, and the visit binds no one', async () => {
        const [a, b, c] = [111, 112, 113];
        const [codeA, codeB] = [await code(a), await code(b)];
        const hold = holdFirstStatement();
        const batch = held.recordTracks([
          { userId: a, promocode: codeB, scene: '1047' },
          { userId: c, promocode: codeB, scene: '1001' },
        ]);
        await hold.reached;
        expect((await other.recordTrack({ userId: b, promocode: codeA, scene: '1047' })).outcome).toBe('bound');
        hold.release();
        const [ta, tc] = await batch;
        expect([ta!.outcome, tc!.outcome]).toEqual(['cycle', 'bound']);
        expect(await other.getReferrer(a)).toBeNull();
        expect((await other.getReferrer(c))?.referrerId).toBe(b);
        expect((await other.explainReferral(a)).decisions.map((d) => d.outcome)).toEqual(['cycle']);
      });

    it('a deadlock answered to the facts statement: nothing read, and the transaction records the visit', async () => {
      const [owner, user] = [121, 122];
      const ownerCode = await code(owner);
      // As the server answers a statement it chose as a deadlock's victim (PostgreSQL 40P01, MariaDB 1213).
      const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01', errno: 1213 });
      dialect.after = (sql) => {
        if (!sql.includes('/* first-visit facts */')) return;
        dialect.after = () => undefined;
        throw deadlock;
      };
      const track = await held.recordTrack({ userId: user, promocode: ownerCode, scene: '1047' });
      expect([track.trackType, track.outcome, track.referrerId]).toEqual([1, 'bound', owner]);
      expect((await other.getReferrer(user))?.referrerId).toBe(owner);
    });

    it("the user's other first visit made in between: this one is their later visit, and they are bound once", async () => {
      const [owner, user] = [201, 202];
      const ownerCode = await code(owner);
      const hold = holdFirstStatement();
      const visiting = held.recordTrack({ userId: user, promocode: ownerCode, scene: '1047' });
      await hold.reached;
      expect((await other.recordTrack({ userId: user, promocode: ownerCode, scene: '1001' })).outcome).toBe('bound');
      hold.release();
      const track = await visiting;
      expect([track.trackType, track.outcome]).toEqual([2, 'kept']);
      const { decisions, referral } = await other.explainReferral(user);
      expect(decisions.map((d) => [d.scene, d.outcome])).toEqual([
        ['1001', 'bound'],
        ['1047', 'kept'],
      ]);
      expect(referral?.scene).toBe('1001');
    });

    it("the owner's promo removed in between (forgetUser): the visit fails as an unknown code and writes nothing", async () => {
      const [owner, user] = [301, 302];
      const ownerCode = await code(owner);
      const hold = holdFirstStatement();
      const visiting = held.recordTrack({ userId: user, promocode: ownerCode, scene: '1047' });
      await hold.reached;
      await other.forgetUser(owner);
      hold.release();
      await expect(visiting).rejects.toMatchObject({ code: 'unknown_promocode' });
      expect((await other.explainReferral(user)).decisions).toEqual([]);
    });

    it('a binding elsewhere in between (another owner, another device): guarded by counter rows, still no transaction', async () => {
      const [owner, user, otherOwner, otherUser] = [501, 502, 503, 504];
      const [ownerCode, otherCode] = [await code(owner), await code(otherOwner)];
      await held.getOrCreatePromo({ userId: owner });
      const hold = holdFirstStatement();
      dialect.sent.length = 0;
      const visiting = held.recordTrack({ userId: user, promocode: ownerCode, scene: '1047', signals: { device: 'd-502' } });
      await hold.reached;
      await other.recordTrack({ userId: otherUser, promocode: otherCode, scene: '1047', signals: { device: 'd-504' } });
      hold.release();
      expect([(await visiting).outcome, (await other.getReferrer(user))?.referrerId]).toEqual(['bound', owner]);
      // With the lock's one count, any binding in between sends the visit to its transaction.
      if (guarded) expect(dialect.sent).toHaveLength(statements);
      else expect(dialect.sent.length).toBeGreaterThan(statements);
    });

    // The lock's one count sends every visit with a binding in between to its transaction: the case above.
    if (guarded)
      it('a binding through the same owner in between: the visit is decided again and counts it (velocity)', async () => {
        const strict = { ...options, abuse: { maxBindingsPerHour: 1 } };
        const [heldStrict, otherStrict] = [held, other].map((t, i) =>
          createTracker({ db: i === 0 ? db : otherDb, salt: SALT, tablePrefix: prefix, ...strict }),
        );
        const [owner, user, rival] = [601, 602, 603];
        const ownerCode = await code(owner);
        const hold = holdFirstStatement();
        dialect.sent.length = 0;
        // The owner has no binding yet: read alone, this visit would bind unflagged.
        const visiting = heldStrict!.recordTrack({ userId: user, promocode: ownerCode, scene: '1047' });
        await hold.reached;
        await otherStrict!.recordTrack({ userId: rival, promocode: ownerCode, scene: '1047' });
        hold.release();
        const track = await visiting;
        expect(dialect.sent.length).toBeGreaterThan(statements);
        const decision = (await other.explainReferral(user)).decisions.find((d) => d.trackId === track.id)!;
        expect([decision.outcome, decision.flags]).toEqual(['bound', ['velocity']]);
      });

    it('a user this tracker recorded, forgotten by another process: their next visit is a first visit again, and binds', async () => {
      const [owner, user] = [701, 702];
      const ownerCode = await code(owner);
      expect((await held.recordTrack({ userId: user, promocode: ownerCode, scene: '1047' })).outcome).toBe('bound');
      await other.forgetUser(user);
      const track = await held.recordTrack({ userId: user, promocode: ownerCode, scene: '1001' });
      expect([track.trackType, track.outcome]).toEqual([1, 'bound']);
      expect(await other.getReferrer(user)).toMatchObject({ referrerId: owner, trackId: track.id, scene: '1001' });
    });

    it('nothing in between: a first visit that binds is 2 statements on PostgreSQL, 3 on MariaDB, and its binding is as the transaction writes it', async () => {
      const [owner, user] = [401, 402];
      const ownerCode = await code(owner);
      await held.getOrCreatePromo({ userId: owner }); // the promo in the held tracker's cache
      dialect.sent.length = 0;
      const track = await held.recordTrack({ userId: user, promocode: ownerCode, scene: '1047', signals: { device: 'd-402' } });
      expect(dialect.sent).toHaveLength(statements);
      expect([track.trackType, track.outcome, track.referrerId]).toEqual([1, 'bound', owner]);
      expect(await other.getReferrer(user)).toMatchObject({ referrerId: owner, trackId: track.id, scene: '1047' });
    });
  },
);
