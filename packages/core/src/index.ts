export { createTracker } from './tracker.js';
export { withStatementCache } from './sqlite-statement-cache.js';
export {
  ERROR_STATUS,
  ForbiddenError,
  NotFoundError,
  StorageError,
  TrackError,
  UnauthorizedError,
  UnknownPromocodeError,
  ValidationError,
} from './model/errors.js';
export type { TrackErrorCode, ValidationIssue } from './model/errors.js';
export { SCENES, sceneLabel } from './scenes.js';
export type * from './model/types.js';
export type { WxacodeGenerator, WxacodeRequest, WxacodeStore } from './model/wxacode.js';
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
