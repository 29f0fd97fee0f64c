export { createHttpHandler } from './handler.js';
export { belowPrefix } from './mount.js';
export { HTTP_ERROR_STATUS, HttpBodyError } from './errors.js';
export type { HttpErrorBody, HttpErrorCode } from './errors.js';
export { MAX_BODY_BYTES, parseJsonBody, readJsonBody } from './read-json-body.js';
export type { BodyStream } from './read-json-body.js';
export { readRequestJsonBody } from './read-web-body.js';
export { queryText } from './query-text.js';
export type { HttpHandler, HttpHandlerOptions, HttpRequest, HttpResponse, HttpRoute, Plugin, PluginRequest, PluginRoute } from './types.js';
