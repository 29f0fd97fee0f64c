import type { PromoStorage } from './types.js';

/**
 * A visit (`k: 'v'`) or a share (`k: 's'`), as captured; `at` is when it happened (ISO 8601). A
 * share's `p` is the promocode its card carried (`null`: none), set once `share()` knows it.
 */
export type QueuedEvent =
  | { k: 'v'; id: string; at: string; code: string; scene: string }
  | { k: 's'; id: string; at: string; type: 0 | 1 | 2; page: string; p?: string | null };

/**
 * What survives a restart: the queue, the back-off (attempts, next attempt in ms), the own code, and
 * `d`, this install's random id (the `device` signal: made here, nothing read from the phone).
 */
export interface SavedState {
  q: QueuedEvent[];
  a: number;
  n: number;
  u?: number;
  c?: string;
  d?: string;
}

export const KEY = 'promo-track';

export const randomId = () => Math.random().toString(36).slice(2, 12);
export const MAX_QUEUE = 200;

export function loadState(storage: PromoStorage): SavedState {
  let saved: Partial<SavedState> | undefined;
  try {
    saved = storage.get(KEY) as Partial<SavedState> | undefined;
  } catch {
    // unreadable storage: start empty
  }
  const s = saved && typeof saved === 'object' ? saved : {};
  return {
    q: Array.isArray(s.q) ? s.q : [],
    a: s.a || 0,
    n: s.n || 0,
    u: s.u,
    c: s.c,
    d: typeof s.d == 'string' && s.d ? s.d : randomId() + randomId(),
  };
}

export function saveState(storage: PromoStorage, state: SavedState): void {
  try {
    storage.set(KEY, state);
  } catch {
    // storage full or gone: the queue still lives in memory
  }
}

/** Adds an event, dropping the oldest beyond MAX_QUEUE. */
export function enqueue(state: SavedState, event: QueuedEvent): void {
  state.q.push(event);
  if (state.q.length > MAX_QUEUE) state.q.splice(0, state.q.length - MAX_QUEUE);
}

export function remove(state: SavedState, events: QueuedEvent[]): void {
  state.q = state.q.filter((e) => events.indexOf(e) < 0);
}
