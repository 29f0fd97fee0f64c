/**
 * An experiment, off by default (`--statement-cache`): Kysely's SqliteDialect prepares every query
 * again (`database.prepare(sql)` per call), and a library on top of Kysely cannot reach the
 * better-sqlite3 handle to keep prepared statements. A host can: this wraps the handle it gives
 * to SqliteDialect so that `prepare` reuses statements (LRU), unless one is still iterating.
 */
export function withStatementCache(database, max = 256) {
  const cache = new Map();
  return {
    close: () => database.close(),
    prepare(sql) {
      let stmt = cache.get(sql);
      if (stmt && !stmt.busy) {
        cache.delete(sql);
        cache.set(sql, stmt);
        return stmt;
      }
      stmt = database.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value);
      return stmt;
    },
  };
}
