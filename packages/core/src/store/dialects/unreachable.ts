/** Codes of a database that cannot be reached, by where they come from. */
const UNREACHABLE_CODES = new Set([
  ...['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'],
  ...['PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN'], // mysql2
  ...['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'], // Postgres.js
  ...['SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR'],
  // PostgreSQL: admin, crash shutdown, cannot connect now, too many connections, connection exceptions.
  ...['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006'],
]);

const UNREACHABLE_MESSAGES =
  /Connection terminated|connection (is )?closed|Can't add new command when connection is in closed state|timeout exceeded when trying to connect|The database connection is not open|Pool is closed|driver has already been destroyed|Cannot use a pool after calling end|is not queryable/i;

/** True for an error that means the database could not be reached (rather than a bug). */
export function isUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
