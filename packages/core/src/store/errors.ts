import { StorageError, TrackError } from '../model/errors.js';
import { isUnreachable } from './dialects/unreachable.js';

/** Our own errors pass through; a database that cannot be reached becomes `StorageError`. */
export function toStorageError(error: unknown): unknown {
  if (error instanceof TrackError) return error;
  if (isUnreachable(error)) return new StorageError(undefined, { cause: error });
  return error;
}

/** Runs `work`; a database that cannot be reached fails it with `StorageError` (see toStorageError). */
export async function withStorageErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toStorageError(error);
  }
}
