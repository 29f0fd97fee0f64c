import { appendFileSync } from 'node:fs';

/**
 * Prints the figures of a race (iterations, outcomes) so that they can be quoted; also appends
 * them as one JSON line to `PROMO_TRACK_FIGURES` when that variable names a file.
 */
export function recordFigures(race: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ race, ...figures });
  console.log(`[race figures] ${line}`);
  const file = process.env.PROMO_TRACK_FIGURES;
  if (file) appendFileSync(file, line + '\n');
}
