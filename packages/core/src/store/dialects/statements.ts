import type { TableNames } from '../../schema/table-names.js';

/** SQL text built once per table prefix and kept (table names are fixed at `createTracker`). */
export function perTables<T>(build: (t: TableNames) => T): (t: TableNames) => T {
  const built = new Map<string, T>();
  return (t) => {
    let value = built.get(t.track);
    if (value === undefined) built.set(t.track, (value = build(t)));
    return value;
  };
}

/** A double-quoted identifier (SQLite and PostgreSQL; table names are validated at creation). */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export const TRACK_COLUMNS = '(track_type, scene, detail, user_id, promocode, referrer, event_id, created_at, outcome)';
