import { z } from 'zod';
import { readCursor } from './cursors.js';
import { ValidationError, type ValidationIssue } from './model/errors.js';

export const MAX_INT = 2_147_483_647;
export const MAX_BATCH = 1000;

const validDate = z.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date');

export const userIdSchema = z.number().int().min(1).max(MAX_INT);
const positiveInt = z.number().int().min(1).max(MAX_INT);
/**
 * PostgreSQL cannot store U+0000 in text, so it is refused on every database alike; so is a lone
 * UTF-16 surrogate, which no UTF-8 column can hold (PostgreSQL merged two of them into one value).
 */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain the character U+0000')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (it has a lone UTF-16 surrogate)');
/** With the `u` flag a paired surrogate reads as one code point, so only a lone one matches. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const optionalText = (max: number) => text(max).nullish();

/** A WeChat launch scene: a number or a numeric string, stored as a string. */
export const sceneSchema = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).transform(String),
  z.string().regex(/^\d{1,32}$/, 'must be a numeric WeChat scene value'),
], { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a WeChat scene value: a number or a numeric string') });

/**
 * A key that must compare the same on every database: MySQL's collations ignore trailing spaces
 * ('e1 ' = 'e1'), so keys with surrounding whitespace are refused rather than silently merged.
 */
const untrimmed = (max: number) => text(max).refine((s) => s.trim() === s, 'must not start or end with whitespace');

export const promocodeSchema = text(64).min(1);
export const eventIdSchema = untrimmed(64).min(1);

export const getOrCreatePromoSchema = z.object({
  userId: userIdSchema,
  promoType: positiveInt.default(1),
  appid: untrimmed(32).nullish().transform((v) => (v ? v : null)),
  page: optionalText(255).transform((v) => v ?? null),
});

export const recordTrackSchema = z.object({
  userId: userIdSchema,
  promocode: promocodeSchema,
  scene: sceneSchema,
  trackType: z.union([z.literal(1), z.literal(2)]).optional(),
  detail: optionalText(128).transform((v) => v ?? null),
  eventId: eventIdSchema.nullish().transform((v) => v ?? null),
  occurredAt: validDate.optional(),
});

export const recordTracksSchema = z.array(recordTrackSchema).max(MAX_BATCH);

export const recordShareSchema = z.object({
  userId: userIdSchema.nullish().transform((v) => v ?? null),
  shareType: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
  page: optionalText(255).transform((v) => v ?? null),
  promocode: promocodeSchema.nullish().transform((v) => v ?? null),
  eventId: eventIdSchema.nullish().transform((v) => v ?? null),
  occurredAt: validDate.optional(),
});

export const statsQuerySchema = z.object({
  userId: userIdSchema.optional(),
  promocode: promocodeSchema.optional(),
  appid: text(32).optional(),
  from: validDate.optional(),
  to: validDate.optional(),
});

export const leaderboardQuerySchema = z.object({
  from: validDate.optional(),
  to: validDate.optional(),
  limit: z.number().int().min(1).max(500).default(10),
});

export const listReferralsSchema = z.object({
  limit: z.number().int().min(1).max(500).default(50),
  cursor: text(128).refine((c) => readCursor(c) !== null, 'is not a cursor this API returned').nullish().transform((v) => v ?? null),
});

export const purgeSchema = z.object({ before: validDate });

export type ParsedTrackInput = z.output<typeof recordTrackSchema>;
export type ParsedShareInput = z.output<typeof recordShareSchema>;

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
