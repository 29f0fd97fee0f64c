import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.js';

/** Inserts a row and answers its generated id. */
export async function insertRow(db: Kysely<any>, d: Dialect, table: string, row: Record<string, unknown>): Promise<number> {
  if (d.returning) {
    const { id } = await db.insertInto(table).values(row).returning('id').executeTakeFirstOrThrow();
    return Number(id);
  }
  const result = await db.insertInto(table).values(row).executeTakeFirstOrThrow();
  return Number(result.insertId);
}

/**
 * Inserts a row unless it would break a unique key, using the database's own conflict handling
 * (never check-then-insert). Answers the generated id (`key` when the table has no id column),
 * or `null` when a row with that key already exists.
 */
export async function insertIfAbsent(
  db: Kysely<any>,
  d: Dialect,
  table: string,
  row: Record<string, unknown>,
  key: string = 'id',
): Promise<number | null> {
  if (d.returning) {
    const inserted = await db
      .insertInto(table)
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returning(key)
      .executeTakeFirst();
    return inserted ? Number(inserted[key]) : null;
  }
  // MySQL: INSERT IGNORE reports 0 affected rows for a duplicate, whatever the client's
  // FOUND_ROWS flag (ON DUPLICATE KEY UPDATE x = x counts the match as a row under that flag).
  // Inputs are validated before they get here, so IGNORE never hides a truncation.
  const result = await db.insertInto(table).values(row).ignore().executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return null;
  return key === 'id' ? Number(result.insertId) : Number(row[key]);
}
