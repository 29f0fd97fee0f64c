export { createTracker } from './tracker.js';
export {
  ERROR_STATUS,
  ForbiddenError,
  NotFoundError,
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
