/** A SqliteDatabase for Kysely whose prepare() reuses statements (LRU), unless one is busy. */
export function withStatementCache(database, max = 200) {
  const cache = new Map();
  return {
    close: () => database.close(),
    prepare(sql) {
      let stmt = cache.get(sql);
      if (stmt && !stmt.busy) { cache.delete(sql); cache.set(sql, stmt); return stmt; }
      stmt = database.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value);
      return stmt;
    },
  };
}
