import { type DatabaseConnection, SqliteDialect, type Driver } from 'kysely';

/**
 * Kysely's SQLite dialect, handing its one connection to the next query only after a turn of the
 * event loop. better-sqlite3 runs each query synchronously, and Kysely passes the connection on in
 * a microtask: fifty queued reads (a flood of `GET /stats`) would run back to back, and no other
 * request (not even `/healthz`) would be read until the last one finished. With the turn, other
 * requests are served between any two queries (or transactions), at most one query's time later.
 */
export class YieldingSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    const release = driver.releaseConnection.bind(driver);
    driver.releaseConnection = async (connection: DatabaseConnection) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await release(connection);
    };
    return driver;
  }
}
