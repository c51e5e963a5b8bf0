/**
 * Managers: the whole archive, masked. Clear values only through an approved, time-limited,
 * audited grant (break-glass), which the policy does not grant yet.
 */
import { CONTACT_INPUT, maskedByDefault, READ_OPERATIONS, TRANSACTION_INPUT, WRITE_OPERATIONS } from '../defaults';
import type { RolePolicy } from '../vocabulary';

const CUSTOMER_DATA = ['name', 'phone', 'email', 'address', 'employer', 'annualIncome', 'totalAssets', 'bankCardNumber', 'legalRepresentative', 'businessScope', 'industry', 'tier', 'creditRating', 'relationshipManagerId'];

export const managerRole: RolePolicy = {
  description: 'Managers: every record, masked by default',
  purposes: { allowed: ['supervision'], default: 'supervision' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: [...READ_OPERATIONS, ...WRITE_OPERATIONS],
  fields: maskedByDefault(),
  lookups: [],
  writes: {
    createCustomer: { fields: ['kind', 'idNumber', 'birthDate', 'gender', 'creditCode', ...CUSTOMER_DATA] },
    updateCustomer: { fields: [...CUSTOMER_DATA, 'status'] },
    addContact: { fields: CONTACT_INPUT },
    updateContact: { fields: CONTACT_INPUT },
    removeContact: { fields: [] },
    recordTransaction: {
      fields: TRANSACTION_INPUT,
    },
    fileComplaint: { fields: ['customerId', 'channel', 'category', 'description', 'urgency', 'severity', 'assigneeId'] },
  },
  exposure: { clearBudget: 20, clearBreadth: 3, hardLimit: 5000 },
};
