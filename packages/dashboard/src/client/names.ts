/**
 * The host's names for user ids (`dashboard({ displayName })`), asked from `/dashboard/names` for
 * the ids about to be shown and kept for the page's life. Without names, ids are shown.
 */
import { getJson } from './api.js';

const known = new Map<number, string | null>();
const BATCH = 200;

/** Asks for the names of the ids not asked before. A failure leaves ids shown as ids. */
export async function loadNames(ids: Iterable<number>): Promise<void> {
  const wanted = [...new Set(ids)].filter((id) => !known.has(id));
  for (let at = 0; at < wanted.length; at += BATCH) {
    const batch = wanted.slice(at, at + BATCH);
    try {
      const { names } = await getJson<{ names: Record<string, string> }>('/dashboard/names', { ids: batch.join(',') });
      for (const id of batch) known.set(id, names[id] ?? null);
    } catch {
      return; // names are a nicety: the numbers still show
    }
  }
}

/** The host's name for a user, or `null`. */
export const nameOf = (id: number): string | null => known.get(id) ?? null;
