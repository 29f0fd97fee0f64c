import pg from 'pg';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 2 });
await pool.query('create table if not exists zz_probe (id serial primary key, u int, c varchar(64))');
let t = performance.now();
for (let i = 0; i < 200; i++) { const c = await pool.connect(); await c.query('begin'); await c.query('select 1'); await c.query('insert into zz_probe (u, c) values ($1, $2) returning id', [i, 'x']); await c.query('commit'); c.release(); }
console.log('txn ms', (performance.now() - t) / 200);
t = performance.now();
for (let i = 0; i < 200; i++) await pool.query('select 1');
console.log('select 1 ms', (performance.now() - t) / 200);
await pool.query('drop table zz_probe'); await pool.end();
