import type { Promo } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { type PromoRow, toPromo } from '../rows.js';

const CHUNK = 500;

/** The promos that exist of (each of `userIds`, `promoType`, `appid`), by the owner key's index. */
export async function selectPromosOf(
  ctx: StoreContext,
  userIds: readonly number[],
  promoType: number,
  appid: string | null,
): Promise<Promo[]> {
  const promos: Promo[] = [];
  for (let i = 0; i < userIds.length; i += CHUNK) {
    const rows = await ctx.db
      .selectFrom(ctx.tables.promo)
      .selectAll()
      .where('user_id', 'in', userIds.slice(i, i + CHUNK))
      .where('promo_type', '=', promoType)
      .where('appid', '=', appid ?? '')
      .execute();
    promos.push(...rows.map((r) => toPromo(r as PromoRow)));
  }
  return promos;
}
