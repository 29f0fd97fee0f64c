import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Wraps a better-sqlite3 database for Kysely's `SqliteDialect` so that each SQL text is prepared
 * once and its statement reused (Kysely's SQLite driver prepares every query again, and preparing
 * can cost more than running it). Give the wrapped object to `SqliteDialect` only; keep using the
 * database itself for anything else.
 *
 * ```ts
 * new SqliteDialect({ database: withStatementCache(new Database('app.db')) })
 * ```
 *
 * The most recently used `max` statements are kept; a statement still being iterated (a Kysely
 * `stream()`) is never handed out twice.
 */
export function withStatementCache(database: SqliteDatabase, max = 256): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !(cached as { busy?: boolean }).busy) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}
