export { createTracker } from './tracker.js';
export { withStatementCache } from './sqlite-statement-cache.js';
export {
  ERROR_STATUS,
  ForbiddenError,
  NotFoundError,
  NotMigratedError,
  StorageError,
  TrackError,
  UnauthorizedError,
  UnknownPromocodeError,
  ValidationError,
} from './errors.js';
export type { TrackErrorCode, ValidationIssue } from './errors.js';
export { SCENES, sceneLabel } from './scenes.js';
export type * from './types.js';
export type { WxacodeGenerator, WxacodeRequest, WxacodeStore } from './wxacode/types.js';
export { createWxacodeGenerator } from './wxacode/generator.js';
export { createFileStore } from './wxacode/file-store.js';
export type { FileStoreOptions } from './wxacode/file-store.js';
export type { WxacodeEnvVersion, WxacodeGeneratorOptions } from './wxacode/options.js';
export { WxacodeError } from './wxacode/errors.js';
export type { WxacodeApi, WxacodeErrorKind } from './wxacode/errors.js';
export {
  createHttpHandler,
  HTTP_ERROR_STATUS,
  HttpBodyError,
  MAX_BODY_BYTES,
  readJsonBody,
} from './http/index.js';
export type {
  BodyStream,
  HttpErrorBody,
  HttpErrorCode,
  HttpHandler,
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
} from './http/index.js';
