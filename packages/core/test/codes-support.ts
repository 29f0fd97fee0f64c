import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import {
  createFileStore,
  createWxacodeGenerator,
  type Tracker,
  type TrackerEvent,
  type TrackerOptions,
  type WxacodeGeneratorOptions,
} from '@promo-track/core';
import { type FakeWechat, startFakeWechat } from '../../../test/support/fake-wechat.js';
import type { TrackerFixture } from './support.js';

export const BASE_URL = 'http://127.0.0.1:3000/wxacode/';

export { until } from './wait-until.js';

export interface CodesFixture {
  wechat: FakeWechat;
  dir: string;
  events: TrackerEvent[];
  /** A tracker over the fixture's tables with a generator on the stand-in. */
  open(generator?: Partial<WxacodeGeneratorOptions>, options?: Partial<TrackerOptions>): Tracker;
}

/** A fresh WeChat stand-in and image folder per test, and trackers with a generator on them. */
export function useCodes(f: TrackerFixture): CodesFixture {
  const c = { events: [] } as unknown as CodesFixture;
  beforeEach(async () => {
    c.wechat = await startFakeWechat();
    c.dir = mkdtempSync(join(tmpdir(), 'codes-'));
    c.events = [];
    c.open = (generator = {}, options = {}) =>
      f.make({
        wxacode: createWxacodeGenerator({
          appid: c.wechat.appid,
          secret: c.wechat.secret,
          apiBase: c.wechat.apiBase,
          store: createFileStore({ dir: c.dir, baseUrl: BASE_URL }),
          ...generator,
        }),
        onEvent: (e) => void c.events.push(e),
        ...options,
      });
  });
  afterEach(async () => {
    await c.wechat.close();
    rmSync(c.dir, { recursive: true, force: true });
  });
  return c;
}
