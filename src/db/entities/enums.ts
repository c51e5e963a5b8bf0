/** Enumerations shared by the database (CHECK constraints) and the GraphQL schema. */
import { registerEnumType } from 'type-graphql';
import type { Designation } from '../../../permissions/erasure';

export enum CustomerKind { INDIVIDUAL = 'INDIVIDUAL', CORPORATE = 'CORPORATE' }
export enum CustomerTier { KEY = 'KEY', GENERAL = 'GENERAL' }
/**
 * PENDING_REVIEW: created by a caller who may not read ID numbers clear, until a manager resolves its de-duplication review.
 * RESTRICTED: erasure approved while a legal retention period runs (nobody reads their data but under legal_hold); ERASED: keys destroyed, personal columns cleared.
 */
export enum CustomerStatus { ACTIVE = 'ACTIVE', CLOSED = 'CLOSED', ERASED = 'ERASED', PENDING_REVIEW = 'PENDING_REVIEW', RESTRICTED = 'RESTRICTED' }
/** How a de-duplication review closed a customer row that never became a customer. */
export enum ReviewOutcome { MERGED = 'MERGED', REJECTED = 'REJECTED' }
export enum Gender { MALE = 'MALE', FEMALE = 'FEMALE' }
export enum CreditRating { AAA = 'AAA', AA = 'AA', A = 'A', BBB = 'BBB', BB = 'BB', B = 'B', C = 'C' }
export enum StaffRole {
  SALES = 'sales', SERVICE = 'service', MANAGER = 'manager',
  ANALYST = 'analyst', AUDITOR = 'auditor', ADMIN = 'admin',
}
/** Designations of permissions/erasure.ts (DESIGNATIONS), as a database and GraphQL enumeration. */
export enum StaffDesignation { INFORMATION_MANAGEMENT_HEAD = 'INFORMATION_MANAGEMENT_HEAD' }
// The policy's designations, no more and no fewer: a compile error otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SAME_DESIGNATIONS: Same<`${StaffDesignation}`, Designation> = true;
void SAME_DESIGNATIONS;
export enum TransactionDirection { DEBIT = 'DEBIT', CREDIT = 'CREDIT' }
export enum TransactionChannel {
  COUNTER = 'COUNTER', ATM = 'ATM', ONLINE = 'ONLINE', MOBILE = 'MOBILE', POS = 'POS', TRANSFER = 'TRANSFER',
}
export enum TransactionStatus { PENDING = 'PENDING', COMPLETED = 'COMPLETED', FAILED = 'FAILED', REVERSED = 'REVERSED' }
export enum ComplaintChannel { HOTLINE = 'HOTLINE', ONLINE = 'ONLINE', EMAIL = 'EMAIL', BRANCH = 'BRANCH' }
export enum ComplaintCategory {
  SERVICE_ATTITUDE = 'SERVICE_ATTITUDE', FEES = 'FEES', CARD = 'CARD', TRANSACTION_DISPUTE = 'TRANSACTION_DISPUTE',
  PRODUCT_MISSELLING = 'PRODUCT_MISSELLING', PRIVACY = 'PRIVACY', DIGITAL_CHANNEL = 'DIGITAL_CHANNEL', OTHER = 'OTHER',
}
export enum ComplaintUrgency { LOW = 'LOW', NORMAL = 'NORMAL', HIGH = 'HIGH', URGENT = 'URGENT' }
export enum ComplaintSeverity { MINOR = 'MINOR', MODERATE = 'MODERATE', MAJOR = 'MAJOR', CRITICAL = 'CRITICAL' }
/** The complaint workflow, in order; CLOSED is final (seed 002 art. 26: within 7 days). */
export enum ComplaintStatus {
  RECEIVED = 'RECEIVED', ACKNOWLEDGED = 'ACKNOWLEDGED', ASSIGNED = 'ASSIGNED', INVESTIGATING = 'INVESTIGATING',
  RESOLVED = 'RESOLVED', CLOSED = 'CLOSED',
}

registerEnumType(CustomerKind, { name: 'CustomerKind', description: 'Individual person or corporate body' });
registerEnumType(CustomerTier, { name: 'CustomerTier', description: 'KEY customers are contacted monthly, GENERAL quarterly' });
registerEnumType(CustomerStatus, {
  name: 'CustomerStatus',
  valuesConfig: {
    RESTRICTED: { description: 'Erasure approved while a legal retention period runs: personal fields removed for every role except under the legal_hold purpose' },
    ERASED: { description: 'Erased: keys destroyed, every personal field null; non-personal transaction facts stay' },
  },
});
registerEnumType(Gender, { name: 'Gender' });
registerEnumType(CreditRating, { name: 'CreditRating' });
registerEnumType(StaffRole, { name: 'StaffRole' });
registerEnumType(StaffDesignation, {
  name: 'StaffDesignation',
  valuesConfig: { INFORMATION_MANAGEMENT_HEAD: { description: 'Information-management head (信息管理部门负责人): the second approval of an erasure; a manager' } },
});
registerEnumType(TransactionDirection, { name: 'TransactionDirection', description: 'DEBIT: money out of the customer account; CREDIT: money in' });
registerEnumType(TransactionChannel, { name: 'TransactionChannel' });
registerEnumType(TransactionStatus, { name: 'TransactionStatus' });
registerEnumType(ComplaintChannel, { name: 'ComplaintChannel' });
registerEnumType(ComplaintCategory, { name: 'ComplaintCategory' });
registerEnumType(ComplaintUrgency, { name: 'ComplaintUrgency' });
registerEnumType(ComplaintSeverity, { name: 'ComplaintSeverity' });
registerEnumType(ComplaintStatus, { name: 'ComplaintStatus' });

/** What a timeline entry records: a change of status, or a step that keeps it. */
export enum ComplaintEventKind {
  STATUS = 'STATUS', PROGRESS = 'PROGRESS', DELAY = 'DELAY', ESCALATED = 'ESCALATED', REOPENED = 'REOPENED', SURVEY = 'SURVEY', MESSAGE = 'MESSAGE',
}
registerEnumType(ComplaintEventKind, { name: 'ComplaintEventKind', description: 'STATUS: the complaint entered `status`; the others keep it (MESSAGE: a message to the customer sent or failed)' });

/** How the customer is answered. */
export enum ComplaintReplyChannel { EMAIL = 'EMAIL', SMS = 'SMS' }
registerEnumType(ComplaintReplyChannel, { name: 'ComplaintReplyChannel' });

export enum ComplaintMessageKind { ACKNOWLEDGEMENT = 'ACKNOWLEDGEMENT', PROGRESS = 'PROGRESS', DELAY = 'DELAY', RESULT = 'RESULT' }
registerEnumType(ComplaintMessageKind, { name: 'ComplaintMessageKind' });

export enum ComplaintMessageStatus { PENDING = 'PENDING', SENT = 'SENT', FAILED = 'FAILED', CANCELLED = 'CANCELLED' }
registerEnumType(ComplaintMessageStatus, {
  name: 'ComplaintMessageStatus',
  valuesConfig: { FAILED: { description: 'Given up after the last retry' }, CANCELLED: { description: 'Not sent: the customer has no address for the channel, or is restricted or erased' } },
});

/** SQL list for a CHECK constraint: ('A', 'B'). */
export function sqlEnumList(values: Record<string, string>): string {
  return `(${Object.values(values).map((v) => `'${v}'`).join(', ')})`;
}
