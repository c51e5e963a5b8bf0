/**
 * Managers: the whole archive, masked. Clear values only through an approved, time-limited,
 * audited grant (break-glass: permissions/clear-access-grants.ts), per customer, field and purpose.
 */
import { CARE_INPUT, CARE_OPERATIONS, clearIf, each, CONSENT_OPERATIONS, CONSENT_WRITES, CONTACT_INPUT, maskedByDefault, READ_OPERATIONS, TRANSACTION_INPUT, WRITE_OPERATIONS } from '../defaults';
import { erasureOperationsOf, erasureWritesOf } from '../erasure';
import { PARTNER_GOVERNANCE_APPROVER_OPERATIONS, PARTNER_GOVERNANCE_APPROVER_WRITES } from '../governance';
import { GRANT_DECISION_OPERATIONS, GRANT_REQUEST_OPERATIONS, grantableFields } from '../clear-access-grants';
import { complaintOperationsOf, complaintWritesOf } from '../complaint-workflow';
import { statisticsOperationsOf } from '../statistics';
import type { RolePolicy } from '../vocabulary';

const CUSTOMER_DATA = ['name', 'phone', 'email', 'address', 'employer', 'annualIncome', 'totalAssets', 'bankCardNumber', 'legalRepresentative', 'businessScope', 'industry', 'tier', 'creditRating'];

/** Relationship-manager changes: a manager requests, and decides other people's requests (permissions/relationship-grants.ts). */
const RELATIONSHIP_OPERATIONS = ['Query.relationshipManagerChanges', 'Mutation.requestRelationshipManagerChange', 'Mutation.approveRelationshipManagerChange', 'Mutation.rejectRelationshipManagerChange', 'Mutation.cancelRelationshipManagerChange'];

/** De-duplication reviews: a manager other than the creator keeps, merges or rejects a new customer. */
const REVIEW_OPERATIONS = ['Query.customerReviews', 'Mutation.resolveCustomerReview'];

export const managerRole: RolePolicy = {
  description: 'Managers: every record, masked by default',
  // legal_hold: a restricted customer's data, masked as ever (permissions/erasure.ts).
  purposes: { allowed: ['supervision', 'legal_hold'], default: 'supervision' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: [...READ_OPERATIONS, ...WRITE_OPERATIONS, ...CONSENT_OPERATIONS, ...RELATIONSHIP_OPERATIONS, ...REVIEW_OPERATIONS, 'Mutation.assignComplaint', ...complaintOperationsOf('manager'), ...CARE_OPERATIONS, ...statisticsOperationsOf('manager'), 'Query.staffMembers', ...erasureOperationsOf('manager'), ...GRANT_REQUEST_OPERATIONS, ...GRANT_DECISION_OPERATIONS, ...PARTNER_GOVERNANCE_APPROVER_OPERATIONS, 'Query.alerts'],
  // Masked, except a field a clear-access grant of the caller opens for that customer and purpose.
  fields: { ...maskedByDefault(), ...each(grantableFields('manager'), (coordinate) => clearIf('GRANT', coordinate)) },
  lookups: [],
  writes: {
    ...CONSENT_WRITES,
    ...erasureWritesOf('manager'),
    // relationshipManagerId on a new customer only opens a change request; updateCustomer cannot set it at all.
    createCustomer: { fields: ['kind', 'idNumber', 'birthDate', 'gender', 'creditCode', 'relationshipManagerId', ...CUSTOMER_DATA] },
    updateCustomer: { fields: [...CUSTOMER_DATA, 'status'] },
    requestRelationshipManagerChange: { fields: ['customerId', 'relationshipManagerId', 'reason'] },
    approveRelationshipManagerChange: { fields: [] },
    rejectRelationshipManagerChange: { fields: [] },
    cancelRelationshipManagerChange: { fields: [] },
    resolveCustomerReview: { fields: [] },
    requestClearAccess: { fields: ['customerId', 'fields', 'purpose', 'reason', 'minutes'] },
    openEmergencyClearAccess: { fields: ['customerId', 'fields', 'purpose', 'reason'] },
    approveClearAccess: { fields: [] },
    rejectClearAccess: { fields: [] },
    cancelClearAccess: { fields: [] },
    revokeClearAccess: { fields: [] },
    reviewEmergencyClearAccess: { fields: [] },
    ...PARTNER_GOVERNANCE_APPROVER_WRITES,
    addContact: { fields: CONTACT_INPUT },
    updateContact: { fields: CONTACT_INPUT },
    removeContact: { fields: [] },
    recordTransaction: {
      fields: TRANSACTION_INPUT,
    },
    fileComplaint: { fields: ['customerId', 'channel', 'category', 'description', 'urgency', 'severity', 'assigneeId', 'customerRequest', 'replyChannel'] },
    assignComplaint: { fields: ['complaintId', 'assigneeId', 'note'] },
    ...complaintWritesOf('manager'),
    logCustomerContact: { fields: CARE_INPUT },
  },
  exposure: { clearBudget: 20, clearBreadth: 3, hardLimit: 5000 },
  budgets: { requestsPerMinute: 6000, daily: { clear: 2000, masked: 10_000_000, probes: 100 } },
  limits: { depth: 12, aliases: 30, directives: 50, cost: 50_000, pageSize: 100, probes: 5 },
};
