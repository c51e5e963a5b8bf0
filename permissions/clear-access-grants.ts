/**
 * Clear access by grant (break-glass): seed 001 五(二)1 lets a manager see a customer's full
 * archive "only after strict approval". A grant names one customer, the fields it opens, a purpose
 * and a reason; a second person approves it (never the requester); it lasts at most `maxMinutes`
 * and can be revoked. The decision is made by the policy (relation `GRANT` in the role files,
 * decided per record by permissions/engine/relations.ts), never by checks in the services; every
 * value it releases is registered with the grant's id (reason `GRANT`). Shown in docs/policy.md.
 */
import type { Role } from './vocabulary';
import type { Designation } from './erasure';

export interface ClearAccessGrantPolicy {
  /** Roles that may request a grant, and the fields (coordinates) a grant for that role may open. */
  requestedBy: Readonly<Partial<Record<Role, readonly string[]>>>;
  /** Who may approve (or reject) a request, and review an emergency grant: these roles, or these designations. */
  approvedBy: { roles: readonly Role[]; designations: readonly Designation[] };
  /** Never the person who asked (who is also the one the grant serves). */
  notBy: readonly ('requester' | 'beneficiary')[];
  /** Longest an approved grant lasts, from its approval (seed 003 四(四)1: high privilege, time-limited). */
  maxMinutes: number;
  /** A request not decided within this time lapses (EXPIRED). */
  pendingMinutes: number;
  emergency: {
    /** Longest an emergency grant lasts, from its opening: no approval before, a review after. */
    maxMinutes: number;
    /** An emergency grant not reviewed blocks the requester's next emergency grant. */
    blocksNextUntilReviewed: boolean;
    when: string;
  };
}

/** The customer fields a manager may ask to see clear: every sensitive field of the customer record. */
const MANAGER_GRANTABLE = [
  'Customer.name',
  'Customer.idNumber',
  'Customer.birthDate',
  'Customer.phone',
  'Customer.email',
  'Customer.address',
  'Customer.employer',
  'Customer.annualIncome',
  'Customer.totalAssets',
  'Customer.bankCardNumber',
  'Customer.legalRepresentative',
  'Customer.creditRating',
] as const;

export const CLEAR_ACCESS_GRANTS: ClearAccessGrantPolicy = {
  requestedBy: { manager: MANAGER_GRANTABLE },
  approvedBy: { roles: ['manager'], designations: ['INFORMATION_MANAGEMENT_HEAD'] },
  notBy: ['requester', 'beneficiary'],
  maxMinutes: 240,
  pendingMinutes: 24 * 60,
  emergency: {
    maxMinutes: 30,
    blocksNextUntilReviewed: true,
    when: 'a customer is harmed by waiting for an approval: opened by the manager alone, the approvers are notified at once (an alert), and another approver reviews it afterwards',
  },
};

/** The fields a grant for this role may open (none: the role cannot request grants). */
export function grantableFields(role: Role): readonly string[] {
  return CLEAR_ACCESS_GRANTS.requestedBy[role] ?? [];
}

/** Operations of the grant flow (the role files give them out). */
export const GRANT_REQUEST_OPERATIONS = ['Query.clearAccessGrants', 'Mutation.requestClearAccess', 'Mutation.cancelClearAccess', 'Mutation.openEmergencyClearAccess'] as const;
export const GRANT_DECISION_OPERATIONS = ['Mutation.approveClearAccess', 'Mutation.rejectClearAccess', 'Mutation.revokeClearAccess', 'Mutation.reviewEmergencyClearAccess'] as const;
