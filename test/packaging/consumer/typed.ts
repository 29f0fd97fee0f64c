// Type-checked with the workspace's tsc against the installed tarballs' .d.ts (ESM resolution).
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import type { Kysely } from 'kysely';
import { createTracker, TrackError, type Promo, type Stats, type Tracker } from '@promo-track/core';
import { createExpressRouter } from '@promo-track/express';
import { createKoaMiddleware } from '@promo-track/koa';
import { dashboard, type DashboardOptions } from '@promo-track/dashboard';
import { createPromoClient, type PromoClient } from '@promo-track/miniprogram';
import { promoTrackPlugin } from '@promo-track/fastify';
import { createFetchHandler } from '@promo-track/fetch';

declare const db: Kysely<any>;

export const tracker: Tracker = createTracker({
  db,
  salt: 'a-secret-salt',
  tablePrefix: 'promo_',
  attribution: { model: 'last-touch', windowDays: 7 },
});

export async function promoOf(userId: number): Promise<Promo> {
  return tracker.getOrCreatePromo({ userId, promoType: 2, page: 'pages/index/index' });
}

export async function visits(): Promise<number> {
  const stats: Stats = await tracker.stats({ from: new Date(0) });
  return stats.visits;
}

export function status(error: unknown): number | undefined {
  return error instanceof TrackError ? error.status : undefined;
}

const app = express();
app.use('/api', createExpressRouter(tracker, { identify: (req) => Number(req.headers['x-user-id']) || undefined, plugins: [dashboard()] }));

const names: DashboardOptions = { displayName: async (ids) => new Map(ids.map((id) => [id, `#${id}`])) };
const koa = new Koa();
koa.use(createKoaMiddleware(tracker, { prefix: '/api', admin: (ctx) => ctx.get('x-admin') === 'yes', plugins: [dashboard(names)] }));

// The mini-program client, typed without miniprogram-api-typings (a dev dependency of ours only).
export const client: PromoClient = createPromoClient({
  baseUrl: 'https://api.example.com/api',
  getUserId: () => Promise.resolve(42),
  header: () => ({ Authorization: 'Bearer t' }),
  request: async (o) => ({ statusCode: 201, data: o.data }),
  storage: { get: () => '', set: () => undefined },
});
export const card: Promise<{ title: string; path: string }> = client.share({ from: 'menu' }, { title: 'Hi', path: '/pages/index/index' });

const fastify = Fastify();
void fastify.register(promoTrackPlugin, { tracker, prefix: '/api', identify: (req) => Number(req.headers['x-user-id']) || undefined });

export const handle = createFetchHandler(tracker, { prefix: '/api', admin: (req) => req.headers.get('x-admin') === 'yes' });
export const answer: Promise<Response | null> = handle(new Request('http://localhost/api/stats'));

// skipLibCheck hides errors inside .d.ts files (third-party ones have some), so prove here that
// ours resolved to real types: an unresolved import would have turned these into `any`.
type IsAny<T> = 0 extends 1 & T ? true : false;
export const checks: [
  IsAny<Tracker>,
  IsAny<Promo>,
  IsAny<ReturnType<typeof createExpressRouter>>,
  IsAny<ReturnType<typeof createKoaMiddleware>>,
  IsAny<ReturnType<typeof dashboard>>,
  IsAny<PromoClient>,
  IsAny<typeof promoTrackPlugin>,
  IsAny<typeof handle>,
] = [false, false, false, false, false, false, false, false];
