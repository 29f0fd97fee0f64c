/** A double-quoted identifier (SQLite and PostgreSQL; table names are validated at creation). */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export const TRACK_COLUMNS = '(track_type, scene, detail, user_id, promocode, referrer, event_id, created_at, outcome)';

/** A MySQL/MariaDB identifier, quoted. */
export const backtick = (name: string) => `\`${name.replace(/`/g, '``')}\``;
