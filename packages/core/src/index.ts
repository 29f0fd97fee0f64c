/**
 * Referral and promotion tracking over the host's own Kysely database (SQLite, PostgreSQL or
 * MySQL): `createTracker` and the tracker's methods, its records and errors, the framework-free
 * HTTP handler the adapters are built on, and the WeChat mini-program code generator.
 *
 * Every error class is one identity across `import` and `require`: `instanceof` holds whichever
 * build of the package made the error. How visits are credited, and every attribution outcome,
 * is explained in `docs/attribution.md`. `npx promo-track sql --dialect postgres` prints the SQL
 * that `migrate()` runs.
 *
 * @packageDocumentation
 * @module @promo-track/core
 */
export { createTracker } from './tracker.js';
export { withStatementCache } from './sqlite-statement-cache.js';
export {
  ConflictError,
  ERROR_STATUS,
  ForbiddenError,
  NotFoundError,
  NotMigratedError,
  StorageError,
  TrackError,
  UnauthorizedError,
  UnknownPromocodeError,
  ValidationError,
} from './model/errors.js';
export type { TrackErrorCode, ValidationIssue } from './model/errors.js';
export { SCENES, sceneLabel } from './scenes.js';
export type * from './model/types.js';
export type { AbuseFlag, AbuseOptions, FlaggedReferee, FlagMatch, FlagStatus, ListFlaggedOptions, Signals } from './model/abuse.js';
export type {
  ListRewardsOptions,
  Reward,
  RewardBalance,
  RewardDecision,
  RewardExportQuery,
  RewardOutcome,
  RewardRule,
  RewardStatus,
  RewardTrigger,
} from './model/rewards.js';
export type { WxacodeBudget, WxacodeGenerator, WxacodeRequest, WxacodeStore } from './model/wxacode.js';
export { createWxacodeGenerator } from './wxacode/generator.js';
export { createFileStore } from './wxacode/file-store.js';
export type { FileStoreOptions } from './wxacode/file-store.js';
export type { WxacodeEnvVersion, WxacodeGeneratorOptions } from './wxacode/options.js';
export { WxacodeError } from './wxacode/errors.js';
export type { WxacodeApi, WxacodeErrorKind } from './wxacode/errors.js';
export {
  belowPrefix,
  createHttpHandler,
  HTTP_ERROR_STATUS,
  HttpBodyError,
  MAX_BODY_BYTES,
  parseJsonBody,
  queryText,
  readJsonBody,
  readRequestJsonBody,
} from './http/index.js';
export type {
  BodyStream,
  HttpErrorBody,
  HttpErrorCode,
  HttpHandler,
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  Plugin,
  PluginRequest,
  PluginRoute,
  HttpRoute,
} from './http/index.js';
