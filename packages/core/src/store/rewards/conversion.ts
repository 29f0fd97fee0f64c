import type { Kysely } from 'kysely';
import type { StoreContext } from '../context.js';
import { earn, type Earned } from './earn.js';

/** What the rules need of a conversion just written (the conversions wing's record). */
export interface ConvertedFact {
  id: number;
  userId: number;
  type: string;
  amount: number;
  currency: string;
  /** The referrer it was credited to; `null`: the user was not bound. */
  referrerId: number | null;
  createdAt: Date;
}

/**
 * The conversion writer's hook: a conversion just written in `trx`, credited through `referral`
 * (`null`: not bound). Its rules pay in the same transaction; `withinDays` counts from the binding.
 * `review`: the referee's binding is flagged (issue 28).
 */
export function rewardsOfConversion(
  ctx: StoreContext,
  trx: Kysely<any>,
  conversion: ConvertedFact,
  referral: { boundAt: Date } | null,
  review = false,
): Promise<Earned> {
  return earn(ctx, trx, {
    referrerId: conversion.referrerId,
    refereeId: conversion.userId,
    at: conversion.createdAt.getTime(),
    trackId: null,
    conversion: {
      id: conversion.id,
      type: conversion.type,
      amount: conversion.amount,
      currency: conversion.currency,
      boundAt: referral ? referral.boundAt.getTime() : null,
    },
    review,
  });
}
