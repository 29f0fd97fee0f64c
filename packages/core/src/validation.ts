import { z } from 'zod';
import { readConversionCursor, readCursor, readFlagCursor, readRewardCursor } from './cursors.js';
import { ValidationError, type ValidationIssue } from './model/errors.js';

export const MAX_INT = 2_147_483_647;
export const MAX_BATCH = 1000;

/**
 * A field's every failure names what it expects (`track_type: expected 1 or 2`), and a missing
 * required field says so, rather than zod's generic "Invalid input".
 */
const expecting = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `expected ${what}`),
});

/** A whole number from `min` to `max` (NaN, as the wire's non-numeric text becomes, fails it too). */
export const wholeNumber = (min: number, max: number) => {
  const e = expecting(`a whole number from ${min} to ${max}`);
  return z.number(e).int(e).min(min, e).max(max, e);
};

export const userIdSchema = wholeNumber(1, MAX_INT);
const positiveInt = wholeNumber(1, MAX_INT);
/**
 * PostgreSQL cannot store U+0000 in text, so it is refused on every database alike; so is a lone
 * UTF-16 surrogate, which no UTF-8 column can hold (PostgreSQL merged two of them into one value).
 */
const text = (max: number) =>
  z
    .string(expecting(`a string of at most ${max} characters`))
    .max(max, expecting(`at most ${max} characters`))
    .refine((s) => !s.includes('\u0000'), 'must not contain the character U+0000')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (it has a lone UTF-16 surrogate)');
/** With the `u` flag a paired surrogate reads as one code point, so only a lone one matches. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const validDate = z.date(expecting('a Date')).refine((d) => !Number.isNaN(d.getTime()), 'expected a valid Date');
const optionalText = (max: number) => text(max).nullish();

/** A WeChat launch scene: a number or a numeric string, stored as a string. */
const sceneExpected = expecting('a WeChat scene value: a number or a numeric string, e.g. 1047');
export const sceneSchema = z.union(
  [z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).transform(String), z.string().regex(/^\d{1,32}$/, sceneExpected)],
  sceneExpected,
);

/**
 * A key that must compare the same on every database: MySQL's collations ignore trailing spaces
 * ('e1 ' = 'e1'), so keys with surrounding whitespace are refused rather than silently merged.
 */
const untrimmed = (max: number) => text(max).refine((s) => s.trim() === s, 'must not start or end with whitespace');

export const promocodeSchema = text(64).min(1, expecting('a promocode, e.g. "bldhNh2b"'));
export const eventIdSchema = untrimmed(64).min(1, expecting('a non-empty string of at most 64 characters'));

export const getOrCreatePromoSchema = z.object({
  userId: userIdSchema,
  promoType: positiveInt.default(1),
  appid: untrimmed(32)
    .nullish()
    .transform((v) => (v ? v : null)),
  page: optionalText(255).transform((v) => v ?? null),
});

/** `pregenerateCodes`: at most this many user ids a call. */
export const MAX_PREGENERATE = 10_000;

export const pregenerateCodesSchema = getOrCreatePromoSchema.omit({ userId: true }).extend({
  userIds: z
    .array(userIdSchema, expecting(`an array of user ids`))
    .min(1, expecting('at least one user id'))
    .max(MAX_PREGENERATE, expecting(`at most ${MAX_PREGENERATE} user ids`)),
});
/** A visit's or share's signals (docs/abuse.md); hashed at the edge, never stored raw. */
export const signalsSchema = z
  .object({
    ip: text(64)
      .nullish()
      .transform((v) => v || null),
    device: text(64)
      .nullish()
      .transform((v) => v || null),
  })
  .nullish()
  .transform((v) => v ?? null);

export const recordTrackSchema = z.object({
  userId: userIdSchema,
  promocode: promocodeSchema,
  scene: sceneSchema,
  trackType: z.literal([1, 2], expecting('1 or 2')).optional(),
  detail: optionalText(128).transform((v) => v ?? null),
  eventId: eventIdSchema.nullish().transform((v) => v ?? null),
  occurredAt: validDate.optional(),
  signals: signalsSchema,
});

export const recordTracksSchema = z.array(recordTrackSchema).max(MAX_BATCH);

export const recordShareSchema = z.object({
  userId: userIdSchema.nullish().transform((v) => v ?? null),
  shareType: z.literal([0, 1, 2], expecting('0, 1 or 2')).default(0),
  page: optionalText(255).transform((v) => v ?? null),
  promocode: promocodeSchema.nullish().transform((v) => v ?? null),
  eventId: eventIdSchema.nullish().transform((v) => v ?? null),
  occurredAt: validDate.optional(),
  signals: signalsSchema,
});

/** `from` inclusive, `to` exclusive: an empty range may be asked for, a reversed one is a mistake. */
const inOrder: [(r: { from?: Date; to?: Date }) => boolean, { path: string[]; message: string }] = [
  (r) => !(r.from && r.to && r.from.getTime() > r.to.getTime()),
  { path: ['from'], message: 'must not be after `to`' },
];

export const statsQuerySchema = z
  .object({
    userId: userIdSchema.optional(),
    promocode: promocodeSchema.optional(),
    appid: text(32).optional(),
    from: validDate.optional(),
    to: validDate.optional(),
  })
  .refine(...inOrder);

/** ISO 4217: three upper-case letters. */
export const currencySchema = z
  .string(expecting('a currency: three upper-case letters (ISO 4217), e.g. "CNY"'))
  .regex(/^[A-Z]{3}$/, expecting('a currency: three upper-case letters (ISO 4217), e.g. "CNY"'));
/** The host's name for a conversion's action. */
export const conversionTypeSchema = z
  .string(expecting('a type: 1 to 32 characters of a-z, 0-9, _ . -'))
  .regex(/^[a-z0-9_.-]{1,32}$/, expecting('a type: 1 to 32 characters of a-z, 0-9, _ . -'));
/** Conversion ids are BIGINT on PostgreSQL and MySQL. */
export const conversionIdSchema = wholeNumber(1, Number.MAX_SAFE_INTEGER);
export const MAX_AMOUNT = 1_000_000_000_000;

export const leaderboardQuerySchema = z
  .object({
    from: validDate.optional(),
    to: validDate.optional(),
    limit: wholeNumber(1, 500).default(10),
    orderBy: z.enum(['referrals', 'conversions', 'revenue'], expecting('"referrals", "conversions" or "revenue"')).default('referrals'),
    currency: currencySchema.default('CNY'),
  })
  .refine(...inOrder);

export const recordConversionSchema = z.object({
  userId: userIdSchema,
  type: conversionTypeSchema,
  orderId: eventIdSchema.nullish().transform((v) => v ?? null),
  amount: wholeNumber(0, MAX_AMOUNT).default(0),
  currency: currencySchema.default('CNY'),
  occurredAt: validDate.optional(),
  detail: optionalText(255).transform((v) => v ?? null),
});

export const conversionRefSchema = z.union(
  [z.object({ conversionId: conversionIdSchema }).strict(), z.object({ type: conversionTypeSchema, orderId: eventIdSchema }).strict()],
  expecting('{ conversionId } or { type, orderId }'),
);

export const refundSchema = z.object({
  refundId: eventIdSchema,
  amount: wholeNumber(1, MAX_AMOUNT).optional(),
});

export const listConversionsSchema = z
  .object({
    userId: userIdSchema.optional(),
    referrerId: userIdSchema.optional(),
    type: conversionTypeSchema.optional(),
    from: validDate.optional(),
    to: validDate.optional(),
    limit: wholeNumber(1, 500).default(50),
    cursor: text(128)
      .refine((c) => readConversionCursor(c) !== null, 'is not a cursor this API returned')
      .nullish()
      .transform((v) => v ?? null),
  })
  .refine(...inOrder);

export const exportQuerySchema = z
  .object({
    from: validDate.optional(),
    to: validDate.optional(),
  })
  .refine(...inOrder);

export const listReferralsSchema = z.object({
  limit: wholeNumber(1, 500).default(50),
  cursor: text(128)
    .refine((c) => readCursor(c) !== null, 'is not a cursor this API returned')
    .nullish()
    .transform((v) => v ?? null),
});

export const listWebhookMessagesSchema = z.object({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: z.number().int().min(1).max(500).default(50),
  cursor: text(128)
    .nullish()
    .transform((v) => v ?? null),
});

export const purgeSchema = z.object({ before: validDate });

const rewardStatus = z.enum(
  ['held', 'payable', 'settled', 'reversed', 'voided'],
  expecting("'held', 'payable', 'settled', 'reversed' or 'voided'"),
);
/** A reward's id: a row id (BIGINT), checked against the safe range before any query. */
export const rewardIdSchema = wholeNumber(1, Number.MAX_SAFE_INTEGER);

export const listRewardsSchema = z.object({
  userId: userIdSchema.optional(),
  status: rewardStatus.optional(),
  limit: wholeNumber(1, 500).default(50),
  cursor: text(128)
    .refine((c) => readRewardCursor(c) !== null, 'is not a cursor this API returned')
    .nullish()
    .transform((v) => v ?? null),
});

export const settleRewardsSchema = z.object({ ids: z.array(rewardIdSchema).min(1, expecting('at least one id')).max(MAX_BATCH) });
export const voidRewardSchema = z.object({ note: optionalText(255).transform((v) => v ?? null) });
export const exportRewardsSchema = exportQuerySchema.extend({ status: rewardStatus.optional() });

export const listFlaggedSchema = z.object({
  status: z.enum(['open', 'released', 'voided'], expecting("'open', 'released' or 'voided'")).optional(),
  limit: wholeNumber(1, 500).default(50),
  cursor: text(128)
    .refine((c) => readFlagCursor(c) !== null, 'is not a cursor this API returned')
    .nullish()
    .transform((v) => v ?? null),
});

export const resolveFlagsSchema = z.object({
  action: z.enum(['release', 'void'], expecting("'release' or 'void'")),
  note: optionalText(255).transform((v) => v ?? null),
});

export type ParsedTrackInput = z.output<typeof recordTrackSchema>;
export type ParsedShareInput = z.output<typeof recordShareSchema>;
export type ParsedConversionInput = z.output<typeof recordConversionSchema>;

export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** Parses `input` or throws a `ValidationError` whose issue paths start with `prefix`. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = toIssues(result.error);
  throw new ValidationError(prefix ? issues.map((i) => ({ ...i, path: i.path ? `${prefix}.${i.path}` : prefix })) : issues);
}
