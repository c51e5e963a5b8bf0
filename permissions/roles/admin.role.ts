/**
 * Administrators run the system (tokens, partners, consent, keys). Separation of duties: an
 * administrator is not a data reader — customer data masked, no writes to it.
 */
import { maskedByDefault, READ_OPERATIONS } from '../defaults';
import type { RolePolicy } from '../vocabulary';

export const adminRole: RolePolicy = {
  description: 'Administrators: customer data masked, no customer writes',
  purposes: { allowed: ['administration'], default: 'administration' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: READ_OPERATIONS,
  fields: maskedByDefault(),
  lookups: [],
  writes: {},
  exposure: { clearBudget: 0, clearBreadth: 0, hardLimit: 1000 },
};
