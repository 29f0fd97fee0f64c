import type { Kysely } from 'kysely';
import type { Promo } from '../types.js';
import type { StoreContext } from './context.js';
import { insertIfAbsent } from './insert.js';
import { type PromoRow, toPromo } from './rows.js';

export interface PromoKeyInput {
  userId: number;
  promoType: number;
  appid: string | null;
  page: string | null;
}

export async function selectPromo(ctx: StoreContext, promocode: string, db: Kysely<any> = ctx.db): Promise<Promo | null> {
  const row = await db.selectFrom(ctx.t.promo).selectAll().where('promocode', '=', promocode).executeTakeFirst();
  return row ? toPromo(row as PromoRow) : null;
}

/**
 * One promo per (userId, promoType, appid): its promocode is computed from that key, so racing
 * callers insert the same row and the database keeps exactly one of them.
 */
export async function getOrCreatePromoRow(ctx: StoreContext, input: PromoKeyInput): Promise<{ promo: Promo; created: boolean }> {
  const promocode = ctx.codec.encode(input);
  const existing = await selectPromo(ctx, promocode);
  if (existing) return { promo: existing, created: false };

  const insertedId = await insertIfAbsent(ctx.db, ctx.d, ctx.t.promo, {
    user_id: input.userId,
    promo_type: input.promoType,
    appid: input.appid ?? '',
    promocode,
    wxbcode: null,
    page: input.page,
    created_at: Date.now(),
  });
  const promo = await selectPromo(ctx, promocode);
  if (!promo) throw new Error(`promo ${promocode} vanished right after its insert`);
  return { promo, created: insertedId !== null };
}

/** Sets `wxbcode` unless another caller already did; answers the promo as stored. */
export async function fillWxbcode(ctx: StoreContext, promo: Promo, url: string): Promise<Promo> {
  await ctx.db
    .updateTable(ctx.t.promo)
    .set({ wxbcode: url })
    .where('id', '=', promo.id)
    .where('wxbcode', 'is', null)
    .execute();
  return (await selectPromo(ctx, promo.promocode)) ?? { ...promo, wxbcode: url };
}
