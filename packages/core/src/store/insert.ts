import type { Kysely } from 'kysely';
import { builtOnce, runCompiled } from './compiled.js';
import type { Dialect } from './dialects/dialect.js';

/** SQL of each insert shape (table, columns, mode) per dialect, compiled by Kysely once and run with each row's values. */
const shapesOf = builtOnce((_: Dialect) => new Map<string, string>());

function insertSql(db: Kysely<any>, d: Dialect, table: string, columns: string[], ifAbsent: boolean, key: string): string {
  const shapes = shapesOf(d);
  const shape = `${table}\u0000${ifAbsent}\u0000${key}\u0000${columns.join(',')}`;
  let text = shapes.get(shape);
  if (text === undefined) {
    const insert = db.insertInto(table).values(Object.fromEntries(columns.map((c) => [c, null])));
    // A conflict on a unique key inserts nothing: ON CONFLICT DO NOTHING, or MySQL's INSERT IGNORE
    // (inputs are validated before they get here, so IGNORE never hides a truncation).
    const guarded = !ifAbsent ? insert : d.returning ? insert.onConflict((oc) => oc.doNothing()) : insert.ignore();
    text = (d.returning ? guarded.returning(key) : guarded).compile().sql;
    if (shapes.size >= 512) shapes.clear();
    shapes.set(shape, text);
  }
  return text;
}

function run(db: Kysely<any>, d: Dialect, table: string, row: Record<string, unknown>, ifAbsent: boolean, key: string) {
  const columns = Object.keys(row).filter((c) => row[c] !== undefined);
  return runCompiled<Record<string, unknown>>(
    db,
    insertSql(db, d, table, columns, ifAbsent, key),
    columns.map((c) => row[c]),
  );
}

/** Inserts a row and answers its generated id. */
export async function insertRow(db: Kysely<any>, d: Dialect, table: string, row: Record<string, unknown>): Promise<number> {
  const result = await run(db, d, table, row, false, 'id');
  return Number(d.returning ? result.rows[0]!.id : result.insertId);
}

/**
 * Inserts a row unless it would break a unique key, by the database's own conflict handling (never
 * check-then-insert). Answers the generated id (`key` when the table has no id column), or `null`
 * when a row with that key already exists.
 */
export async function insertIfAbsent(
  db: Kysely<any>,
  d: Dialect,
  table: string,
  row: Record<string, unknown>,
  key = 'id',
): Promise<number | null> {
  const result = await run(db, d, table, row, true, key);
  if (d.returning) return result.rows.length ? Number(result.rows[0]![key]) : null;
  // INSERT IGNORE reports 0 affected rows for a duplicate, whatever the client's FOUND_ROWS flag.
  if (Number(result.numAffectedRows ?? 0) === 0) return null;
  return key === 'id' ? Number(result.insertId) : Number(row[key]);
}
