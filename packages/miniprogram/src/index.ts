export { createPromoClient } from './client.js';
export type { LaunchOptions, PromoClient, PromoClientOptions, PromoRequest, PromoRequestOptions, PromoResponse, PromoStorage, ShareSource } from './types.js';
