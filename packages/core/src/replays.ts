const replayed = new WeakSet<object>();

/** Marks a record that answers a repeated `eventId` (read back, not written by this call). */
export function markReplayed<T extends object>(record: T): T {
  replayed.add(record);
  return record;
}

/** True for a record `recordTrack` read back for a repeated `eventId` (HTTP answers 200, not 201). */
export function isReplayed(record: object): boolean {
  return replayed.has(record);
}
