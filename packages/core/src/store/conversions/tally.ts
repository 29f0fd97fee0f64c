import type { ConversionStats } from '../../model/types.js';

/**
 * Conversions counted in one cell: a day (or bucket), a type, a currency, and whether a referrer was
 * credited; `amount` is net of refunds. Raw rows and rollups both answer cells, which add up.
 */
export interface ConversionCell {
  type: string;
  currency: string;
  referred: boolean;
  n: number;
  amount: number;
}

/** Conversion counts being gathered for `stats`. */
export interface ConversionTally {
  byType: Map<string, { count: number; referred: number }>;
  revenue: Map<string, { amount: number; referredAmount: number }>;
}

export const emptyConversionTally = (): ConversionTally => ({ byType: new Map(), revenue: new Map() });

export function addConversionCell(tally: ConversionTally, cell: ConversionCell): void {
  const type = tally.byType.get(cell.type) ?? { count: 0, referred: 0 };
  type.count += cell.n;
  if (cell.referred) type.referred += cell.n;
  tally.byType.set(cell.type, type);
  const money = tally.revenue.get(cell.currency) ?? { amount: 0, referredAmount: 0 };
  money.amount += cell.amount;
  if (cell.referred) money.referredAmount += cell.amount;
  tally.revenue.set(cell.currency, money);
}

export function shapeConversions(tally: ConversionTally): ConversionStats {
  const byType = [...tally.byType]
    .filter(([, c]) => c.count > 0)
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .map(([type, c]) => ({ type, count: c.count, referred: c.referred }));
  return {
    count: byType.reduce((sum, t) => sum + t.count, 0),
    referred: byType.reduce((sum, t) => sum + t.referred, 0),
    byType,
    revenue: [...tally.revenue]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([currency, m]) => ({ currency, amount: m.amount, referredAmount: m.referredAmount })),
  };
}

/** Adds `from`'s counts to `into`. */
export function mergeConversions(into: ConversionTally, from: ConversionTally): void {
  for (const [type, c] of from.byType) {
    const entry = into.byType.get(type) ?? { count: 0, referred: 0 };
    into.byType.set(type, { count: entry.count + c.count, referred: entry.referred + c.referred });
  }
  for (const [currency, m] of from.revenue) {
    const entry = into.revenue.get(currency) ?? { amount: 0, referredAmount: 0 };
    into.revenue.set(currency, { amount: entry.amount + m.amount, referredAmount: entry.referredAmount + m.referredAmount });
  }
}
