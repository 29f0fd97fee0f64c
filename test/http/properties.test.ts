import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { RequestOptions } from './support/client.js';
import { describeHosts, type HostContext } from './support/matrix.js';

/**
 * Whatever a client sends to any route, the answer is a 2xx or one of the contract's 4xx (never a
 * 500), and a refused request writes nothing.
 */

const NUM_RUNS = Number(process.env.PROMO_TRACK_FC_RUNS ?? 25);
const CONTRACT_4XX = [
  '400 validation_failed',
  '400 invalid_json',
  '404 not_found',
  '409 conflict',
  '413 payload_too_large',
  '422 unknown_promocode',
];

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
  fc.constantFrom('', ' ', '\u0000', 'x'.repeat(300), '\uD800', '\u4E2D\u6587', '😀'.repeat(40), "'; drop table promo; --"),
);
/** Mostly valid values, so that some requests of every kind get through, and the rest anything. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: other });
const userId = fc.integer({ min: 1, max: 2_147_483_647 });
const integerLike = fc.oneof(userId, fc.integer(), fc.constantFrom(0, -1, 2_147_483_648, Number.MAX_SAFE_INTEGER, 1.5, 1e21), fc.double());
const anything = fc.oneof(integerLike, text, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
const numericText = fc.oneof(
  fc.integer({ min: 1, max: 500 }).map(String),
  fc.nat().map(String),
  fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
  fc.constantFrom('0', '-1', '1.5', '1e3', ' 7', '0x10', '00012', '2147483647', '2147483648'),
);
/** A path segment: numeric-looking, arbitrary (encoded), or broken percent-encoding. */
const segment = fc.oneof(
  { weight: 3, arbitrary: userId.map(String) },
  numericText,
  // Lone surrogates cannot be percent-encoded: sent as U+FFFD, as a client's UTF-8 encoder would.
  text.filter((s) => s !== '').map((s) => encodeURIComponent(Buffer.from(s).toString())),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2F', 'null', 'undefined'),
);
/** Query values, a name given twice now and then. */
const queryOf = (names: string[], value: fc.Arbitrary<string>) =>
  fc
    .array(fc.tuple(mostly(fc.constantFrom(...names), fc.string({ maxLength: 8 })), mostly(value, text)), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ''));
const dateText = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.date({ noInvalidDate: true, min: new Date('1970-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString()),
  },
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-02-30', '2026-01-01T24:00:00Z', 'yesterday', '1', '-000001-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z'),
);

describeHosts('any input', { mountedOnly: true }, (ctx) => {
  let promocode = '';
  let conversionId = 0;
  beforeAll(async () => {
    promocode = (await ctx.tracker.getOrCreatePromo({ userId: 2_000_000_000 })).promocode;
    conversionId = (await ctx.tracker.recordConversion({ userId: 7, type: 'order', orderId: 'property-1', amount: 1_000_000 })).id;
  });
  // Read when generated: the promo exists only once `beforeAll` has run.
  const realCode = fc.constant(null).map(() => promocode);
  const code = () => mostly(realCode, fc.oneof(text, fc.constantFrom('NoSuchCode12', 'a'.repeat(65))));
  const scene = mostly(fc.integer({ min: 1000, max: 1200 }), fc.oneof(numericText, anything));
  const shortText = fc.string({ unit: 'binary', maxLength: 60 });
  const trackBody = () =>
    fc
      .record(
        {
          user_id: mostly(userId, integerLike),
          promocode: code(),
          scene,
          track_type: mostly(fc.constantFrom(1, 2), anything),
          detail: mostly(shortText, anything),
          event_id: mostly(
            shortText.filter((e) => e.length > 0),
            anything,
          ),
          referrer: anything,
        },
        { requiredKeys: ['user_id', 'promocode', 'scene'] },
      )
      .chain((full) =>
        fc
          .subarray(Object.keys(full))
          .map((keys) => (keys.length < 2 ? full : Object.fromEntries(keys.map((k) => [k, full[k as keyof typeof full]])))),
      );
  const body = <T>(likely: fc.Arbitrary<T>) =>
    fc.oneof(
      { weight: 4, arbitrary: likely.map((json): RequestOptions => ({ json })) },
      { weight: 1, arbitrary: fc.jsonValue().map((json): RequestOptions => ({ json })) },
      { weight: 1, arbitrary: text.map((raw): RequestOptions => ({ raw })) },
      { weight: 1, arbitrary: fc.constant<RequestOptions>({}) },
    );

  /** `writes`: the route may write, so a refusal is checked to have written nothing. */
  const check =
    (method: string, request: fc.Arbitrary<[string, RequestOptions]>, writes = method !== 'GET') =>
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async ([path, init]) => {
          await expectContractAnswer(ctx, method, path, init, writes);
        }),
        { numRuns: NUM_RUNS },
      );
    };
  const get = (path: fc.Arbitrary<string>) => path.map((p): [string, RequestOptions] => [p, {}]);

  it(
    'GET /tracks/:user_id/:promo_type',
    check('GET', get(fc.tuple(segment, segment, queryOf(['appid', 'page'], text)).map(([u, t, q]) => `/tracks/${u}/${t}${q}`)), true),
  );
  it(
    'POST /tracks',
    check(
      'POST',
      body(trackBody()).map((init): [string, RequestOptions] => ['/tracks', init]),
    ),
  );
  it(
    'POST /tracks/batch',
    check(
      'POST',
      body(fc.record({ events: fc.oneof(fc.array(trackBody(), { maxLength: 5 }), anything) }, { requiredKeys: [] })).map(
        (init): [string, RequestOptions] => ['/tracks/batch', init],
      ),
    ),
  );
  it(
    'POST /shares',
    check(
      'POST',
      body(
        fc.record(
          {
            user_id: mostly(fc.oneof(userId, fc.constant(null)), integerLike),
            share_type: mostly(fc.constantFrom(0, 1, 2), anything),
            page: mostly(shortText, anything),
            promocode: code(),
            event_id: mostly(
              shortText.filter((e) => e.length > 0),
              anything,
            ),
          },
          { requiredKeys: [] },
        ),
      ).map((init): [string, RequestOptions] => ['/shares', init]),
    ),
  );
  it('GET /promos/:promocode', check('GET', get(mostly(realCode, segment).map((c) => `/promos/${c}`))));
  for (const tail of ['referrer', 'attribution']) {
    it(`GET /users/:user_id/${tail}`, check('GET', get(segment.map((u) => `/users/${u}/${tail}`))));
  }
  it(
    'GET /users/:user_id/referrals',
    check('GET', get(fc.tuple(segment, queryOf(['limit', 'cursor'], numericText)).map(([u, q]) => `/users/${u}/referrals${q}`))),
  );
  it(
    'GET /stats',
    check('GET', get(queryOf(['user_id', 'promocode', 'appid', 'from', 'to'], fc.oneof(numericText, dateText)).map((q) => `/stats${q}`))),
  );
  it(
    'GET /leaderboard',
    check('GET', get(queryOf(['from', 'to', 'limit'], fc.oneof(numericText, dateText)).map((q) => `/leaderboard${q}`))),
  );
  it('DELETE /users/:user_id', check('DELETE', get(segment.map((u) => `/users/${u}`))));

  // Conversions: a few order ids, so that repeats (200) and the same key with other values (409) come up.
  const conversionType = mostly(fc.constantFrom('order', 'first_order', 'topup', 'phone_verified'), anything);
  it(
    'POST /conversions',
    check(
      'POST',
      body(
        fc.record(
          {
            user_id: mostly(fc.integer({ min: 1, max: 5 }), integerLike),
            type: conversionType,
            order_id: mostly(fc.constantFrom('o-1', 'o-2', 'o-3'), anything),
            amount: mostly(fc.integer({ min: 0, max: 3 }), integerLike),
            currency: mostly(fc.constantFrom('CNY', 'USD'), anything),
            occurred_at: mostly(fc.constant(new Date().toISOString()), fc.oneof(dateText, anything)),
            detail: mostly(shortText, anything),
          },
          { requiredKeys: ['user_id', 'type'] },
        ),
      ).map((init): [string, RequestOptions] => ['/conversions', init]),
    ),
  );
  const realConversion = fc.constant(null).map(() => String(conversionId));
  it(
    'POST /conversions/:id/refunds',
    check(
      'POST',
      fc
        .tuple(
          mostly(realConversion, segment),
          body(
            fc.record(
              {
                refund_id: mostly(fc.constantFrom('r-1', 'r-2', 'r-3'), anything),
                amount: mostly(fc.integer({ min: 1, max: 400_000 }), integerLike),
              },
              { requiredKeys: [] },
            ),
          ),
        )
        .map(([id, init]): [string, RequestOptions] => [`/conversions/${id}/refunds`, init]),
    ),
  );
  it(
    'GET /conversions',
    check(
      'GET',
      get(
        queryOf(['user_id', 'referrer', 'type', 'from', 'to', 'limit', 'cursor'], fc.oneof(numericText, dateText, text)).map(
          (q) => `/conversions${q}`,
        ),
      ),
    ),
  );
  it('GET /export/conversions.csv', check('GET', get(queryOf(['from', 'to'], dateText).map((q) => `/export/conversions.csv${q}`))));
  it(
    'GET /leaderboard ordered',
    check(
      'GET',
      get(
        queryOf(
          ['order_by', 'currency', 'limit'],
          fc.oneof(fc.constantFrom('referrals', 'conversions', 'revenue', 'CNY', 'USD', 'cny'), text),
        ).map((q) => `/leaderboard${q}`),
      ),
    ),
  );
});

/**
 * Every table a request may write, conversions and the outbox included, counted in one statement
 * (one round trip, not eleven); decisions as `countRows` counts them (purged tracks' and live ones').
 */
async function written(ctx: HostContext) {
  const count = (table: string) => sql`(select count(*) from ${sql.table(ctx.prefix + table)})`;
  const tables = ['promo', 'track', 'share', 'visitor', 'referral', 'conversion', 'conversion_refund', 'webhook_message'];
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(
    tables.map((table) => sql`${count(table)} as ${sql.ref(table)}`),
  )}, ${count('decision')} + (select count(*) from ${sql.table(`${ctx.prefix}track`)} where outcome is not null and referrer is not null) as decision,
    (select coalesce(sum(refunded_amount), 0) from ${sql.table(`${ctx.prefix}conversion`)}) as refunded`.execute(ctx.db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([name, n]) => [name, Number(n)]));
}

async function expectContractAnswer(ctx: HostContext, method: string, path: string, init: RequestOptions, writes: boolean) {
  const before = writes ? await written(ctx) : null;
  const res = await ctx.api(method, path, init);
  const what = `${method} ${path} ${JSON.stringify(init).slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  if (res.status < 400) return;
  const refusal = ctx.adapter.routerRefusal?.(`${ctx.adapter.mount}${path}`);
  if (refusal) expect([res.status, res.body?.code], what).toEqual([refusal.status, refusal.code]);
  else if (typeof res.body?.error === 'object') expect(CONTRACT_4XX, what).toContain(`${res.status} ${res.body.error.code}`);
  // Otherwise a path the URL parser rewrote (`.`, `..`) left promo-track's routes: the host's own 404
  // (Express's HTML page, Fastify's `{ error: 'Not Found' }`, …).
  else expect(res.status, what).toBe(404);
  if (before) expect(await written(ctx), what).toEqual(before);
}
