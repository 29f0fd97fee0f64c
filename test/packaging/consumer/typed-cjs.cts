// The same, resolved through the `require` condition (.d.cts).
import core = require('@promo-track/core');
import adapter = require('@promo-track/express');
import board = require('@promo-track/dashboard');
import type { Kysely } from 'kysely';

declare const db: Kysely<any>;

const tracker: core.Tracker = core.createTracker({ db, salt: 'a-secret-salt' });
export const router = adapter.createExpressRouter(tracker, { plugins: [board.dashboard()] });
export const track: Promise<core.Track> = tracker.recordTrack({ userId: 2, promocode: 'abcdEFGH', scene: 1047 });

type IsAny<T> = 0 extends 1 & T ? true : false;
export const checks: [IsAny<core.Tracker>, IsAny<typeof router>, IsAny<core.Plugin>] = [false, false, false];
