import { parseArgs } from 'node:util';
import { tableNames } from '../schema/table-names.js';
import { dialectByName } from '../store/dialects/detect.js';
import type { DialectName } from '../store/dialects/dialect.js';
import { schemaSql, STORED_STATEMENTS } from './schema-sql.js';

const USAGE = `Usage: promo-track sql --dialect sqlite|postgres|mysql [--prefix P]

Prints the SQL that tracker.migrate() runs on an empty database, without connecting to one:
the library's tables and indexes, and the migration bookkeeping that tells migrate() they are
current. Review it, run it as a whole (psql -f, mysql <, sqlite3 <), then migrate() has
nothing left to do.

  --dialect   sqlite, postgres or mysql (MariaDB: mysql)
  --prefix    the tracker's tablePrefix (default: none)`;

const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres', 'mysql'];

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The `promo-track` command; resolves to the process's exit code. */
export async function main(
  argv: readonly string[],
  io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { dialect: { type: 'string' }, prefix: { type: 'string', default: '' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'sql')
    return usage(io, positionals.length ? `unknown command "${positionals.join(' ')}"` : 'no command given');
  const dialect = values.dialect as DialectName | undefined;
  if (!dialect || !DIALECTS.includes(dialect)) return usage(io, `--dialect must be one of ${DIALECTS.join(', ')}`);
  const prefix = values.prefix ?? '';
  if (!/^[A-Za-z0-9_]{0,32}$/.test(prefix)) return usage(io, '--prefix must be up to 32 letters, digits or underscores, as tablePrefix');

  io.out(formatScript(dialect, prefix, await schemaSql(dialect, prefix)));
  return 0;
}

function usage(io: Io, problem: string): number {
  io.err(`promo-track: ${problem}\n\n${USAGE}\n`);
  return 2;
}

function formatScript(dialect: DialectName, prefix: string, steps: Awaited<ReturnType<typeof schemaSql>>): string {
  const t = tableNames(prefix);
  // PostgreSQL and SQLite change their schema transactionally: the script applies whole or not at all.
  const transactional = dialectByName(dialect).transactionalDdl;
  const lines = [
    `-- promo-track: the SQL tracker.migrate() runs on an empty ${dialect} database${prefix ? ` (tablePrefix '${prefix}')` : ''}.`,
    `-- Made by \`promo-track sql --dialect ${dialect}${prefix ? ` --prefix ${prefix}` : ''}\`, without connecting to any database.`,
    `-- It records its migrations in ${t.migration}, so migrate() then finds the schema current and does nothing.`,
    '',
  ];
  if (transactional) lines.push('begin;', '');
  for (const step of steps) {
    lines.push(
      step.migration === null
        ? `-- Migration bookkeeping (the library's own tables, not Kysely's defaults)`
        : step.migration === STORED_STATEMENTS
          ? `-- Stored statements: the hot statements as functions, planned once per connection (docs/concurrency.md, "Plans")`
          : `-- Migration ${step.migration}`,
    );
    for (const statement of step.statements) lines.push(`${statement};`);
    lines.push('');
  }
  if (transactional) lines.push('commit;', '');
  return lines.join('\n');
}
