/**
 * PostgreSQL's stored statements (docs/concurrency.md, "Plans"): migrate() keeps the hot statements
 * as functions, planned once per connection, and the visits call them; a database without them (an
 * older version's, or its functions dropped meanwhile) gets the same answers from the statements' text.
 * On each PostgreSQL driver: pg, Postgres.js, and pg through pgbouncer's transaction pooling.
 */
import { type Kysely, type LogEvent, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type Tracker } from '@promo-track/core';
import { databases, dropTables, SALT, uniquePrefix } from '../../../test/support/databases.js';

const POSTGRES = databases.filter((d) => d.name === 'postgres');

describe.each(POSTGRES)('stored statements on $label', (database) => {
  if (!database.enabled) {
    it.skip(`skipped: ${database.env} is not set`, () => undefined);
    return;
  }
  const prefix = uniquePrefix();
  const sent: string[] = [];
  let db: Kysely<any>;
  let watched: Kysely<any>;
  let code: string;

  const functions = async () => {
    const { rows } = await sql<{ name: string }>`select proname as name from pg_proc
      where pronamespace = current_schema()::regnamespace and starts_with(proname, ${prefix}) order by proname`.execute(db);
    return rows.map((r) => r.name);
  };
  const dropFunctions = async () => {
    const { rows } = await sql<{ signature: string }>`select oid::regprocedure::text as signature from pg_proc
      where pronamespace = current_schema()::regnamespace and starts_with(proname, ${prefix})`.execute(db);
    for (const { signature } of rows) await sql.raw(`drop function ${signature}`).execute(db);
  };
  /** What a call sends, each statement named by what it runs: a function's call (`pt_…`), or text. */
  async function statementsOf(call: () => Promise<unknown>): Promise<string[]> {
    sent.length = 0;
    await call();
    return sent.map((s) => /^select (\/\*[^*]*\*\/ )?\* from "[^"]*?pt_([a-z_]+)_[0-9a-f]+"\(/.exec(s)?.[2] ?? 'text');
  }
  const watchedTracker = () => createTracker({ db: watched, salt: SALT, tablePrefix: prefix });

  beforeAll(async () => {
    db = database.connect!();
    const log = (e: LogEvent) => void sent.push(e.query.sql);
    watched = database.connect!({ log });
    const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix });
    await tracker.migrate();
    code = (await tracker.getOrCreatePromo({ userId: 1 })).promocode;
  });
  afterAll(async () => {
    await dropTables(db, prefix).catch(() => undefined);
    await db?.destroy();
    await watched?.destroy();
  });

  it('migrate() keeps the visit statements as functions, once whatever the number of calls', async () => {
    expect(await functions()).toHaveLength(7);
    const names = await functions();
    await Promise.all([1, 2, 3].map(() => createTracker({ db, salt: SALT, tablePrefix: prefix }).migrate()));
    expect(await functions()).toEqual(names);
    expect(
      names.every((n) => /pt_(visit|visit_m|first_visit|first_visit_m|first_visit_r|later_visit|later_visit_m)_[0-9a-f]{12}$/.test(n)),
    ).toBe(true);
  });

  it('a first visit calls two of them, and a later visit one', async () => {
    const tracker = watchedTracker();
    await tracker.getOrCreatePromo({ userId: 1 }); // the schema check's reads, before the counted calls
    expect(await statementsOf(() => tracker.recordTrack({ userId: 10, promocode: code, scene: 1047 }))).toEqual(['visit', 'first_visit']);
    expect(await statementsOf(() => tracker.recordTrack({ userId: 10, promocode: code, scene: 1047 }))).toEqual(['later_visit']);
    expect((await tracker.getReferrer(10))?.referrerId).toBe(1);
  });

  it('with track.recorded wanted, the visits call those that write its messages too', async () => {
    const tracker = createTracker({
      db: watched,
      salt: SALT,
      tablePrefix: prefix,
      webhooks: [{ url: 'http://127.0.0.1:9/hooks', secret: 'whsec_c3RvcmVkLXN0YXRlbWVudHMtc2VjcmV0LTEyMzQ1', events: ['track.recorded'] }],
    });
    await tracker.getOrCreatePromo({ userId: 1 });
    expect(await statementsOf(() => tracker.recordTrack({ userId: 40, promocode: code, scene: 1047 }))).toEqual([
      'visit_m',
      'first_visit_m',
    ]);
    expect(await statementsOf(() => tracker.recordTrack({ userId: 40, promocode: code, scene: 1047 }))).toEqual(['later_visit_m']);
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from ${sql.table(`${prefix}webhook_message`)} where type = 'track.recorded'`.execute(db);
    expect(Number(rows[0]!.n)).toBe(2);
  });

  it('with reward rules on bindings, a first visit writes its reward rows with its binding, in the same two calls', async () => {
    const tracker = createTracker({
      db: watched,
      salt: SALT,
      tablePrefix: prefix,
      rewards: [
        { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 100 },
        { id: 'second', on: 'referral.bound', to: 'referrer', amount: 500, every: 2 },
      ],
    });
    await tracker.getOrCreatePromo({ userId: 1 });
    expect(await statementsOf(() => tracker.recordTrack({ userId: 50, promocode: code, scene: 1047 }))).toEqual(['visit', 'first_visit_r']);
    const { rewards } = await tracker.explainReferral(50);
    expect(rewards.entries.map((r) => [r.ruleId, r.userId, r.refereeId, r.amount])).toEqual([['invite', 1, 50, 100]]);
    expect(rewards.decisions.map((d) => [d.ruleId, d.outcome]).sort()).toEqual([
      ['invite', 'created'],
      ['second', 'not_milestone'],
    ]);
  });

  it('without them (dropped after the tracker found them, or never made), the same visits, as text; migrate() makes them again', async () => {
    const found = watchedTracker();
    await found.getOrCreatePromo({ userId: 1 });
    await dropFunctions();
    // The tracker that found them: each call that meets a missing one sends its text instead.
    const first = await found.recordTrack({ userId: 20, promocode: code, scene: 1047 });
    expect(first).toMatchObject({ trackType: 1, referrerId: 1 });
    expect(await statementsOf(() => found.recordTrack({ userId: 21, promocode: code, scene: 1047 }))).toEqual(['text', 'text']);
    // A tracker started on a database without them does not try them.
    const fresh = watchedTracker();
    await fresh.getOrCreatePromo({ userId: 1 });
    expect(await statementsOf(() => fresh.recordTrack({ userId: 22, promocode: code, scene: 1047 }))).toEqual(['text', 'text']);
    expect(await statementsOf(() => fresh.recordTrack({ userId: 22, promocode: code, scene: 1047 }))).toEqual(['text']);
    for (const user of [20, 21, 22]) expect((await fresh.getReferrer(user))?.referrerId).toBe(1);

    await fresh.migrate();
    expect(await functions()).toHaveLength(7);
    expect(await statementsOf(() => fresh.recordTrack({ userId: 23, promocode: code, scene: 1047 }))).toEqual(['visit', 'first_visit']);
  });

  it('the same answers as the text: a binding, its outcome, a refused one and an unknown code', async () => {
    const tracker: Tracker = watchedTracker();
    const self = await tracker.recordTrack({ userId: 1, promocode: code, scene: 1047 });
    expect(self).toMatchObject({ trackType: 1, referrerId: 1 });
    expect(await tracker.getReferrer(1)).toBeNull();
    const again = await tracker.recordTrack({ userId: 30, promocode: code, scene: 1047 });
    const later = await tracker.recordTrack({ userId: 30, promocode: code, scene: 1089 });
    expect([again.trackType, later.trackType]).toEqual([1, 2]);
    await expect(tracker.recordTrack({ userId: 31, promocode: 'nosuchcode', scene: 1047 })).rejects.toMatchObject({
      code: 'unknown_promocode',
    });
  });
});
