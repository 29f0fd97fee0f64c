import type { Kysely } from 'kysely';
import { isPlainValue, runCompiled } from './compiled.js';
import type { Dialect } from './dialects/dialect.js';

type Mode = 'row' | 'ifAbsent';

/**
 * SQL text of each insert shape (dialect, table, columns, mode), compiled by Kysely the first time
 * and reused: the hot paths insert the same few shapes over and over. A shape is only kept when
 * Kysely's parameters are exactly the row's values in order, so reuse sends what Kysely would.
 */
const shapes = new Map<string, string | false>();
const MAX_SHAPES = 512;

async function insertCompiled(
  db: Kysely<any>,
  d: Dialect,
  table: string,
  row: Record<string, unknown>,
  mode: Mode,
  key: string,
  build: () => { compile(): { sql: string; parameters: readonly unknown[] } },
) {
  const columns = Object.keys(row).filter((c) => row[c] !== undefined);
  const values = columns.map((c) => row[c]);
  const shape = `${d.name}\u0000${table}\u0000${mode}\u0000${key}\u0000${columns.join(',')}`;
  let text = values.every(isPlainValue) ? shapes.get(shape) : false;
  if (text === undefined) {
    const compiled = build().compile();
    const same = compiled.parameters.length === values.length && compiled.parameters.every((p, i) => p === values[i]);
    text = same ? compiled.sql : false;
    if (shapes.size < MAX_SHAPES) shapes.set(shape, text);
  }
  if (text === false) return null;
  return runCompiled<Record<string, unknown>>(db, text, values);
}

/** Inserts a row and answers its generated id. */
export async function insertRow(db: Kysely<any>, d: Dialect, table: string, row: Record<string, unknown>): Promise<number> {
  if (d.returning) {
    const fast = await insertCompiled(db, d, table, row, 'row', 'id', () => db.insertInto(table).values(row).returning('id'));
    if (fast) return Number(fast.rows[0].id);
    const { id } = await db.insertInto(table).values(row).returning('id').executeTakeFirstOrThrow();
    return Number(id);
  }
  const fast = await insertCompiled(db, d, table, row, 'row', 'id', () => db.insertInto(table).values(row));
  if (fast) return Number(fast.insertId);
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
    const fast = await insertCompiled(db, d, table, row, 'ifAbsent', key, () =>
      db
        .insertInto(table)
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .returning(key),
    );
    if (fast) return fast.rows.length ? Number(fast.rows[0][key]) : null;
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
  const fast = await insertCompiled(db, d, table, row, 'ifAbsent', key, () => db.insertInto(table).values(row).ignore());
  const result = fast
    ? { affected: fast.numAffectedRows, insertId: fast.insertId }
    : await db
        .insertInto(table)
        .values(row)
        .ignore()
        .executeTakeFirst()
        .then((r) => ({ affected: r.numInsertedOrUpdatedRows, insertId: r.insertId }));
  if (Number(result.affected ?? 0) === 0) return null;
  return key === 'id' ? Number(result.insertId) : Number(row[key]);
}
