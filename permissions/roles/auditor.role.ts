/** Auditors: the audit register (who saw what, who changed what); customer data masked. */
import { maskedByDefault, READ_OPERATIONS, REGISTER_OPERATIONS } from '../defaults';
import { ACCESS_REVIEW_READ_OPERATIONS, INCIDENT_OPERATIONS, INCIDENT_WRITES } from '../governance';
import { erasureOperationsOf } from '../erasure';
import type { RolePolicy } from '../vocabulary';

export const auditorRole: RolePolicy = {
  description: 'Auditors: the audit register; customer data masked',
  // legal_hold: a restricted customer's data, masked as ever (permissions/erasure.ts).
  purposes: { allowed: ['audit', 'legal_hold'], default: 'audit' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: [...READ_OPERATIONS, ...REGISTER_OPERATIONS, ...erasureOperationsOf('auditor'), 'Query.clearAccessGrants', ...INCIDENT_OPERATIONS, 'Query.partnerSupervisionReport', ...ACCESS_REVIEW_READ_OPERATIONS, 'Query.alerts'],
  fields: maskedByDefault(),
  lookups: [],
  writes: { ...INCIDENT_WRITES },
  exposure: { clearBudget: 0, clearBreadth: 0, hardLimit: 2000 },
  budgets: { requestsPerMinute: 1200, daily: { clear: 0, masked: 1_000_000, probes: 50 } },
  limits: { depth: 10, aliases: 30, directives: 50, cost: 50_000, pageSize: 100, probes: 5 },
};
