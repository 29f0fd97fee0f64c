import type { TableNames } from '../../schema/table-names.js';
import type { Dialect } from './dialect.js';

/** What a binding's checks read, each named where a statement puts it. */
export type BindingOperand = 'referrer' | 'referee' | 'since' | 'device' | 'ip';

/**
 * The four reads of a binding's checks as the select list `device_at, ip_at, recent, cluster`, each
 * operand written by `operand` (a parameter, or an expression of the statement that embeds it), asked
 * for in the order they appear. The one text of these reads, for every statement that makes them.
 */
export function bindingReads(t: TableNames, d: Pick<Dialect, 'quote' | 'chainLock'>, operand: (name: BindingOperand) => string): string {
  // Each read locking where the database needs it to see the latest committed rows (MySQL's REPEATABLE READ).
  const lock = d.chainLock;
  const seen = (kind: 'device' | 'ip') =>
    `(select seen_at from ${d.quote(t.signal)} where user_id = ${operand('referrer')} and kind = '${kind}' and hash = ${operand(kind)}${lock})`;
  const device = seen('device');
  const ip = seen('ip');
  const recent = `(select count(*) from ${d.quote(t.referral)} where referrer = ${operand('referrer')} and bound_at > ${operand('since')} and user_id <> ${operand('referee')}${lock})`;
  const cluster = `(select count(*) from ${d.quote(t.signal)} where kind = 'device' and hash = ${operand('device')} and new_user = 1 and user_id <> ${operand('referee')}${lock})`;
  return `${device} as device_at, ${ip} as ip_at, ${recent} as recent, ${cluster} as cluster`;
}
