import type { Kysely } from 'kysely';
import type { Dialect, DialectName } from './dialect.js';
import { mysql } from './mysql.js';
import { postgres } from './postgres.js';
import { sqlite } from './sqlite.js';

/** The dialect of the host's Kysely instance, by its adapter's class name, else by its capabilities. */
export function detectDialect(db: Kysely<any>): Dialect {
  const adapter = db.getExecutor().adapter;
  const className = adapter.constructor?.name ?? '';
  if (/postgres/i.test(className)) return postgres;
  if (/mysql/i.test(className)) return mysql;
  if (/sqlite/i.test(className)) return sqlite;
  if (!adapter.supportsReturning) return mysql;
  return adapter.supportsTransactionalDdl ? postgres : sqlite;
}

/** The dialect of a database by its name (`promo-track sql --dialect`). */
export const dialectByName = (name: DialectName): Dialect => ({ sqlite, postgres, mysql })[name];
