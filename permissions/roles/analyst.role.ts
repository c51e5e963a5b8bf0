/**
 * Analysts: de-identified bulk reads. Direct identifiers removed, quasi-identifiers generalised
 * (birth year, province + city, income bucket), amounts and ratings clear; no stable direct
 * identifier either — no archive number, customer ids as pseudonyms of this analyst and purpose.
 */
import { READ_OPERATIONS, removedByDefault } from '../defaults';
import { clear, mask, type RolePolicy } from '../vocabulary';
import { statisticsOperationsOf } from '../statistics';

export const analystRole: RolePolicy = {
  description: 'Analysts: identifiers removed, quasi-identifiers generalised, amounts clear',
  purposes: { allowed: ['statistics', 'risk_analysis'], default: 'statistics' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: [...READ_OPERATIONS, ...statisticsOperationsOf('analyst')],
  fields: {
    ...removedByDefault(),
    'Customer.birthDate': mask('birthYear'),
    'Customer.address': mask('address'),
    'Customer.annualIncome': mask('moneyBucket'),
    'Customer.totalAssets': mask('moneyBucket'),
    'Customer.creditRating': clear,
  },
  // The archive number names a customer as surely as an ID number; filtering by it is refused with it.
  withheld: ['Customer.archiveNumber', 'Customer.contactLog', 'Complaint.messages'],
  pseudonymousIds: true,
  lookups: [],
  writes: {},
  // 100k de-identified values; nothing identifying is ever clear.
  exposure: { clearBudget: 100_000, clearBreadth: 0, hardLimit: 100_000 },
  // De-identified bulk reads are the analyst's job: the daily budget is high, the per-request limit holds.
  budgets: { requestsPerMinute: 600, daily: { clear: 10_000_000, masked: 10_000_000, probes: 100 } },
  limits: { depth: 12, aliases: 50, directives: 50, cost: 500_000, pageSize: 1000, probes: 5 },
};
