import { afterEach, beforeEach, vi } from 'vitest';
import { createPromoClient, type PromoClient } from '../../src/index.js';
import { Device } from './simulated-wx.js';

export const BASE_URL = 'https://api.example.com/api';
export const START = new Date('2026-11-30T08:00:00.000Z');

/** The logged-in user, as the host's app knows it (undefined until login). */
export interface Session {
  userId?: number;
}

/** Starts the app on `device` (a fresh memory, the device's storage) with its client made as the README says. */
export function startApp(device: Device, session: Session): PromoClient {
  device.launch();
  return createPromoClient({ baseUrl: BASE_URL, getUserId: () => session.userId, header: () => ({ Authorization: 'Bearer token-1' }) });
}

/** Fake timers (and clock) from START; the simulated `wx` removed after each test. */
export function useSimulatedTime(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}

export const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
