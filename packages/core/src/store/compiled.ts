import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';

/**
 * Hot-path queries are SQL text built once per tracker (or once per shape, see insert.ts) and
 * executed with each call's parameters, so a call pays for no query building or compiling.
 */
export function runCompiled<R = Record<string, unknown>>(
  db: Kysely<any>,
  sqlText: string,
  parameters: readonly unknown[],
): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(sqlText, parameters as unknown[]));
}

const texts = new WeakMap<object, Map<string, string>>();

/**
 * SQL text of one shape (a table set and row counts, say), built once per owner (a tracker's
 * context): rebuilding and rehashing a long text on every call costs more than a small statement.
 */
export function sqlText(owner: object, shape: string, build: () => string): string {
  let kept = texts.get(owner);
  if (!kept) texts.set(owner, (kept = new Map()));
  let text = kept.get(shape);
  if (text === undefined) {
    text = build();
    if (kept.size >= 256) kept.clear();
    kept.set(shape, text);
  }
  return text;
}
