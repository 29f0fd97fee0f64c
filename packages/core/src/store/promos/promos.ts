import type { Kysely } from 'kysely';
import type { Promo } from '../../model/types.js';
import { promoCreated } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { builtOnce, runCompiled } from '../compiled.js';
import { insertIfAbsent } from '../insert.js';
import { wants, writeEvents } from '../outbox/index.js';
import { type PromoRow, toPromo } from '../rows.js';

export interface PromoKeyInput {
  userId: number;
  promoType: number;
  appid: string | null;
  page: string | null;
}

/** The two promo lookups, compiled by Kysely once per tracker and run with each call's values. */
const lookups = builtOnce((ctx: StoreContext) => {
  const promo = () => ctx.db.selectFrom(ctx.tables.promo).selectAll();
  return {
    byCode: promo().where('promocode', '=', '').compile().sql,
    byKey: promo().where('user_id', '=', 0).where('promo_type', '=', 0).where('appid', '=', '').compile().sql,
  };
});

export async function selectPromo(ctx: StoreContext, promocode: string, db: Kysely<any> = ctx.db): Promise<Promo | null> {
  const row = (await runCompiled<PromoRow>(db, lookups(ctx).byCode, [promocode])).rows[0];
  return row ? toPromo(row) : null;
}

/** The promo of a key, by the key's own unique index (no promocode to compute on a hit). */
async function selectPromoByKey(ctx: StoreContext, input: PromoKeyInput): Promise<Promo | null> {
  const row = (await runCompiled<PromoRow>(ctx.db, lookups(ctx).byKey, [input.userId, input.promoType, input.appid ?? ''])).rows[0];
  return row ? toPromo(row) : null;
}

/**
 * One promo per (userId, promoType, appid): its promocode is computed from that key, so racing
 * callers insert the same row and the database keeps exactly one of them.
 */
export async function getOrCreatePromoRow(
  ctx: StoreContext,
  input: PromoKeyInput,
  codeOf: (key: PromoKeyInput) => string,
): Promise<{ promo: Promo; created: boolean }> {
  const existing = await selectPromoByKey(ctx, input);
  if (existing) return { promo: existing, created: false };
  const promocode = codeOf(input);

  const row = {
    user_id: input.userId,
    promo_type: input.promoType,
    appid: input.appid ?? '',
    promocode,
    wxbcode: null,
    page: input.page,
    created_at: Date.now(),
  };
  // Alone, the insert is one atomic statement; with a `promo.created` endpoint, a transaction with its event.
  const insertedId = wants(ctx, 'promo.created')
    ? await ctx.dialect.write(ctx.db, async (trx) => {
        const id = await insertIfAbsent(trx, ctx.dialect, ctx.tables.promo, row);
        if (id !== null) await writeEvents(ctx, trx, [promoCreated(toPromo({ id, ...row }))]);
        return id;
      })
    : await insertIfAbsent(ctx.db, ctx.dialect, ctx.tables.promo, row);
  const promo = await selectPromo(ctx, promocode);
  if (!promo) throw new Error(`promo ${promocode} vanished right after its insert`);
  return { promo, created: insertedId !== null };
}
