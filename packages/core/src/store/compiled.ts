import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';

/**
 * Hot-path queries are SQL text built once (per tracker, see `builtOnce`) and executed with each
 * call's parameters, so a call pays for no query building or compiling.
 */
export function runCompiled<R = Record<string, unknown>>(
  db: Kysely<any>,
  sqlText: string,
  parameters: readonly unknown[],
): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(sqlText, parameters as unknown[]));
}

/**
 * The one way the store keeps SQL text: `build` runs once per key — a tracker's `StoreContext`,
 * or its `TableNames` in the dialect objects, or a dialect — and its answer is reused for as long
 * as the key lives. SQL compiled by Kysely (`….compile().sql`) or written by hand alike.
 */
export function builtOnce<K extends object, T>(build: (key: K) => T): (key: K) => T {
  const built = new WeakMap<K, T>();
  return (key) => {
    let value = built.get(key);
    if (value === undefined) built.set(key, (value = build(key)));
    return value;
  };
}
