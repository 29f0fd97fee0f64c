/**
 * The WeChat mini-program half of promo-track (native, Taro, uni-app): `createPromoClient(options)` reads
 * the promocode of a launch, queues visits and shares offline, sends them to `POST /tracks/batch` once
 * the user is known, and adds the sharer's code to shared paths. No runtime dependencies.
 *
 * @packageDocumentation
 * @module @promo-track/miniprogram
 */
export { createPromoClient } from './client.js';
export type {
  LaunchOptions,
  MyInvites,
  MyRewards,
  PromoClient,
  PromoClientOptions,
  PromoRequest,
  PromoRequestOptions,
  PromoResponse,
  PromoStorage,
  RewardItem,
  ShareSource,
} from './types.js';
