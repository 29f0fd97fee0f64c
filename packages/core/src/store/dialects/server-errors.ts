/**
 * Errors after which the database rolled the whole transaction back and asks for it to be run
 * again: a deadlock (MySQL 1213, PostgreSQL 40P01), a serialization failure (PostgreSQL 40001),
 * and MariaDB's "record has changed since last read" (1020, `innodb_snapshot_isolation`).
 */
export function isRetryable(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  return code === '40001' || code === '40P01' || errno === 1213 || errno === 1020 || code === 'ER_LOCK_DEADLOCK' || code === 'ER_CHECKREAD';
}
