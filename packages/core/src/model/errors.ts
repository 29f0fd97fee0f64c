/** Stable error codes, the one table from which every status is derived. */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_promocode: 422,
  storage_unavailable: 503,
  not_migrated: 503,
} as const;

export type TrackErrorCode = keyof typeof ERROR_STATUS;

export interface ValidationIssue {
  path: string;
  message: string;
}

export class TrackError extends Error {
  readonly code: TrackErrorCode;
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

export class ValidationError extends TrackError {
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], message?: string) {
    super('validation_failed', message ?? describeIssues(issues));
    this.issues = issues;
  }
}

export class NotFoundError extends TrackError {
  constructor(message = 'Not found') {
    super('not_found', message);
  }
}

export class UnknownPromocodeError extends TrackError {
  readonly promocode: string;
  /** Names the input it concerns (`promocode`, in a batch `3.promocode`), so a client can drop just that one. */
  readonly issues: ValidationIssue[];

  constructor(promocode: string, path = 'promocode') {
    super('unknown_promocode', `Unknown promocode "${promocode}"`);
    this.promocode = promocode;
    this.issues = [{ path, message: 'is not a promocode of this service' }];
  }
}

export class UnauthorizedError extends TrackError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends TrackError {
  constructor(message = 'Not allowed') {
    super('forbidden', message);
  }
}

export class StorageError extends TrackError {
  constructor(message = 'The database cannot be reached', options?: { cause?: unknown }) {
    super('storage_unavailable', message, options);
  }
}

/** `not_migrated` (503): the library's tables are missing or older than this version; call `tracker.migrate()`. */
export class NotMigratedError extends TrackError {
  constructor(message = "promo-track's tables are missing or older than this version: call `await tracker.migrate()` before using the tracker", options?: { cause?: unknown }) {
    super('not_migrated', message, options);
  }
}

/** Marks promo-track's error classes in every copy of the library: `Symbol.for` is one registry per process. */
const ERROR_CLASS_BRAND = Symbol.for('@promo-track/core.error-class');
/** Brands an error class (and so its subclasses); give it `static [Symbol.hasInstance]` calling `isErrorClassInstance`. */
export const brandErrorClass = (cls: abstract new (...args: never[]) => Error): void => void Object.defineProperty(cls, ERROR_CLASS_BRAND, { value: true });
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
