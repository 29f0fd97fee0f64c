import type { Kysely } from 'kysely';
import type { Zone } from '../days/time-zone.js';
import type { AttributionRules } from '../model/attribution.js';
import type { TableNames } from '../schema/table-names.js';
import type { WebhookEventType } from '../model/types.js';
import type { Dialect } from './dialects/dialect.js';

/** What every query needs, resolved once at `createTracker`. Storage knows rows, not codes or requests. */
export interface StoreContext {
  db: Kysely<any>;
  d: Dialect;
  t: TableNames;
  rules: AttributionRules;
  /** The webhook endpoints, and the event types the write path must put in the outbox. */
  outbox: { endpoints: readonly { key: string; events: ReadonlySet<WebhookEventType> }[]; wants: ReadonlySet<WebhookEventType> };
  /** The zone whose calendar days `stats`, rollups and exports use. */
  zone: Zone;
}
