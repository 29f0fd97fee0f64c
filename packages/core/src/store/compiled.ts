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

