/** Auditors: the audit register (issue 4); customer data masked. */
import { maskedByDefault, READ_OPERATIONS } from '../defaults';
import type { RolePolicy } from '../vocabulary';

export const auditorRole: RolePolicy = {
  description: 'Auditors: customer data masked',
  purposes: { allowed: ['audit'], default: 'audit' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: READ_OPERATIONS,
  fields: maskedByDefault(),
  lookups: [],
  writes: {},
  exposure: { clearBudget: 0, clearBreadth: 0, hardLimit: 2000 },
};
