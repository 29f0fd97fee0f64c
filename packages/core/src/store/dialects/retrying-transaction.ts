import type { Kysely, Transaction } from 'kysely';
import type { Shortcut } from './dialect.js';

const MAX_ATTEMPTS = 6;

/**
 * A server database's write: the shortcut statement first when there is one (atomic on its own),
 * else (or when it met a deadlock) `work` in one transaction, run again (up to 6 attempts, after a random pause that doubles each time) when the database rolled it back
 * for a deadlock or a serialization conflict (`retryable`, from the dialect).
 */
export async function retryingTransaction<T>(
  db: Kysely<any>,
  begin: (db: Kysely<any>) => { execute<R>(work: (trx: Transaction<any>) => Promise<R>): Promise<R> },
  retryable: (error: unknown) => boolean,
  work: (trx: Kysely<any>) => Promise<T>,
  shortcut?: Shortcut<T>,
): Promise<T> {
  if (shortcut) {
    try {
      const done = await shortcut(db);
      if (done !== null) return done;
    } catch (error) {
      // One statement rolled back for a deadlock wrote nothing: the transaction runs instead.
      if (!retryable(error)) throw error;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await begin(db).execute(work);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !retryable(error)) throw error;
      // Two callers that met in a deadlock and come back at once meet again: spread them out.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** attempt));
    }
  }
}

/** Kysely's migrator lists every table; a concurrent CREATE in another process can fail that: run again. */
export async function migrateWithRetries(run: () => Promise<void>, unreachable: (error: unknown) => boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 8 || unreachable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt + Math.random() * 50));
    }
  }
}
