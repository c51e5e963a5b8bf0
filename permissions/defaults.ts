/** Building blocks the role files share, derived from the classification. */
import { CLASSIFICATION } from './classification';
import type { MaskStrategy } from './masks';
import { mask, relation, remove, SENSITIVE_LEVELS, when, clear, type Decision, type FieldRule, type Relation } from './vocabulary';

/** Every sensitive field with its default mask (removed when it has none): the masked-by-default view. */
export function maskedByDefault(): Record<string, Decision> {
  const rules: Record<string, Decision> = {};
  for (const [type, fields] of Object.entries(CLASSIFICATION)) {
    for (const [field, cls] of Object.entries(fields)) {
      // A generalised field follows its source (policy.ts ruleFor), not a rule of its own.
      if (SENSITIVE_LEVELS.includes(cls.level) && !cls.generalises) rules[`${type}.${field}`] = cls.mask ? mask(cls.mask) : remove;
    }
  }
  return rules;
}

/** Every sensitive field removed: the starting point of de-identified and scoped views. */
export function removedByDefault(): Record<string, Decision> {
  return Object.fromEntries(Object.keys(maskedByDefault()).map((coordinate) => [coordinate, remove]));
}

/** Clear when the relationship holds, otherwise the field's default mask. */
export function clearIf(condition: Relation, coordinate: string): FieldRule {
  const [type, field] = coordinate.split('.');
  const strategy: MaskStrategy | undefined = CLASSIFICATION[type]?.[field]?.mask;
  return when(relation(condition), clear, strategy ? mask(strategy) : remove);
}

/** The same rule for several coordinates. */
export function each(coordinates: readonly string[], rule: (coordinate: string) => FieldRule): Record<string, FieldRule> {
  return Object.fromEntries(coordinates.map((coordinate) => [coordinate, rule(coordinate)]));
}

/** Read operations every staff role that reads customer data may call. */
export const READ_OPERATIONS = [
  'Query.me',
  'Query.customer',
  'Query.customers',
  'Query.transaction',
  'Query.transactions',
  'Query.complaint',
  'Query.complaints',
] as const;

/** The audit register's read operations: granted to auditors only. */
export const REGISTER_OPERATIONS = ['Query.auditLog', 'Query.customerAccessHistory', 'Query.changeHistory', 'Query.accessReport'] as const;

/** Partner onboarding: administrators only (separation of duties: they read no customer data clear). */
export const PARTNER_ADMIN_OPERATIONS = [
  'Query.partners', 'Query.partnerScopes', 'Query.partnerTokens', 'Query.partnerOperations',
  'Mutation.registerPartner', 'Mutation.setPartnerAllowList', 'Mutation.issuePartnerToken', 'Mutation.revokePartnerToken',
  'Mutation.rotatePartnerToken', 'Mutation.registerPartnerOperation',
] as const;

/** The directory of who may be served: administrators only (deactivation, token revocation). */
export const DIRECTORY_ADMIN_OPERATIONS = [
  'Query.staffMembers', 'Mutation.deactivateStaffMember', 'Mutation.activateStaffMember', 'Mutation.revokeStaffTokens', 'Mutation.setStaffDesignations',
  'Mutation.deactivatePartner', 'Mutation.activatePartner',
] as const;

/**
 * Root fields that read or write no customer, contact, transaction or complaint record: the only
 * ones that run without a declared purpose (seed 002 三级 第十条: every lookup states its purpose).
 */
export const OPERATIONS_WITHOUT_CUSTOMER_DATA: readonly string[] = [
  'Query.me',
  ...PARTNER_ADMIN_OPERATIONS,
  ...DIRECTORY_ADMIN_OPERATIONS,
];

const WITHOUT_CUSTOMER_DATA = new Set(OPERATIONS_WITHOUT_CUSTOMER_DATA);

/** Whether any of these root fields (`Query.customers`) reads or writes customer data. */
export function touchesCustomerData(roots: readonly string[]): boolean {
  return roots.some((root) => !WITHOUT_CUSTOMER_DATA.has(root));
}

/** Consent records: staff who deal with customers, and administrators. */
export const CONSENT_OPERATIONS = ['Query.consents', 'Query.partners', 'Mutation.recordConsent', 'Mutation.revokeConsent'] as const;

export const PARTNER_ADMIN_WRITES = {
  registerPartner: { fields: ['id', 'name', 'purposes', 'allowListOnly'] },
  issuePartnerToken: { fields: ['partnerId', 'scopes', 'expiresInDays'] },
  registerPartnerOperation: { fields: ['partnerId', 'document'] },
} as const;

export const CONSENT_WRITES = {
  recordConsent: { fields: ['customerId', 'partnerId', 'purpose', 'fieldGroups', 'grantedAt', 'expiresAt', 'evidence'] },
} as const;

/** Every customer-data mutation: roles that write customer records may call these. */
export const WRITE_OPERATIONS = [
  'Mutation.createCustomer',
  'Mutation.updateCustomer',
  'Mutation.addContact',
  'Mutation.updateContact',
  'Mutation.removeContact',
  'Mutation.recordTransaction',
  'Mutation.fileComplaint',
] as const;

export const CONTACT_INPUT = ['name', 'position', 'phone', 'email'] as const;

export const TRANSACTION_INPUT = ['customerId', 'amount', 'currency', 'direction', 'channel', 'product', 'description', 'accountNumber', 'counterpartyName', 'counterpartyAccount', 'occurredAt'] as const;

/** Relationship care (seed 001 三(一)): the contacts-due worklist and logging a contact. */
export const CARE_OPERATIONS = ['Query.contactsDue', 'Mutation.logCustomerContact'] as const;
export const CARE_INPUT = ['customerId', 'contactedAt', 'method', 'summary'] as const;

/** Complaint free texts: customers write their ID and phone numbers into them. */
export const COMPLAINT_TEXTS = [
  'Complaint.description', 'Complaint.resolution', 'Complaint.delayReason', 'Complaint.customerRequest', 'Complaint.handlingMeasures',
  'Complaint.investigationCause', 'Complaint.investigationCourse', 'Complaint.investigationResponsibility', 'Complaint.investigationConclusion',
  'Complaint.investigationCountermeasures', 'Complaint.satisfactionComment', 'ComplaintEvent.note',
] as const;
