/**
 * Service (complaint handling): clear name and phone of customers whose open complaint is
 * assigned to the caller (a manager assigns; never the agent), texts of their assigned complaints (numbers masked), exact-match lookup of a
 * customer by ID number or phone (results masked); birth date clear only when verifying identity.
 */
import { clearIf, COMPLAINT_TEXTS, CONSENT_OPERATIONS, CONSENT_WRITES, each, maskedByDefault, READ_OPERATIONS } from '../defaults';
import { erasureOperationsOf, erasureWritesOf } from '../erasure';
import { complaintOperationsOf, complaintWritesOf } from '../complaint-workflow';
import { statisticsOperationsOf } from '../statistics';
import { all, clear, mask, purpose, relation, remove, when, type RolePolicy } from '../vocabulary';


export const serviceRole: RolePolicy = {
  description: 'Complaint handlers: clear contact of customers with an open complaint assigned to them; lookup by ID number or phone',
  purposes: { allowed: ['complaint_handling', 'identity_verification'], default: 'complaint_handling' },
  clearLevels: ['PUBLIC', 'INTERNAL'],
  operations: [...READ_OPERATIONS, 'Mutation.fileComplaint', ...complaintOperationsOf('service'), ...statisticsOperationsOf('service'), ...CONSENT_OPERATIONS, ...erasureOperationsOf('service')],
  fields: {
    ...maskedByDefault(),
    'Customer.name': clearIf('OPEN_COMPLAINT_ASSIGNED', 'Customer.name'),
    'Customer.phone': clearIf('OPEN_COMPLAINT_ASSIGNED', 'Customer.phone'),
    // Identity checks ask the caller for their birth date and compare.
    'Customer.birthDate': when(all(purpose('identity_verification'), relation('OPEN_COMPLAINT_ASSIGNED')), clear, mask('birthYear')),
    'Customer.annualIncome': remove,
    'Customer.totalAssets': remove,
    'Customer.creditRating': remove,
    // Relationship care is the relationship manager's record, not a service record.
    'ContactLogEntry.summary': remove,
    // Need to know: the texts of their own complaints, with numbers inside masked (customers write
    // their ID and phone numbers into complaints; the handler gets the phone from Customer.phone).
    ...each(COMPLAINT_TEXTS, () => when(relation('ASSIGNED_COMPLAINT'), mask('freeText'), remove)),
  },
  lookups: ['Customer.idNumber', 'Customer.phone'],
  writes: {
    ...CONSENT_WRITES,
    // A customer asks the service desk to be erased: the agent files the request, managers decide it.
    ...erasureWritesOf('service'),
    // Files complaints, never assigns them: an assignment opens clear data to its assignee (a manager assigns).
    fileComplaint: { fields: ['customerId', 'channel', 'category', 'description', 'urgency', 'severity', 'customerRequest', 'replyChannel'] },
    // Works the complaints assigned to them (the workflow's steps: permissions/complaint-workflow.ts).
    ...complaintWritesOf('service'),
  },
  exposure: { clearBudget: 20, clearBreadth: 3, hardLimit: 2000 },
  budgets: { requestsPerMinute: 6000, daily: { clear: 5000, masked: 500_000, probes: 200 } },
  limits: { depth: 12, aliases: 30, directives: 50, cost: 50_000, pageSize: 100, probes: 5 },
};
