import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTracker } from '@promo-track/core';
import { main } from '../src/cli/main.js';
import { dropTables, readingCatalog, uniquePrefix } from '../../../test/support/databases.js';
import { eachDatabase, SALT } from './support.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');

/** What `promo-track sql` prints, run in-process: { code, out, err }. */
async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

/** The script's statements, as a DBA's client would run them: comments dropped, split at `;` line ends. */
const statementsOf = (script: string) =>
  script
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Every column of the tables named `prefix…`, with the prefix taken out of names and defaults. */
async function columns(db: Kysely<any>, dialect: string, prefix: string): Promise<string[]> {
  const strip = (text: unknown) =>
    String(text ?? '')
      .split(prefix)
      .join('');
  if (dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like ${`${prefix}%`}`.execute(
      db,
    );
    const out: string[] = [];
    for (const { name } of tables.rows) {
      const cols = await sql<{
        name: string;
        type: string;
        notnull: number;
        dflt_value: unknown;
        pk: number;
      }>`select * from pragma_table_info(${name})`.execute(db);
      out.push(
        ...cols.rows.map((c) => `${strip(name)}.${c.name} ${c.type} notnull=${c.notnull} default=${strip(c.dflt_value)} pk=${c.pk}`),
      );
    }
    return out.sort();
  }
  const where = dialect === 'postgres' ? sql`table_schema = current_schema()` : sql`table_schema = database()`;
  const { rows } = await readingCatalog(() =>
    sql<Record<string, unknown>>`
    select table_name as t, column_name as c, column_type_or_data as ty, is_nullable as n, column_default as d
    from (select table_name, column_name, ${sql.raw(dialect === 'mysql' ? 'column_type' : 'data_type')} as column_type_or_data, is_nullable, column_default, table_schema
          from information_schema.columns) as cols
    where ${where} and table_name like ${`${prefix}%`}`.execute(db),
  );
  return rows.map((r) => `${strip(r.t)}.${r.c} ${r.ty} nullable=${r.n} default=${strip(r.d)}`).sort();
}

describe('promo-track sql', () => {
  it('prints each dialect, with the prefix, as ;-terminated statements', async () => {
    for (const dialect of ['sqlite', 'postgres', 'mysql']) {
      const { code, out, err } = await cli('sql', '--dialect', dialect, '--prefix', 'p_');
      expect(code, err).toBe(0);
      expect(out).toMatch(/^-- promo-track: the SQL tracker\.migrate\(\) runs on an empty/);
      const statements = statementsOf(out);
      expect(statements.filter((s) => /^create table (if not exists )?["`]p_promo["`]/.test(s))).toHaveLength(1);
      expect(statements.filter((s) => /^create index/.test(s)).length).toBeGreaterThan(5);
      expect(statements.every((s) => !/["`](promo|track|share)["`]/.test(s))).toBe(true); // every table carries the prefix
      expect(statements.some((s) => /^insert into ["`]p_promo_track_migration["`] .*'0001_init'/.test(s))).toBe(true);
      // Every parameter written in; a stored statement's body (PostgreSQL's functions) keeps its function's own.
      expect(out.replace(/\$promo_track\$[^]*?\$promo_track\$/g, '')).not.toMatch(/\$\d|\?/);
      const functions = statements.filter((s) => /^create or replace function "p_pt_\w+"/.test(s));
      expect(functions.length).toBe(dialect === 'postgres' ? 7 : 0);
    }
  });

  it('refuses a bad command line with the usage, exit code 2', async () => {
    for (const args of [
      [],
      ['sql'],
      ['sql', '--dialect', 'oracle'],
      ['schema', '--dialect', 'sqlite'],
      ['sql', '--dialect', 'sqlite', '--prefix', 'a;b'],
      ['sql', '--bogus'],
    ]) {
      const { code, out, err } = await cli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/^promo-track: .+\n\nUsage: promo-track sql --dialect sqlite\|postgres\|mysql/);
    }
    expect((await cli('--help')).out).toMatch(/^Usage:/);
  });

  it('runs as `npx --no-install promo-track` from the repository root (the committed launcher over the build)', async () => {
    expect(existsSync(join(root, 'packages/core/dist/cli.js')), 'packages/core is not built: run `npm run build` (npm test does)').toBe(
      true,
    );
    const { stdout } = await run('npx', ['--no-install', 'promo-track', 'sql', '--dialect', 'postgres', '--prefix', 'x_'], { cwd: root });
    const { out } = await cli('sql', '--dialect', 'postgres', '--prefix', 'x_');
    // The bookkeeping inserts carry the time of printing.
    const timeless = (script: string) => statementsOf(script).map((s) => s.replace(/'\d{4}-\d\d-\d\dT[\d:.]+Z'/g, "'…'"));
    expect(timeless(stdout)).toEqual(timeless(out));
  });
});

eachDatabase((database) => {
  it('the printed SQL, run by hand, gives the schema migrate() makes, and migrate() finds it current', async () => {
    const { db, prefix, close } = await database.open();
    // Two sets of tables side by side: one from the printed script, one from migrate().
    const byHand = prefix || uniquePrefix();
    const byMigrate = uniquePrefix();
    try {
      const { out } = await cli('sql', '--dialect', database.name, ...(byHand ? ['--prefix', byHand] : []));
      await db.connection().execute(async (conn) => {
        for (const statement of statementsOf(out)) await conn.executeQuery(CompiledQuery.raw(statement));
      });

      // Current as printed: calls work without migrate() (no NotMigratedError) …
      const tracker = createTracker({ db, salt: SALT, tablePrefix: byHand });
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      expect((await tracker.recordTrack({ userId: 2, promocode, scene: 1047 })).referrerId).toBe(1);
      // … and migrate() changes nothing.
      const before = await columns(db, database.name, byHand);
      await tracker.migrate();
      expect(await columns(db, database.name, byHand)).toEqual(before);
      expect((await tracker.getReferrer(2))?.referrerId).toBe(1);

      // The same tables and columns as migrate() makes on an empty database.
      await createTracker({ db, salt: SALT, tablePrefix: byMigrate }).migrate();
      expect(before.length).toBeGreaterThan(30);
      expect(before).toEqual(await columns(db, database.name, byMigrate));
    } finally {
      if (database.name !== 'sqlite') {
        await dropTables(db, byHand);
        await dropTables(db, byMigrate);
      }
      await close();
    }
  });
});
