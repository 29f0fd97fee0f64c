/**
 * The hand-written twin on a server database (PostgreSQL through `pg`, MySQL/MariaDB through
 * `mysql2`): the SQLite twin's statements, one transaction per call, as a person writes them.
 * Its round trips per visit: BEGIN, owner, (event), visited, insert, (bind), COMMIT.
 */
import Hashids from 'hashids';
import { twinPgSchema } from './twin-pg.mjs';

export function twinSchema(kind, p) {
  if (kind === 'postgres') return twinPgSchema(p);
  // Promocodes are case-sensitive: a binary collation, as the library's own MySQL schema.
  return twinPgSchema(p).map((s) =>
    s
      .replace('id serial primary key', 'id integer auto_increment primary key')
      .replace(/promocode varchar\(64\)/g, 'promocode varchar(64) collate utf8mb4_bin'),
  );
}

/** One connection of the driver (`pg` or `postgres` for pg, `postgres.js`, else mysql2): `query` answers `{ rows, insertId }`. */
function connector(driver, pool) {
  if (driver === 'postgres.js') {
    // A reserved connection of the client; its queries with parameters are named prepared statements.
    return async () => {
      const reserved = await pool.reserve();
      return {
        query: async (sql, params = []) => {
          const rows = await reserved.unsafe(sql, params);
          return { rows: [...rows], insertId: rows[0]?.id };
        },
        release: () => reserved.release(),
      };
    };
  }
  if (driver === 'pg' || driver === 'postgres') {
    return async () => {
      const client = await pool.connect();
      return {
        query: async (sql, params = []) => {
          const r = await client.query(sql, params);
          return { rows: r.rows, insertId: r.rows[0]?.id };
        },
        release: () => client.release(),
      };
    };
  }
  return async () => {
    const conn = await pool.getConnection();
    return {
      query: async (sql, params = []) => {
        // `?` placeholders; the SQL below is written with `$n` for both.
        const [r] = await conn.query(sql.replace(/\$\d+/g, '?').replace(/ returning id$/, ''), params);
        return Array.isArray(r) ? { rows: r, insertId: undefined } : { rows: [], insertId: r.insertId };
      },
      release: () => conn.release(),
    };
  };
}

const toPromo = (r) => ({
  id: r.id,
  userId: r.user_id,
  promoType: r.promo_type,
  appid: r.appid === '' ? null : r.appid,
  promocode: r.promocode,
  wxbcode: r.wxbcode,
  page: r.page,
  createdAt: new Date(Number(r.created_at)),
});

export class UnknownCode extends Error {}

export function createServerTwin(driver, pool, p, salt) {
  const connect = connector(driver, pool);
  const onPostgres = ['pg', 'postgres', 'postgres.js'].includes(driver);
  const ignore = onPostgres ? ['insert into', ' on conflict do nothing'] : ['insert ignore into', ''];
  const sql = {
    owner: `select user_id from ${p}promo where promocode = $1`,
    visited: `select 1 from ${p}track where user_id = $1 limit 1`,
    insert: `insert into ${p}track (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    bind: `${ignore[0]} ${p}referral (user_id, referrer, promocode, scene, track_id, bound_at) values ($1, $2, $3, $4, $5, $6)${ignore[1]}`,
    promoByKey: `select * from ${p}promo where user_id = $1 and promo_type = $2 and appid = $3`,
    insertPromo: `${ignore[0]} ${p}promo (user_id, promo_type, appid, promocode, page, created_at) values ($1, $2, $3, $4, $5, $6)${ignore[1]}`,
  };
  const hashids = new Hashids(salt, 8);

  async function one(c, { userId, promocode, scene, trackType, detail = null }) {
    const owner = (await c.query(sql.owner, [promocode])).rows[0];
    if (!owner) throw new UnknownCode(promocode);
    const referrer = Number(owner.user_id);
    const first = (await c.query(sql.visited, [userId])).rows.length === 0;
    const type = trackType ?? (first ? 1 : 2);
    const now = Date.now();
    const { insertId } = await c.query(sql.insert, [type, String(scene), detail, userId, promocode, referrer, null, now]);
    const id = Number(insertId);
    if (first && type === 1 && referrer !== userId) await c.query(sql.bind, [userId, referrer, promocode, String(scene), id, now]);
    return { id, trackType: type, scene: String(scene), detail, userId, promocode, referrerId: referrer, createdAt: new Date(now) };
  }
  async function inTransaction(work) {
    const c = await connect();
    try {
      await c.query('begin');
      const result = await work(c);
      await c.query('commit');
      return result;
    } catch (error) {
      await c.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      c.release();
    }
  }

  return {
    recordTrack: (input) => inTransaction((c) => one(c, input)),
    recordTracks: (inputs) =>
      inTransaction(async (c) => {
        const out = [];
        for (const input of inputs) out.push(await one(c, input));
        return out;
      }),
    async getOrCreatePromo({ userId, promoType = 1, appid = null, page = null }) {
      const c = await connect();
      try {
        const hit = (await c.query(sql.promoByKey, [userId, promoType, appid ?? ''])).rows[0];
        if (hit) return toPromo(hit);
        await c.query(sql.insertPromo, [userId, promoType, appid ?? '', hashids.encode(userId, promoType, 0), page, Date.now()]);
        return toPromo((await c.query(sql.promoByKey, [userId, promoType, appid ?? ''])).rows[0]);
      } finally {
        c.release();
      }
    },
  };
}
