import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import type { Promo, Tracker } from '@promo-track/core';
import { vi } from 'vitest';

export const DAY_MS = 86_400_000;
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const startOfDay = (day: string) => Date.parse(`${day}T00:00:00.000Z`);

/** A deterministic PRNG (mulberry32): the same seed, the same database. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, weighted: [T, number][]): T {
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  let x = rand() * total;
  for (const [value, w] of weighted) if ((x -= w) < 0) return value;
  return weighted[weighted.length - 1][0];
}

// Launch scenes as they come in real programs: chats first, then scans; 1129 is WeChat's crawler,
// which stats must not count.
const SCENES: [string, number][] = [
  ['1007', 30],
  ['1008', 20],
  ['1047', 14],
  ['1048', 7],
  ['1011', 5],
  ['1001', 5],
  ['1036', 4],
  ['1089', 4],
  ['1037', 2],
  ['1038', 2],
  ['1058', 1],
  ['1044', 1],
  ['1073', 1],
  ['1129', 2],
  ['1999', 1],
];
const SHARE_TYPES: [0 | 1 | 2, number][] = [
  [1, 55],
  [2, 35],
  [0, 10],
];

export interface Seeded {
  promos: Promo[];
  visits: number;
  /** `YYYY-MM-DD` of the first and last seeded day (the last one is today). */
  first: string;
  last: string;
}

/**
 * A few thousand visits and some hundred shares over the 30 days up to today, written through the
 * tracker with `Date` faked to each moment (the tracker stamps rows with the current time).
 */
export async function seed(tracker: Tracker, { days = 30, seed: s = 20261125 } = {}): Promise<Seeded> {
  const rand = random(s);
  const today = startOfDay(dayOf(Date.now()));
  const firstDay = today - (days - 1) * DAY_MS;
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(firstDay - DAY_MS);
    const promos: Promo[] = [];
    for (let i = 0; i < 24; i++) {
      promos.push(await tracker.getOrCreatePromo({ userId: 1001 + i, appid: 'wx-demo', page: 'pages/invite/index' }));
    }
    // A few promoters bring most visitors (roughly Zipf).
    const promoWeights = promos.map((p, i): [Promo, number] => [p, 1 / (i + 1) ** 1.1]);
    let nextVisitor = 1;
    let visits = 0;
    for (let d = 0; d < days; d++) {
      const dayStart = firstDay + d * DAY_MS;
      const count = 70 + Math.round(d * 3 + rand() * 50 + (new Date(dayStart).getUTCDay() % 6 === 0 ? 40 : 0));
      const moments = Array.from({ length: count }, () => dayStart + Math.floor(rand() * (DAY_MS - 1000))).sort((a, b) => a - b);
      // Written in small batches, each at its own moment of the day.
      for (let at = 0; at < moments.length; at += 12) {
        vi.setSystemTime(moments[at]);
        const batch = moments.slice(at, at + 12).map(() => {
          const isNew = rand() < 0.45 || nextVisitor < 40;
          const userId = isNew ? nextVisitor++ : 1 + Math.floor(rand() * (nextVisitor - 1));
          return { userId, promocode: pick(rand, promoWeights).promocode, scene: pick(rand, SCENES) };
        });
        await tracker.recordTracks(batch);
        visits += batch.length;
      }
      const shares = 8 + Math.floor(rand() * 20);
      for (let i = 0; i < shares; i++) {
        vi.setSystemTime(dayStart + Math.floor(rand() * (DAY_MS - 1000)));
        await tracker.recordShare({
          userId: 1 + Math.floor(rand() * (nextVisitor - 1)),
          shareType: pick(rand, SHARE_TYPES),
          promocode: pick(rand, promoWeights).promocode,
          page: 'pages/invite/index',
        });
      }
    }
    return { promos, visits, first: dayOf(firstDay), last: dayOf(today) };
  } finally {
    vi.useRealTimers();
  }
}

// ------------------------------------------------------------------ a WeChat stand-in with real images

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Buffer) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

/** A real, decodable grey PNG that looks like a mini-program code: dots in a circle, three eyes. */
export function codeImage(scene: string, size = 280): Buffer {
  const rand = random([...scene].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619), 2166136261));
  const cells = 35;
  const cell = size / cells;
  const dots = Array.from({ length: cells * cells }, () => rand() < 0.5);
  const eye = (cx: number, cy: number, x: number, y: number) => {
    const d = Math.hypot(x - cx, y - cy);
    return d < cell * 1.4 || (d > cell * 2.4 && d < cell * 3.3);
  };
  const eyes = [
    [0.3, 0.3],
    [0.7, 0.3],
    [0.3, 0.7],
  ].map(([a, b]) => [a * size, b * size]);
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(size + 1); // filter byte 0, then one grey byte per pixel
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - size / 2, y - size / 2);
      let dark = false;
      const nearEye = eyes.some(([cx, cy]) => Math.hypot(x - cx, y - cy) < cell * 4);
      if (nearEye) dark = eyes.some(([cx, cy]) => eye(cx, cy, x, y));
      else if (r < size / 2 - cell && r > size * 0.14) {
        const i = Math.floor(y / cell) * cells + Math.floor(x / cell);
        const inCell = Math.hypot((x % cell) - cell / 2, (y % cell) - cell / 2) < cell * 0.42;
        dark = dots[i] && inCell;
      } else if (r <= size * 0.14) dark = r > size * 0.12;
      row[x + 1] = dark ? 0x22 : 0xff;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** `stable_token` and `getwxacodeunlimit` on 127.0.0.1, answering a real PNG per scene. */
/** A page the stand-in's released mini-program lacks: its codes fail with 41030. */
export const UNPUBLISHED_PAGE = 'pages/unpublished/index';

export async function startWechatStandIn(): Promise<{ apiBase: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { scene?: string; page?: string; check_path?: boolean };
      if (req.url?.startsWith('/cgi-bin/stable_token')) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: 'stand-in-token', expires_in: 7200 }));
      } else if (req.url?.startsWith('/wxa/getwxacodeunlimit') && body.page === UNPUBLISHED_PAGE && body.check_path !== false) {
        // WeChat's answer for a page the released mini-program does not have.
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errcode: 41030, errmsg: 'invalid page rid: 6571b2c4-0c1f2a3b' }));
      } else if (req.url?.startsWith('/wxa/getwxacodeunlimit')) {
        res.writeHead(200, { 'content-type': 'image/png' }).end(codeImage(body.scene ?? ''));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    apiBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
