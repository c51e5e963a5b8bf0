import type { Pool } from 'pg';
import { selectList } from '../../src/audit/chain';

/**
 * `extensions.privacy.budget` carries the day's running totals (`usedToday`, `leftToday`), which
 * every request moves: two requests compared for the same answer leave those out and keep what
 * this request charged (`thisRequest`).
 */
export function withoutDayTotals<T>(body: T): T {
  const budget = (body as any)?.extensions?.privacy?.budget;
  if (!budget) return body;
  const { usedToday: _used, leftToday: _left, ...thisRequestAndLimits } = budget;
  const b = body as any;
  return { ...b, extensions: { ...b.extensions, privacy: { ...b.extensions.privacy, budget: thisRequestAndLimits } } };
}

/**
 * What the access register recorded for one request, without what differs by design between two
 * requests (id, time, chain, duration): the record two paths must agree on.
 */
export async function comparableAccessRecord(pool: Pool, requestId: string) {
  const { rows } = await pool.query(`SELECT ${selectList('access')} FROM audit_access r WHERE r.request_id = $1`, [requestId]);
  if (rows.length !== 1) throw new Error(`${rows.length} access records for request ${requestId}`);
  const { fields, customersClear, customersMasked, clearValues, maskedValues, removedValues, outcome, errorCodes, principalRole, purpose, operationName } = rows[0];
  return { fields, customersClear, customersMasked, clearValues, maskedValues, removedValues, outcome, errorCodes, principalRole, purpose, operationName };
}
