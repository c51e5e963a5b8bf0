/**
 * Administrators run the system (tokens, partners, consent, keys). Separation of duties: an
 * administrator is not a data reader — customer data masked, no writes to it — and executes an
 * erasure only after two others approved it (permissions/erasure.ts).
 */
import { CONSENT_OPERATIONS, CONSENT_WRITES, DIRECTORY_ADMIN_OPERATIONS, maskedByDefault, PARTNER_ADMIN_OPERATIONS, PARTNER_ADMIN_WRITES, READ_OPERATIONS } from '../defaults';
import { ACCESS_REVIEW_DECIDE_OPERATIONS, ACCESS_REVIEW_READ_OPERATIONS, ACCESS_REVIEW_WRITES, INCIDENT_OPERATIONS, INCIDENT_WRITES, PARTNER_GOVERNANCE_ADMIN_OPERATIONS, PARTNER_GOVERNANCE_ADMIN_WRITES } from '../governance';
import { erasureOperationsOf, erasureWritesOf } from '../erasure';
import type { RolePolicy } from '../vocabulary';

export const adminRole: RolePolicy = {
  description: 'Administrators: partners, tokens and consents; customer data masked, no customer writes',
  purposes: { allowed: ['administration'], default: 'administration' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: [...new Set([...READ_OPERATIONS, ...PARTNER_ADMIN_OPERATIONS, ...CONSENT_OPERATIONS, ...DIRECTORY_ADMIN_OPERATIONS, ...erasureOperationsOf('admin'), ...INCIDENT_OPERATIONS, ...PARTNER_GOVERNANCE_ADMIN_OPERATIONS, ...ACCESS_REVIEW_READ_OPERATIONS, ...ACCESS_REVIEW_DECIDE_OPERATIONS])],
  fields: maskedByDefault(),
  lookups: [],
  writes: { ...PARTNER_ADMIN_WRITES, ...CONSENT_WRITES, ...erasureWritesOf('admin'), ...INCIDENT_WRITES, ...PARTNER_GOVERNANCE_ADMIN_WRITES, ...ACCESS_REVIEW_WRITES },
  exposure: { clearBudget: 0, clearBreadth: 0, hardLimit: 1000 },
  budgets: { requestsPerMinute: 600, daily: { clear: 0, masked: 100_000, probes: 50 } },
  limits: { depth: 10, aliases: 30, directives: 50, cost: 50_000, pageSize: 100, probes: 5 },
};
