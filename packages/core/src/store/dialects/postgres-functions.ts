import { createHash } from 'node:crypto';
import { type Kysely, type QueryResult, sql } from 'kysely';
import type { TableNames } from '../../schema/table-names.js';
import { builtOnce, runCompiled } from '../compiled.js';
import { OptimisticAborted } from './optimistic-visit.js';
import { ident } from './statements.js';

/**
 * PostgreSQL's hot statements kept on the server as PL/pgSQL functions, so that each connection
 * parses and plans them once (docs/concurrency.md, "Plans"): node-postgres, through Kysely, sends
 * every statement unnamed, and the server plans it on every call (~0.9 ms for the first visit's
 * facts, more than the statement's work). A function's statements keep their plans for the
 * connection's life; through pgbouncer's transaction pooling too, where prepared statements do not.
 */
export interface StoredStatement {
  /** The function: `<table prefix>pt_<key>_<hash of what it runs>`, so each version of a statement has its own. */
  name: string;
  /** The statement as sent when the function is missing. */
  text: string;
  /** The statement as a call of the function, with the same parameters. */
  call: string;
  /** `create function …`, as `migrate()` runs it. */
  create: string;
}

/** Dollar-quote of a function's body; no statement holds it. */
const BODY = '$promo_track$';

/**
 * A statement kept as a function: `build` gives its text, each parameter cast where it first
 * appears (`$1::varchar`, which gives the function's argument types); `returns`, its result
 * columns as the function declares them (`id integer, outcome varchar`: exactly the types the
 * statement answers).
 */
export function storedStatement(key: string, returns: string, build: (t: TableNames) => string): (t: TableNames) => StoredStatement {
  const stored = builtOnce((t: TableNames): StoredStatement => {
    const text = build(t);
    const types = parameterTypes(text);
    const hash = createHash('sha256').update(`${returns}\n${text}`).digest('hex').slice(0, 12);
    const name = functionName(t, key, hash);
    // enable_seqscan off: every read of these statements has its index, and a plan kept from when a
    // table was empty (analyzed so) would otherwise scan it whole once it has grown.
    // use_column: the statement's column names win over the result columns of the same name.
    const create =
      `create or replace function ${ident(name)}(${types.join(', ')}) returns table (${returns}) language plpgsql ` +
      `set enable_seqscan = off as ${BODY}\n` +
      `#variable_conflict use_column\nbegin return query ${text}; end ${BODY}`;
    // The statement's comment, if any, names the call too (in the server's views, and to tests that watch for it).
    const comment = /\/\*[^*]*\*\/ /.exec(text)?.[0] ?? '';
    const call = `select ${comment}* from ${ident(name)}(${types.map((type, i) => `$${i + 1}::${type}`).join(', ')})`;
    return { name, text, call, create };
  });
  everyStatement.push(stored);
  return stored;
}

const everyStatement: ((t: TableNames) => StoredStatement)[] = [];

/** Each parameter's type, from its first cast; a parameter never cast is a mistake of the statement's author. */
function parameterTypes(text: string): string[] {
  const types: string[] = [];
  for (const m of text.matchAll(/\$(\d+)::([a-z]+(?:\[\])?)/g)) types[Number(m[1]) - 1] ??= m[2]!;
  for (let i = 0; i < types.length; i++) {
    if (!types[i]) throw new Error(`promo-track: parameter $${i + 1} of a stored statement is never cast to its type`);
  }
  return types;
}

/** PostgreSQL keeps 63 bytes of a name: a longer one drops the table prefix for a hash of it. */
function functionName(t: TableNames, key: string, hash: string): string {
  const prefix = t.promo.slice(0, -'promo'.length);
  const name = `${prefix}pt_${key}_${hash}`;
  if (Buffer.byteLength(name) <= 63) return name;
  return `pt_${key}_${createHash('sha256').update(prefix).digest('hex').slice(0, 8)}_${hash}`;
}

/** The functions each tracker's database is known to have, by its table names (`find`, `install`). */
const present = new WeakMap<TableNames, Set<string>>();

/** Marks those of this version's functions that the database has. */
export async function findFunctions(db: Kysely<any>, t: TableNames): Promise<void> {
  const names = everyStatement.map((s) => s(t).name);
  const { rows } = await sql<{ name: string }>`select proname as name from pg_proc
    where pronamespace = current_schema()::regnamespace and proname = any(${names})`.execute(db);
  present.set(t, new Set(rows.map((r) => r.name)));
}

/** Creates this version's functions the database lacks (`migrate()`, under its lock). */
export async function installFunctions(db: Kysely<any>, t: TableNames): Promise<void> {
  await findFunctions(db, t);
  const have = present.get(t)!;
  for (const s of everyStatement.map((stored) => stored(t))) {
    if (have.has(s.name)) continue;
    await sql.raw(s.create).execute(db);
    have.add(s.name);
  }
}

/**
 * Runs a stored statement: as its function where the database has it, else as text (a database
 * not migrated by this version: slower, the same answer). A function dropped meanwhile is
 * forgotten, and the text runs instead.
 */
export async function runStored<R>(
  db: Kysely<any>,
  t: TableNames,
  s: StoredStatement,
  parameters: readonly unknown[],
  inTransaction = false,
): Promise<QueryResult<R>> {
  const have = present.get(t);
  if (!have?.has(s.name)) return runCompiled<R>(db, s.text, parameters);
  try {
    return await runCompiled<R>(db, s.call, parameters);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== '42883') throw error;
    have.delete(s.name);
    // The failed call aborted the caller's transaction: it runs again, and then sends the text.
    if (inTransaction) throw new OptimisticAborted(error);
    return runCompiled<R>(db, s.text, parameters);
  }
}
