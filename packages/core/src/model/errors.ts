/** Stable error codes, the one table from which every status is derived. */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_promocode: 422,
  storage_unavailable: 503,
} as const;

export type TrackErrorCode = keyof typeof ERROR_STATUS;

export interface ValidationIssue {
  path: string;
  message: string;
}

export class TrackError extends Error {
  readonly code: TrackErrorCode;
  readonly status: number;

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

function describeIssues(issues: ValidationIssue[]): string {
  if (issues.length === 0) return 'Invalid input';
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}
