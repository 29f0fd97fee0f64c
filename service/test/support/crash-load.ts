import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { repoRoot, startService, type Started } from './clean-copy.js';

/**
 * What the crash tests (webhooks, rewards) share: a scratch folder and the built service
 * (`node service/dist/main.js`, as `npm start` runs it) started on one database, killed by the test
 * and restarted; every process still running is SIGKILLed after the file.
 */
export function crashHarness(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `promo-track-${name}-crash-`));
  const running: Started[] = [];
  afterAll(() => {
    for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    async start(env: Record<string, string>): Promise<Started> {
      const started = await startService(repoRoot, [process.execPath, 'service/dist/main.js'], { PORT: '0', ...env }, 60_000);
      running.push(started);
      return started;
    },
  };
}

/** POSTs JSON; answers the status and the body (`null` for a refused connection: the service was killed). */
export async function postJson(
  url: string,
  body: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown } | null> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch {
    return null;
  }
}

/** The promocodes of the referrers, from `GET /tracks/:id/1`. */
export function promocodesOf(service: Started, referrers: number[]): Promise<string[]> {
  return Promise.all(referrers.map(async (id) => (await (await fetch(`${service.url}/tracks/${id}/1`)).json()).promocode as string));
}

/** Users for the load: a new one (`newShare` of the picks) or one seen before. */
export function visitors(newShare: number, firstId = 1000) {
  const known: number[] = [];
  let next = firstId;
  return {
    known,
    pick(): number {
      if (known.length > 0 && Math.random() >= newShare) return known[Math.floor(Math.random() * known.length)]!;
      known.push(next);
      return next++;
    },
  };
}

/** Counts across the runs of one test (the load before the kill and after the restart). */
export interface LoadCounts {
  sent: number;
  acknowledged: number;
}

/**
 * Sends `until - counts.sent` requests from `clients` concurrent clients (`send` answers whether
 * the service acknowledged one). With `killAt`, SIGKILLs the service once that many were
 * acknowledged; answers whether it did.
 */
export async function drive(
  counts: LoadCounts,
  until: number,
  send: () => Promise<boolean>,
  kill: { service: Started; at: number } | null,
  clients = 16,
): Promise<boolean> {
  let killed = false;
  const client = async () => {
    while (counts.sent < until) {
      counts.sent++;
      if (await send()) counts.acknowledged++;
      if (kill && !killed && counts.acknowledged >= kill.at) {
        killed = true;
        process.kill(kill.service.pid, 'SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return killed;
}
