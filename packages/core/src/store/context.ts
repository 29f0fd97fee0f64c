import type { Kysely } from 'kysely';
import type { Zone } from '../days/time-zone.js';
import type { AttributionRules } from '../model/attribution.js';
import type { TableNames } from '../schema/table-names.js';
import type { Dialect } from './dialects/dialect.js';

/** What every query needs, resolved once at `createTracker`. Storage knows rows, not codes or requests. */
export interface StoreContext {
  db: Kysely<any>;
  d: Dialect;
  t: TableNames;
  rules: AttributionRules;
  /** The zone whose calendar days `stats`, rollups and exports use. */
  zone: Zone;
}
