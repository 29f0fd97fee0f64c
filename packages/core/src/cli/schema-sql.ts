import { type CompiledQuery, type DatabaseConnection, type Dialect as KyselyDialect, type Driver, Kysely, type QueryResult } from 'kysely';
import { migrate } from '../store/migrations/index.js';
import { tableNames } from '../schema/table-names.js';
import type { DialectName } from '../store/dialects/dialect.js';
import { dialectByName } from '../store/dialects/detect.js';

/** The last step's name where the dialect keeps statements on the server (PostgreSQL's functions). */
export const STORED_STATEMENTS = 'stored statements';

/** One part of what `migrate()` runs: the bookkeeping tables, one migration, or the stored statements. */
export interface SchemaStep {
  /** `null` for the migrator's bookkeeping tables, else the migration's name (`0001_init`), or `STORED_STATEMENTS`. */
  migration: string | null;
  /** Complete SQL statements, parameters written in, without the trailing `;`. */
  statements: string[];
}

/** Statements that change the database; the migrator's reads, locks and transactions are left out. */
const WRITES = /^\s*(create|alter|insert|update|delete|drop)\b/i;

/**
 * The SQL that `migrate()` runs on an empty database of `dialect`, without connecting to one:
 * `migrate()` itself runs over a Kysely whose driver records each compiled query and answers
 * every read with no rows (an empty database: no bookkeeping tables, no migration done).
 */
export async function schemaSql(dialect: DialectName, tablePrefix: string): Promise<SchemaStep[]> {
  const captured: CompiledQuery[] = [];
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      captured.push(query);
      return { rows: [] };
    },
    // eslint-disable-next-line require-yield
    async *streamQuery() {
      throw new Error('promo-track sql: migrations do not stream');
    },
  };
  const driver: Driver = {
    init: async () => undefined,
    acquireConnection: async () => connection,
    beginTransaction: async () => undefined,
    commitTransaction: async () => undefined,
    rollbackTransaction: async () => undefined,
    releaseConnection: async () => undefined,
    destroy: async () => undefined,
  };
  const parts = dialectByName(dialect).kysely;
  const kyselyDialect: KyselyDialect = {
    createAdapter: () => new parts.adapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new parts.introspector(db),
    createQueryCompiler: () => new parts.compiler(),
  };
  const db = new Kysely<any>({ dialect: kyselyDialect });
  const t = tableNames(tablePrefix);
  try {
    await migrate(db, t, dialectByName(dialect));
  } finally {
    await db.destroy();
  }

  // The migrator first creates its bookkeeping tables (and the lock row); then each migration's
  // statements end with the insert of its name into the migration table.
  const migrationTable = quoteIdentifier(dialect, t.migration);
  const lockTable = quoteIdentifier(dialect, t.migrationLock);
  const isBookkeeping = (s: string) =>
    s.startsWith(`create table if not exists ${migrationTable} `) ||
    s.startsWith(`create table if not exists ${lockTable} `) ||
    s.startsWith(`insert into ${lockTable} `);
  const steps: SchemaStep[] = [{ migration: null, statements: [] }];
  let current: SchemaStep = { migration: '', statements: [] };
  for (const query of captured) {
    if (!WRITES.test(query.sql)) continue;
    const statement = inlineParameters(dialect, query.sql, query.parameters);
    if (isBookkeeping(statement)) {
      steps[0].statements.push(statement);
      continue;
    }
    current.statements.push(statement);
    if (statement.startsWith(`insert into ${migrationTable} `)) {
      current.migration = String(query.parameters[0]);
      steps.push(current);
      current = { migration: '', statements: [] };
    }
  }
  // What migrate() runs after the migrations: the dialect's stored statements (postgres-functions.ts).
  if (current.statements.length > 0) steps.push({ ...current, migration: STORED_STATEMENTS });
  return steps;
}

export function quoteIdentifier(dialect: DialectName, name: string): string {
  return dialectByName(dialect).quote(name);
}

/** Writes the query's parameters into its SQL (`$1` on PostgreSQL, `?` elsewhere), outside quoted text. */
export function inlineParameters(dialect: DialectName, text: string, parameters: readonly unknown[]): string {
  const numbered = dialectByName(dialect).numberedParameters;
  let out = '';
  let next = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const dollarQuote = numbered && c === '$' ? /^\$[A-Za-z_]*\$/.exec(text.slice(i)) : null;
    if (dollarQuote) {
      // A function's body, as it is: its $1 are the function's own parameters.
      const end = text.indexOf(dollarQuote[0], i + dollarQuote[0].length);
      if (end < 0) throw new Error(`promo-track sql: unterminated ${dollarQuote[0]} in ${text}`);
      out += text.slice(i, end + dollarQuote[0].length);
      i = end + dollarQuote[0].length - 1;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = closingQuote(text, i, c);
      out += text.slice(i, end + 1);
      i = end;
    } else if (numbered && c === '$' && /\d/.test(text[i + 1] ?? '')) {
      const digits = /^\d+/.exec(text.slice(i + 1))![0];
      out += literal(parameters[Number(digits) - 1]);
      i += digits.length;
    } else if (!numbered && c === '?') {
      out += literal(parameters[next++]);
    } else {
      out += c;
    }
  }
  return out;
}

function closingQuote(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] !== quote) continue;
    if (text[i + 1] === quote) i++;
    else return i;
  }
  throw new Error(`promo-track sql: unterminated ${quote} in ${text}`);
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  throw new Error(`promo-track sql: cannot write a ${typeof value} parameter as SQL`);
}
