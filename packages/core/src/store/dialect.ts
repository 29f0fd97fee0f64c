import { type Kysely, sql } from 'kysely';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

/**
 * Everything that differs between SQLite, PostgreSQL and MySQL, in one place. Derived once from
 * the executor's adapter (by its capabilities, not `instanceof`, so a host's own copy of Kysely
 * works too).
 */
export interface Dialect {
  name: DialectName;
  /** INSERT … RETURNING is available (PostgreSQL, SQLite). */
  returning: boolean;
  /** Column type of an auto-increment primary key. */
  idType: 'integer' | 'serial';
  /** Column type that makes string comparison case-sensitive. */
  binaryText: (length: number) => ReturnType<typeof sql.raw>;
  /** Suffix that turns a SELECT into a read that locks the rows it returns against deletion. */
  shareLock: string;
  /** Suffix that locks the selected rows for writing. */
  updateLock: string;
  /** SQL integer division (`/` is decimal on MySQL). */
  intDiv: string;
}

export function detectDialect(db: Kysely<any>): Dialect {
  const adapter = db.getExecutor().adapter;
  const className = adapter.constructor?.name ?? '';
  const name: DialectName = /postgres/i.test(className)
    ? 'postgres'
    : /mysql/i.test(className)
      ? 'mysql'
      : /sqlite/i.test(className)
        ? 'sqlite'
        : !adapter.supportsReturning
          ? 'mysql'
          : adapter.supportsTransactionalDdl
            ? 'postgres'
            : 'sqlite';
  switch (name) {
    case 'postgres':
      return {
        name,
        returning: true,
        idType: 'serial',
        binaryText: (n) => sql.raw(`varchar(${n})`),
        shareLock: ' for share',
        updateLock: ' for update',
        intDiv: '/',
      };
    case 'mysql':
      return {
        name,
        returning: false,
        idType: 'integer',
        binaryText: (n) => sql.raw(`varchar(${n}) character set utf8mb4 collate utf8mb4_bin`),
        shareLock: ' lock in share mode',
        updateLock: ' for update',
        intDiv: ' div ',
      };
    case 'sqlite':
      return {
        name,
        returning: true,
        idType: 'integer',
        binaryText: (n) => sql.raw(`varchar(${n})`),
        shareLock: '',
        updateLock: '',
        intDiv: '/',
      };
  }
}
