/**
 * Partners: only customers who consented to sharing with them, only scoped fields, masked;
 * cards last 4 only. Until the consent register exists (issue 5) a partner reaches no
 * customer record: only `me`.
 */
import { removedByDefault } from '../defaults';
import { mask, type RolePolicy } from '../vocabulary';

export const partnerRole: RolePolicy = {
  description: 'Partners: consenting customers only (consent register pending), scoped fields masked',
  purposes: { allowed: ['partner_service'], default: 'partner_service' },
  clearLevels: ['PUBLIC'],
  operations: ['Query.me'],
  fields: {
    ...removedByDefault(),
    'Customer.name': mask('name'),
    'Customer.phone': mask('phone'),
    'Customer.bankCardNumber': mask('cardLast4'),
  },
  lookups: [],
  writes: {},
  exposure: { clearBudget: 0, clearBreadth: 0, hardLimit: 500 },
};
