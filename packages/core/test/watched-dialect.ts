import type { CompiledQuery, DatabaseConnection, Dialect, Driver, Kysely, TransactionSettings } from 'kysely';

/**
 * A dialect that watches its connections: every statement a connection sends is counted, BEGIN and
 * COMMIT included (Kysely's drivers send those through `executeQuery` too), and a test may hold a
 * statement's answer (`after`) to let another caller in between two statements of one call.
 */
export class WatchedDialect implements Dialect {
  sent: string[] = [];
  /** Run after each statement's answer, before the caller has it: a test may hold it there. */
  after: (sql: string) => Promise<void> | void = () => undefined;
  constructor(private readonly inner: Dialect) {}
  createAdapter = () => this.inner.createAdapter();
  createIntrospector = (db: Kysely<any>) => this.inner.createIntrospector(db);
  createQueryCompiler = () => this.inner.createQueryCompiler();
  createDriver(): Driver {
    const driver = this.inner.createDriver();
    const sent = this.sent;
    const after = (sql: string) => this.after(sql);
    const counted = new WeakMap<DatabaseConnection, DatabaseConnection>();
    const originals = new WeakMap<DatabaseConnection, DatabaseConnection>();
    const wrap = (c: DatabaseConnection): DatabaseConnection => {
      const known = counted.get(c);
      if (known) return known;
      const w: DatabaseConnection = {
        executeQuery: async <R>(q: CompiledQuery) => {
          sent.push(q.sql);
          const answer = await c.executeQuery<R>(q);
          await after(q.sql);
          return answer;
        },
        streamQuery: (q, chunk) => (sent.push(q.sql), c.streamQuery(q, chunk)),
      };
      counted.set(c, w);
      originals.set(w, c);
      return w;
    };
    const original = (w: DatabaseConnection) => originals.get(w) ?? w;
    // The driver's own BEGIN/COMMIT go through the wrapped connection's `executeQuery` (counted);
    // releasing hands the driver back its own connection object.
    return {
      init: () => driver.init(),
      acquireConnection: async () => wrap(await driver.acquireConnection()),
      beginTransaction: (c: DatabaseConnection, s: TransactionSettings) => driver.beginTransaction(c, s),
      commitTransaction: (c: DatabaseConnection) => driver.commitTransaction(c),
      rollbackTransaction: (c: DatabaseConnection) => driver.rollbackTransaction(c),
      releaseConnection: (c: DatabaseConnection) => driver.releaseConnection(original(c)),
      destroy: () => driver.destroy(),
    };
  }
}
