/** Stable error codes, the one table from which every status is derived. */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unknown_promocode: 422,
  storage_unavailable: 503,
  not_migrated: 503,
} as const;

/** The stable `code` of a `TrackError`, as the wire's `error.code` carries it. */
export type TrackErrorCode = keyof typeof ERROR_STATUS;

/** One problem with an input. */
export interface ValidationIssue {
  /** Where: field names joined by `.` (`promocode`, `events.3.user_id`); `''` for the input as a whole. */
  path: string;
  /** What is wrong, e.g. `expected 1 or 2`. */
  message: string;
}

/** The base of every error the tracker throws on purpose; catch it to answer with `status` and `code`. */
export class TrackError extends Error {
  /** The stable machine-readable code, e.g. `validation_failed`. */
  readonly code: TrackErrorCode;
  /** The HTTP status that goes with `code` (400, 401, 403, 404, 409, 422 or 503). */
  readonly status: number;

  /** `instanceof` holds across the ESM and CommonJS builds of the library (see `isErrorClassInstance`). @hidden */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isErrorClassInstance(this, value);
  }

  constructor(code: TrackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}

/** `validation_failed` (400): bad input, checked before any query; `issues` says what and where. */
export class ValidationError extends TrackError {
  /** Every problem found, at least one in practice. */
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], message?: string) {
    super('validation_failed', message ?? describeIssues(issues));
    this.issues = issues;
  }
}

/** `not_found` (404): no such promo or referral. */
export class NotFoundError extends TrackError {
  constructor(message = 'Not found') {
    super('not_found', message);
  }
}

/**
 * `conflict` (409): the request contradicts what is stored: a conversion's `(type, orderId)` recorded
 * for another user, amount or currency; a reward in a status that refuses the change (`issues` names
 * each refused item, `ids.2`); a webhook message redelivered whose endpoint is no longer configured.
 * Nothing was written.
 */
export class ConflictError extends TrackError {
  /** The items refused and why (empty when the message says it all). */
  readonly issues: ValidationIssue[];

  constructor(message = 'Conflict', issues: ValidationIssue[] = []) {
    super('conflict', message);
    this.issues = issues;
  }
}

/** `unknown_promocode` (422): a track or share names a promocode that does not exist; nothing is written. */
export class UnknownPromocodeError extends TrackError {
  /** The code that was not found. */
  readonly promocode: string;
  /** Names the input it concerns (`promocode`, in a batch `3.promocode`), so a client can drop just that one. */
  readonly issues: ValidationIssue[];

  constructor(promocode: string, path = 'promocode') {
    super('unknown_promocode', `Unknown promocode "${promocode}"`);
    this.promocode = promocode;
    this.issues = [{ path, message: 'is not a promocode of this service' }];
  }
}

/** `unauthorized` (401): an adapter has `identify` and it found no user. */
export class UnauthorizedError extends TrackError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}

/**
 * `forbidden` (403): the authenticated user may not act for that user id, or the route is for
 * operators and `admin` did not answer true.
 */
export class ForbiddenError extends TrackError {
  constructor(message = 'Not allowed') {
    super('forbidden', message);
  }
}

/** `storage_unavailable` (503): the database cannot be reached; nothing was half-written. */
export class StorageError extends TrackError {
  constructor(message = 'The database cannot be reached', options?: { cause?: unknown }) {
    super('storage_unavailable', message, options);
  }
}

/** `not_migrated` (503): the library's tables are missing or older than this version; call `tracker.migrate()`. */
export class NotMigratedError extends TrackError {
  constructor(
    message = "promo-track's tables are missing or older than this version: call `await tracker.migrate()` before using the tracker",
    options?: { cause?: unknown },
  ) {
    super('not_migrated', message, options);
  }
}

/** Marks promo-track's error classes in every copy of the library: `Symbol.for` is one registry per process. */
const ERROR_CLASS_BRAND = Symbol.for('@promo-track/core.error-class');
/** Brands an error class (and so its subclasses); give it `static [Symbol.hasInstance]` calling `isErrorClassInstance`. */
export const brandErrorClass = (cls: abstract new (...args: never[]) => Error): void =>
  void Object.defineProperty(cls, ERROR_CLASS_BRAND, { value: true });
brandErrorClass(TrackError);

/**
 * `value instanceof cls`, also when `value` comes from the library's other build (an app that both
 * imports and requires it): some class on its prototype chain is branded and has `cls`'s name.
 */
export function isErrorClassInstance(cls: abstract new (...args: never[]) => unknown, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true;
  for (let p = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : null; p; p = Object.getPrototypeOf(p)) {
    const ctor: unknown = Object.hasOwn(p, 'constructor') ? p.constructor : undefined;
    if (typeof ctor === 'function' && (ctor as { [ERROR_CLASS_BRAND]?: true })[ERROR_CLASS_BRAND] && ctor.name === cls.name) return true;
  }
  return false;
}

function describeIssues(issues: ValidationIssue[]): string {
  if (issues.length === 0) return 'Invalid input';
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}
