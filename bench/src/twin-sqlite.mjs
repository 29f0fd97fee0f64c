import Hashids from 'hashids';

/**
 * The hand-written twin on better-sqlite3: what a careful user writes instead of promo-track.
 * Same tables and indexes as the seed design (promo, track, plus a referral table for the
 * binding), prepared statements, one IMMEDIATE transaction per call.
 */
export const TWIN_SCHEMA = `
create table promo (
  id integer primary key autoincrement, user_id integer not null, promo_type integer not null default 1,
  appid varchar(32) not null default '', promocode varchar(64) not null, wxbcode varchar(255), page varchar(255),
  created_at bigint not null, unique (user_id, promo_type, appid), unique (promocode));
create table track (
  id integer primary key autoincrement, track_type integer not null, scene varchar(32) not null, detail varchar(128),
  user_id integer not null, promocode varchar(64) not null, referrer integer, event_id varchar(64),
  created_at bigint not null, unique (user_id, event_id));
create index track_promocode_time on track (promocode, created_at);
create index track_referrer_time on track (referrer, created_at);
create index track_time on track (created_at);
create table referral (
  user_id integer primary key, referrer integer not null, promocode varchar(64) not null, scene varchar(32) not null,
  track_id integer not null, bound_at bigint not null);
create index referral_referrer_time on referral (referrer, bound_at, track_id);
create index referral_promocode_time on referral (promocode, bound_at);
create index referral_time on referral (bound_at);
`;

const toTrack = (r) => ({
  id: r.id,
  trackType: r.track_type,
  scene: r.scene,
  detail: r.detail,
  userId: r.user_id,
  promocode: r.promocode,
  referrerId: r.referrer,
  createdAt: new Date(r.created_at),
});

const toPromo = (r) => ({
  id: r.id,
  userId: r.user_id,
  promoType: r.promo_type,
  appid: r.appid === '' ? null : r.appid,
  promocode: r.promocode,
  wxbcode: r.wxbcode,
  page: r.page,
  createdAt: new Date(r.created_at),
});

export class UnknownCode extends Error {}

export function createSqliteTwin(db, salt) {
  const owner = db.prepare('select user_id from promo where promocode = ?').pluck();
  const byEvent = db.prepare('select * from track where user_id = ? and event_id = ?');
  const visited = db.prepare('select 1 from track where user_id = ? limit 1').pluck();
  const insertTrack = db.prepare(
    'insert into track (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const bind = db.prepare(
    'insert into referral (user_id, referrer, promocode, scene, track_id, bound_at) values (?, ?, ?, ?, ?, ?) on conflict do nothing',
  );
  const promoByKey = db.prepare('select * from promo where user_id = ? and promo_type = ? and appid = ?');
  const insertPromo = db.prepare(
    'insert into promo (user_id, promo_type, appid, promocode, page, created_at) values (?, ?, ?, ?, ?, ?) on conflict do nothing',
  );
  const hashids = new Hashids(salt, 8);

  function one({ userId, promocode, scene, trackType, detail = null, eventId = null }) {
    const referrer = owner.get(promocode);
    if (referrer === undefined) throw new UnknownCode(promocode);
    if (eventId) {
      const repeated = byEvent.get(userId, eventId);
      if (repeated) return toTrack(repeated);
    }
    const first = visited.get(userId) === undefined;
    const type = trackType ?? (first ? 1 : 2);
    const now = Date.now();
    const id = Number(insertTrack.run(type, String(scene), detail, userId, promocode, referrer, eventId, now).lastInsertRowid);
    if (first && type === 1 && referrer !== userId) bind.run(userId, referrer, promocode, String(scene), id, now);
    return { id, trackType: type, scene: String(scene), detail, userId, promocode, referrerId: referrer, createdAt: new Date(now) };
  }
  const single = db.transaction(one);
  const batch = db.transaction((inputs) => inputs.map(one));

  return {
    recordTrack: (input) => single.immediate(input),
    recordTracks: (inputs) => batch.immediate(inputs),
    getOrCreatePromo({ userId, promoType = 1, appid = null, page = null }) {
      const hit = promoByKey.get(userId, promoType, appid ?? '');
      if (hit) return toPromo(hit);
      insertPromo.run(userId, promoType, appid ?? '', hashids.encode(userId, promoType, 0), page, Date.now());
      return toPromo(promoByKey.get(userId, promoType, appid ?? ''));
    },
  };
}
