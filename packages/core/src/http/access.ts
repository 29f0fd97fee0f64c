import { ForbiddenError, UnauthorizedError } from '../model/errors.js';
import type { HttpHandlerOptions } from './types.js';

/**
 * Who is calling, asked lazily and at most once per request: `identify` and `admin` may be
 * costly (a session lookup), and most routes need only one of them.
 */
export class Access<Raw> {
  #userId?: Promise<number | undefined>;
  #admin?: Promise<boolean>;

  constructor(
    private readonly options: HttpHandlerOptions<Raw>,
    private readonly raw: Raw,
  ) {}

  /** The authenticated user's id; `undefined` when `identify` is not set, or when it found no one. */
  userId(): Promise<number | undefined> {
    const { identify } = this.options;
    this.#userId ??= identify ? Promise.resolve(identify(this.raw)).then(checkUserId) : Promise.resolve(undefined);
    return this.#userId;
  }

  isAdmin(): Promise<boolean> {
    const { admin } = this.options;
    this.#admin ??= admin ? Promise.resolve(admin(this.raw)).then((answer) => answer === true) : Promise.resolve(false);
    return this.#admin;
  }

  /** Every route: with `identify`, 401 for a caller it does not know (an operator passes). */
  async authenticate(): Promise<void> {
    if (!this.options.identify) return;
    if ((await this.userId()) !== undefined || (await this.isAdmin())) return;
    throw new UnauthorizedError();
  }

  /** The caller may act for these users: they are all the caller, or the caller is an operator. */
  async actFor(userIds: readonly number[]): Promise<void> {
    if (!this.options.identify) return;
    const userId = await this.userId();
    if (userId !== undefined && userIds.every((id) => id === userId)) return;
    if (await this.isAdmin()) return;
    throw new ForbiddenError(`Only user ${userId} may be named in this request`);
  }

  /** Operator-only routes, once the host has said who operators are (or who users are). */
  async requireAdmin(): Promise<void> {
    if (!this.options.admin && !this.options.identify) return;
    if (await this.isAdmin()) return;
    throw new ForbiddenError('This route is for operators only');
  }
}

function checkUserId(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new TypeError(`identify() must answer a positive integer user id or undefined, not ${JSON.stringify(value)}`);
}
