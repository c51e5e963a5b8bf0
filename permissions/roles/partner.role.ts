/**
 * Partners: only customers with active consent for the partner and its purpose (filtered in
 * SQL on every path, counts included), only what the token's scopes open (permissions/scopes.ts),
 * every personal field masked; cards and accounts to the last 4; free texts never.
 */
import { SCOPES } from '../scopes';
import { removedByDefault } from '../defaults';
import { mask, type RolePolicy } from '../vocabulary';

export const partnerRole: RolePolicy = {
  description: 'Partners: consenting customers only, fields their token scopes open, masked',
  // Consent is given per partner and purpose: the purpose declared decides which customers are visible.
  // Never marketing (seed 000 二(三)3: no commercial promotion with customer information).
  purposes: { allowed: ['partner_service', 'credit_assessment'], default: 'partner_service' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: ['Query.me', ...new Set(Object.values(SCOPES).flatMap((s) => s.operations))],
  fields: {
    ...removedByDefault(),
    'Customer.name': mask('name'),
    'Customer.phone': mask('phone'),
    'Customer.email': mask('email'),
    'Customer.idNumber': mask('idNumber'),
    'Customer.birthDate': mask('birthYear'),
    'Customer.bankCardNumber': mask('cardLast4'),
    'Contact.name': mask('name'),
    'Contact.phone': mask('phone'),
    'Contact.email': mask('email'),
    'Transaction.accountNumber': mask('cardLast4'),
  },
  lookups: [],
  writes: { fileComplaint: { fields: ['customerId', 'channel', 'category', 'description', 'urgency', 'severity'] } },
  exposure: { clearBudget: 0, clearBreadth: 0, hardLimit: 500 },
  // Per token: a partner integration is a system, not a person; its bulk must be asked for, not accumulated.
  budgets: { requestsPerMinute: 60, daily: { clear: 0, masked: 10_000, probes: 100 } },
  limits: { depth: 8, aliases: 10, directives: 10, cost: 5_000, pageSize: 100, probes: 5 },
  scoped: true,
};
