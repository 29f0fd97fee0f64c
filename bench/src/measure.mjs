import { now } from './util.mjs';

/** Calls a synchronous `op` back to back for `seconds`; `op` answers how many ops it did. */
export function timedSync(seconds, op) {
  const lat = [];
  const t0 = now();
  const end = t0 + seconds * 1e9;
  let ops = 0;
  for (let t = t0; t < end;) {
    const n = op();
    const t1 = now();
    lat.push(t1 - t);
    ops += n;
    t = t1;
  }
  return { ops, secs: (now() - t0) / 1e9, lat };
}

/** Awaits an asynchronous `op` back to back (one in flight) for `seconds`. */
export async function timedAsync(seconds, op) {
  const lat = [];
  const t0 = now();
  const end = t0 + seconds * 1e9;
  let ops = 0;
  for (let t = t0; t < end;) {
    const n = await op();
    const t1 = now();
    lat.push(t1 - t);
    ops += n;
    t = t1;
  }
  return { ops, secs: (now() - t0) / 1e9, lat };
}

/** `workers` loops of an asynchronous `op`, all until `seconds` have passed. */
export async function timedConcurrent(seconds, workers, op) {
  const lat = [];
  const t0 = now();
  const end = t0 + seconds * 1e9;
  let ops = 0;
  const loop = async () => {
    while (now() < end) {
      const t = now();
      // Not `ops += await op()`: that reads `ops` before awaiting and drops the other loops' counts.
      const n = await op();
      ops += n;
      lat.push(now() - t);
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
  return { ops, secs: (now() - t0) / 1e9, lat };
}
