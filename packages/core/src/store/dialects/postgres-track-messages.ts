import type { TableNames } from '../../schema/table-names.js';
import type { TrackMessages } from './dialect.js';
import { PENDING_ID_TEXT, PENDING_REFERRER_NAME, PENDING_REFERRER_TEXT } from './optimistic-visit.js';
import { ident } from './statements.js';

/**
 * A CTE that writes a visit's `track.recorded` messages with its track (`TrackMessages`): those of
 * the outcome the statement chose, the stand-ins replaced by the id and referrer of `from`'s row
 * (`id`, `referrer`, `outcome`). `user`: the visitor's parameter (a referrer that is the user is
 * named once, as `namesColumn` does); parameters from `$first`: the time, then the rows' columns.
 */
export function trackMessagesCte(t: TableNames, from: string, user: string, first: number): string {
  const p = (k: number) => `$${first + k}`;
  return (
    `m as (insert into ${ident(t.webhookMessage)} (token, endpoint, type, payload, names, status, attempts, next_attempt_at, created_at) ` +
    `select x.token, x.endpoint, x.type, replace(replace(x.payload, '${PENDING_ID_TEXT}', '"id":' || ${from}.id), ` +
    `'${PENDING_REFERRER_TEXT}', '"referrer":' || ${from}.referrer), ` +
    `replace(x.names, '${PENDING_REFERRER_NAME}', case when ${from}.referrer = ${user} then ',' else ',' || ${from}.referrer || ',' end), ` +
    `'pending', 0, ${p(0)}::bigint, ${p(0)}::bigint from ${from} join unnest(${p(1)}::varchar[], ${p(2)}::varchar[], ` +
    `${p(3)}::varchar[], ${p(4)}::text[], ${p(5)}::varchar[], ${p(6)}::varchar[]) as x(token, endpoint, type, payload, names, outcome) ` +
    `on x.outcome = ${from}.outcome returning 1)`
  );
}

/** The parameters of `trackMessagesCte`, in its order. */
export function trackMessagesParams(m: TrackMessages): unknown[] {
  const column = (name: keyof TrackMessages['rows'][number]) => m.rows.map((row) => row[name]);
  return [m.at, column('token'), column('endpoint'), column('type'), column('payload'), column('names'), column('outcome')];
}
