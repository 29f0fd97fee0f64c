import type { Kysely } from 'kysely';
import type { Codec } from '../codes.js';
import type { TableNames } from '../schema/table-names.js';
import type { AttributionOptions } from '../types.js';
import type { Dialect } from './dialect.js';

/** What every query needs, resolved once at `createTracker`. */
export interface StoreContext {
  db: Kysely<any>;
  d: Dialect;
  t: TableNames;
  codec: Codec;
  attribution: Required<Pick<AttributionOptions, 'model'>> & { windowMs: number | null };
  excludeScenes: ReadonlySet<string>;
}
