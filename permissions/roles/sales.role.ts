/**
 * Sales (seed 001: "sales see basic info and transactions"): clear contact data of their own
 * customers — relationship manager = caller — and masks for everyone else's.
 */
import { CARE_INPUT, CARE_OPERATIONS, clearIf, COMPLAINT_TEXTS, CONTACT_INPUT, each, maskedByDefault, READ_OPERATIONS, TRANSACTION_INPUT, WRITE_OPERATIONS } from '../defaults';
import { mask, relation, remove, when, type RolePolicy } from '../vocabulary';

const OWN_CLEAR = [
  'Customer.name',
  'Customer.phone',
  'Customer.email',
  'Customer.address',
  'Customer.birthDate',
  'Customer.employer',
  'Customer.annualIncome',
  'Customer.totalAssets',
  'Customer.legalRepresentative',
  'Contact.name',
  'Contact.phone',
  'Contact.email',
  'Transaction.counterpartyName',
  'Transaction.description',
];


const CUSTOMER_DATA = ['name', 'phone', 'email', 'address', 'employer', 'annualIncome', 'totalAssets', 'bankCardNumber', 'legalRepresentative', 'businessScope', 'industry', 'tier'];

export const salesRole: RolePolicy = {
  description: 'Relationship managers: clear contact data of their own customers, masks for others',
  purposes: { allowed: ['relationship_management'], default: 'relationship_management' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  // A rep may ask to move their own customer to another rep, and withdraw that; never decide one.
  operations: [...READ_OPERATIONS, ...WRITE_OPERATIONS, 'Mutation.requestRelationshipManagerChange', 'Mutation.cancelRelationshipManagerChange', ...CARE_OPERATIONS],
  // Complaint texts are service records: a rep sees their own customers' complaints masked, no one else's.
  fields: {
    ...maskedByDefault(),
    ...each(OWN_CLEAR, (coordinate) => clearIf('OWN_CUSTOMER', coordinate)),
    'Customer.creditRating': clearIf('OWN_CUSTOMER', 'Customer.creditRating'),
    ...each(COMPLAINT_TEXTS, () => when(relation('OWN_CUSTOMER'), mask('freeText'), remove)),
    // Their own contact log, as the complaint texts: numbers inside masked; nobody else's.
    'ContactLogEntry.summary': when(relation('OWN_CUSTOMER'), mask('freeText'), remove),
  },
  lookups: [],
  writes: {
    // relationshipManagerId (another rep or themselves) only opens a change request a manager decides.
    createCustomer: { fields: ['kind', 'name', 'idNumber', 'birthDate', 'gender', 'creditCode', 'relationshipManagerId', ...CUSTOMER_DATA] },
    updateCustomer: { fields: CUSTOMER_DATA, condition: 'OWN_CUSTOMER' },
    addContact: { fields: CONTACT_INPUT, condition: 'OWN_CUSTOMER' },
    updateContact: { fields: CONTACT_INPUT, condition: 'OWN_CUSTOMER' },
    removeContact: { fields: [], condition: 'OWN_CUSTOMER' },
    recordTransaction: {
      fields: TRANSACTION_INPUT,
      condition: 'OWN_CUSTOMER',
    },
    fileComplaint: { fields: ['customerId', 'channel', 'category', 'description', 'urgency', 'severity'] },
    requestRelationshipManagerChange: { fields: ['customerId', 'relationshipManagerId', 'reason'], condition: 'OWN_CUSTOMER' },
    cancelRelationshipManagerChange: { fields: [] },
    // Relationship care (seed 001 三(一)): a rep logs contacts with their own customers.
    logCustomerContact: { fields: CARE_INPUT, condition: 'OWN_CUSTOMER' },
  },
  // One customer's phone clear, yes; a page of 100 phones clear, no (downgraded to masks).
  exposure: { clearBudget: 20, clearBreadth: 3, hardLimit: 2000 },
  budgets: { requestsPerMinute: 6000, daily: { clear: 20_000, masked: 1_000_000, probes: 100 } },
  limits: { depth: 12, aliases: 30, directives: 50, cost: 50_000, pageSize: 100, probes: 5 },
};
