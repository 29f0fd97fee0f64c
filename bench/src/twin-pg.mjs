/**
 * The hand-written twin on `pg`: plain parameterised queries in one transaction per call, over
 * the same tables and indexes as the SQLite twin (under a unique prefix).
 */
export function twinPgSchema(p) {
  return [
    `create table ${p}promo (
      id serial primary key, user_id integer not null, promo_type integer not null default 1,
      appid varchar(32) not null default '', promocode varchar(64) not null, wxbcode varchar(255), page varchar(255),
      created_at bigint not null, unique (user_id, promo_type, appid), unique (promocode))`,
    `create table ${p}track (
      id serial primary key, track_type integer not null, scene varchar(32) not null, detail varchar(128),
      user_id integer not null, promocode varchar(64) not null, referrer integer, event_id varchar(64),
      created_at bigint not null, unique (user_id, event_id))`,
    `create index ${p}track_promocode_time on ${p}track (promocode, created_at)`,
    `create index ${p}track_referrer_time on ${p}track (referrer, created_at)`,
    `create index ${p}track_time on ${p}track (created_at)`,
    `create table ${p}referral (
      user_id integer primary key, referrer integer not null, promocode varchar(64) not null, scene varchar(32) not null,
      track_id integer not null, bound_at bigint not null)`,
    `create index ${p}referral_referrer_time on ${p}referral (referrer, bound_at, track_id)`,
    `create index ${p}referral_promocode_time on ${p}referral (promocode, bound_at)`,
    `create index ${p}referral_time on ${p}referral (bound_at)`,
  ];
}

export function createPgTwin(pool, p) {
  const sql = {
    owner: `select user_id from ${p}promo where promocode = $1`,
    byEvent: `select * from ${p}track where user_id = $1 and event_id = $2`,
    visited: `select 1 from ${p}track where user_id = $1 limit 1`,
    insert: `insert into ${p}track (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    bind: `insert into ${p}referral (user_id, referrer, promocode, scene, track_id, bound_at)
           values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
  };
  return {
    async recordTrack({ userId, promocode, scene, trackType, detail = null, eventId = null }) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const owner = (await client.query(sql.owner, [promocode])).rows[0];
        if (!owner) throw new Error(`unknown promocode ${promocode}`);
        const referrer = owner.user_id;
        if (eventId) {
          const repeated = (await client.query(sql.byEvent, [userId, eventId])).rows[0];
          if (repeated) {
            await client.query('commit');
            return {
              id: repeated.id,
              trackType: repeated.track_type,
              scene: repeated.scene,
              detail: repeated.detail,
              userId: repeated.user_id,
              promocode: repeated.promocode,
              referrerId: repeated.referrer,
              createdAt: new Date(Number(repeated.created_at)),
            };
          }
        }
        const first = (await client.query(sql.visited, [userId])).rowCount === 0;
        const type = trackType ?? (first ? 1 : 2);
        const now = Date.now();
        const { id } = (await client.query(sql.insert, [type, String(scene), detail, userId, promocode, referrer, eventId, now])).rows[0];
        if (first && type === 1 && referrer !== userId) await client.query(sql.bind, [userId, referrer, promocode, String(scene), id, now]);
        await client.query('commit');
        return { id, trackType: type, scene: String(scene), detail, userId, promocode, referrerId: referrer, createdAt: new Date(now) };
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
