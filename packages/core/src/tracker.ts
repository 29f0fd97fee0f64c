import type { Kysely } from 'kysely';
import { createCodec } from './codes.js';
import { encodeCursor, readCursor } from './cursors.js';
import { windowMs } from './model/attribution.js';
import { NotFoundError, UnknownPromocodeError } from './model/errors.js';
import type { Promo, Tracker, TrackerEvent, TrackerOptions } from './model/types.js';
import { resolveOptions } from './options.js';
import { createZone } from './days/time-zone.js';
import { markReplayed } from './replays.js';
import { sceneLabel } from './scenes.js';
import { migrate } from './store/migrate.js';
import { tableNames } from './schema/table-names.js';
import type { StoreContext } from './store/context.js';
import { detectDialect } from './store/dialects/detect.js';
import { forgetMessages } from './store/outbox.js';
import { requeue, selectMessages, toMessage } from './store/outbox-delivery.js';
import { forgetRows, purgeRows } from './store/privacy.js';
import { LATE_MS } from './store/rollups.js';
import { invalidateBefore, invalidateTimes, voidReferrer } from './store/rollup-voids.js';
import { createPromoCache } from './store/promo-cache.js';
import { fillWxbcode, getOrCreatePromoRow, selectPromo } from './store/promos.js';
import { selectDecisions, selectReferral, selectReferrals } from './store/referrals.js';
import { writeShare } from './store/shares.js';
import { exportReferralRows, exportTrackRows } from './store/exports.js';
import { selectStats } from './store/global-stats.js';
import { selectLeaderboard } from './store/leaderboard.js';
import { guard as storageGuard } from './store/storage-errors.js';
import { schemaGuard } from './store/schema-version.js';
import { recordVisit, recordVisits, type TrackWrite, type VisitInput } from './store/track-writer.js';
import {
  exportQuerySchema,
  getOrCreatePromoSchema,
  leaderboardQuerySchema,
  listReferralsSchema,
  listWebhookMessagesSchema,
  type ParsedTrackInput,
  parse,
  purgeSchema,
  recordShareSchema,
  recordTrackSchema,
  recordTracksSchema,
  statsQuerySchema,
  userIdSchema,
} from './validation.js';
import { visitTime } from './visit-time.js';
import { decodeMessageCursor, encodeMessageCursor, messageId, parseMessageId } from './webhooks/message-ids.js';
import { startSender } from './webhooks/sender.js';

/** Creates the tracker over the host's Kysely database. Call `migrate()` once before use. */
export function createTracker(options: TrackerOptions): Tracker {
  const o = resolveOptions(options);
  const ctx: StoreContext = {
    // The host's plugins (CamelCasePlugin, WithSchemaPlugin, …) are for its own queries: ours name
    // the library's tables and columns exactly, and the hot paths reuse SQL compiled once.
    db: o.db.withoutPlugins(),
    d: detectDialect(o.db),
    t: tableNames(o.tablePrefix),
    rules: { model: o.model, windowMs: windowMs(o.windowDays), excludeScenes: o.excludeScenes },
    outbox: o.outbox,
    zone: createZone(o.timeZone),
  };
  const codec = createCodec(o.salt, o.codeMinLength);
  const inTransaction = <T>(work: (trx: Kysely<any>) => Promise<T>) => guard(() => ctx.d.write(ctx.db, work));

  /** The store's visit: the code checked (a code this salt never issued is unknown, whatever rows hold it), its time decided. */
  const toVisit = (input: ParsedTrackInput, path: string, now: number): VisitInput => {
    const decoded = codec.decode(input.promocode);
    if (!decoded) throw new UnknownPromocodeError(input.promocode, `${path}promocode`);
    const { userId, promocode, scene, trackType, detail, eventId, occurredAt } = input;
    const at = visitTime(occurredAt, o.backdateDays, now, `${path}occurredAt`);
    return { userId, promocode, candidateId: decoded.userId, scene, detail, eventId, trackType, at };
  };
  // Every call but migrate() first checks, once, that the tables are this version's (NotMigratedError).
  const { guard, migrated } = schemaGuard(ctx.db, ctx.t, ctx.d);

  const emit = (event: TrackerEvent) => {
    if (!o.onEvent) return;
    try {
      const result: unknown = o.onEvent(event);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // A listener's failure is its own; the write it reports has already happened.
    }
  };
  const emitTrack = (w: TrackWrite) => {
    if (!w.created) return;
    emit({ type: 'track.recorded', track: w.track });
    if (w.binding) emit({ type: 'referral.bound', ...w.binding });
  };

  // One WeChat request per promo, however many callers ask for it at once.
  const codesInFlight = new Map<string, Promise<Promo>>();
  const withWxbcode = (promo: Promo): Promise<Promo> => {
    const generator = o.wxacode;
    if (!generator || promo.wxbcode) return Promise.resolve(promo);
    let pending = codesInFlight.get(promo.promocode);
    if (!pending) {
      pending = generator
        .generate({ scene: promo.promocode, page: promo.page })
        .then((url) => guard(() => fillWxbcode(ctx, promo, url)))
        .catch((error: unknown) => {
          emit({ type: 'wxacode.failed', promo, reason: error instanceof Error ? error.message : String(error), error });
          return promo;
        })
        .finally(() => codesInFlight.delete(promo.promocode));
      codesInFlight.set(promo.promocode, pending);
    }
    return pending;
  };

  /**
   * After a write has committed: rows that landed in a day or hour whose rollup may exist already
   * (backdated, or committed late) void those rollups (store/rollups.ts).
   */
  const voidLateRollups = (times: Date[]): Promise<void> | undefined => {
    const cutoff = Date.now() - LATE_MS;
    const late = times.map((at) => at.getTime()).filter((at) => at < cutoff);
    return late.length ? guard(() => invalidateTimes(ctx, late)) : undefined;
  };

  // Complete promos (a code image, when a generator is set) change only by forgetUser. `forgets`
  // counts its starts and ends, so that a read that overlapped one is not cached.
  const promos = createPromoCache();
  let forgets = 0;

  /** Rows read in pages, each page through the guard (NotMigratedError, StorageError). */
  async function* guardedRows<T>(rows: AsyncIterable<T>): AsyncIterable<T> {
    const it = rows[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await guard(() => it.next());
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  }

  return {
    timeZone: o.timeZone,
    migrate: () => storageGuard(() => migrate(ctx.db, ctx.t, ctx.d)).then(migrated),

    async getOrCreatePromo(input) {
      const key = parse(getOrCreatePromoSchema, input);
      const cached = promos.get(key.userId, key.promoType, key.appid);
      if (cached) return cached;
      const epoch = forgets;
      const { promo, created } = await guard(() => getOrCreatePromoRow(ctx, key, (k) => codec.encode(k)));
      if (created) emit({ type: 'promo.created', promo });
      const answer = await withWxbcode(promo);
      if ((answer.wxbcode || !o.wxacode) && epoch === forgets) promos.set(answer);
      return answer;
    },

    async findPromo(promocode) {
      // Only codes this salt issued are ever cached: a hit needs no decoding.
      const cached = typeof promocode === 'string' ? promos.byCode(promocode) : undefined;
      if (cached) return cached;
      if (typeof promocode !== 'string' || !codec.decode(promocode)) return null;
      const epoch = forgets;
      const promo = await guard(() => selectPromo(ctx, promocode));
      if (promo && (promo.wxbcode || !o.wxacode) && epoch === forgets) promos.set(promo);
      return promo;
    },

    async recordTrack(input) {
      const parsed = parse(recordTrackSchema, input);
      // The code and time are checked inside the guard: before migrate(), every call is NotMigratedError.
      const write = await guard(() => recordVisit(ctx, toVisit(parsed, '', Date.now())));
      const voiding = write.created ? voidLateRollups([write.track.createdAt]) : undefined;
      if (voiding) await voiding;
      emitTrack(write);
      return write.created ? write.track : markReplayed(write.track);
    },

    async recordTracks(inputs) {
      const parsed = parse(recordTracksSchema, inputs);
      if (parsed.length === 0) return [];
      const now = Date.now();
      const writes = await guard(() => recordVisits(ctx, parsed.map((input, i) => toVisit(input, `${i}.`, now))));
      await voidLateRollups(writes.filter((w) => w.created).map((w) => w.track.createdAt));
      writes.forEach(emitTrack);
      return writes.map((w) => w.track);
    },

    async recordShare(input) {
      const { occurredAt, ...parsed } = parse(recordShareSchema, input ?? {});
      const { share, created } = await guard(() => {
        if (parsed.promocode !== null && !codec.decode(parsed.promocode)) throw new UnknownPromocodeError(parsed.promocode);
        const at = visitTime(occurredAt, o.backdateDays, Date.now(), 'occurredAt');
        return ctx.d.write(ctx.db, (trx) => writeShare(ctx, trx, { ...parsed, at }));
      });
      if (created) await voidLateRollups([share.createdAt]);
      if (created) emit({ type: 'share.recorded', share });
      return share;
    },

    async getReferrer(userId) {
      const id = parse(userIdSchema, userId, 'userId');
      return guard(() => selectReferral(ctx, id));
    },

    async listReferrals(referrerId, options = {}) {
      const id = parse(userIdSchema, referrerId, 'referrerId');
      const { limit, cursor } = parse(listReferralsSchema, options);
      const after = cursor === null ? null : readCursor(cursor); // checked by listReferralsSchema
      const { items, next } = await guard(() => selectReferrals(ctx, id, limit, after));
      return { items, nextCursor: next && encodeCursor(next) };
    },

    async stats(query = {}) {
      const stats = await guard(() => selectStats(ctx, parse(statsQuerySchema, query)));
      return { ...stats, byScene: stats.byScene.map((s) => ({ scene: s.scene, label: sceneLabel(s.scene), visits: s.visits })) };
    },

    async leaderboard(query = {}) {
      return guard(() => selectLeaderboard(ctx, parse(leaderboardQuerySchema, query)));
    },

    // Checked at the call, so bad input throws before anything is read.
    exportTracks: (query = {}) => guardedRows(exportTrackRows(ctx, parse(exportQuerySchema, query))),
    exportReferrals: (query = {}) => guardedRows(exportReferralRows(ctx, parse(exportQuerySchema, query))),

    async explainReferral(userId) {
      const id = parse(userIdSchema, userId, 'userId');
      const [referral, decisions] = await guard(() => Promise.all([selectReferral(ctx, id), selectDecisions(ctx, id)]));
      return { referral, decisions };
    },

    async forgetUser(userId) {
      const id = parse(userIdSchema, userId, 'userId');
      forgets++;
      const { images, times, ...removed } = await inTransaction(async (trx) => {
        const { images, times, ...removed } = await forgetRows(ctx, trx, id);
        await forgetMessages(ctx, trx, id, removed);
        return { images, times, ...removed };
      }).finally(() => {
        promos.forget(id);
        forgets++;
      });
      await guard(async () => {
        await invalidateTimes(ctx, times);
        await voidReferrer(ctx, id);
      });
      // Images live outside the database: removed once the rows are gone for good.
      await Promise.all(images.map((url) => o.wxacode?.remove(url).catch(() => undefined)));
      emit({ type: 'user.forgotten', userId: id, removed });
      return removed;
    },

    async purge(options) {
      const { before } = parse(purgeSchema, options);
      const removed = await guard(() => purgeRows(ctx, before));
      await guard(() => invalidateBefore(ctx, before.getTime()));
      return removed;
    },

    startWebhookDelivery: (options) => startSender(ctx, o.outbox, options),

    async listWebhookMessages(options = {}) {
      const { status, limit, cursor } = parse(listWebhookMessagesSchema, options);
      const before = cursor === null ? null : decodeMessageCursor(cursor);
      const { rows, more } = await guard(() => selectMessages(ctx, { status, limit, before }));
      const last = rows[rows.length - 1];
      return { items: rows.map((r) => toMessage(r, messageId(r.id, r.token))), nextCursor: more && last ? encodeMessageCursor(last.id) : null };
    },

    async redeliverWebhookMessage(id) {
      const key = typeof id === 'string' ? parseMessageId(id) : null;
      const found = key !== null && (await guard(() => requeue(ctx, key.id, key.token, Date.now())));
      if (!found) throw new NotFoundError(`No webhook message has the id "${String(id)}"`);
    },
  };
}

