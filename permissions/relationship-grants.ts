/**
 * Who establishes each relationship that unlocks clear values (or, for partners, any value at
 * all): always someone other than the person it benefits (seed 001 五(二)1, seed 003 四(四)1).
 * Declared here next to the relations, enforced by the services and the database, shown in
 * docs/policy.md, and checked against the role files by test/permissions/relationship-grants.test.ts.
 */
import type { Relation } from './vocabulary';

export interface RelationGrant {
  /** What the relation unlocks, in words. */
  relation: Relation | 'CONSENT';
  /** The operations (or one input field of an operation: `Mutation.op.field`) that establish it. */
  establishedBy: string[];
  /** Roles that may ask for it (a request that changes nothing until granted). */
  requestedBy?: string[];
  /** Roles whose members may grant it. */
  grantedBy: string[];
  /** Who may never be the one who grants it. */
  notBy: string[];
  /** The roles that benefit: none of them may call an operation in `establishedBy` on its own. */
  beneficiaries: string[];
  /** When the access it opens ends. */
  endsWhen: string;
}

/** Complaint statuses in which the assigned agent still works the complaint (clear contact data). */
export const OPEN_COMPLAINT_STATUSES: readonly string[] = ['RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING'];

export const RELATIONSHIP_GRANTS: Readonly<Record<string, RelationGrant>> = {
  OWN_CUSTOMER: {
    relation: 'OWN_CUSTOMER',
    establishedBy: ['Mutation.approveRelationshipManagerChange'],
    requestedBy: ['manager', 'sales'],
    grantedBy: ['manager'],
    notBy: ['requester', 'beneficiary'],
    beneficiaries: ['sales'],
    endsWhen: 'another approved change moves the customer to another relationship manager',
  },
  ASSIGNED_COMPLAINT: {
    relation: 'ASSIGNED_COMPLAINT',
    establishedBy: ['Mutation.assignComplaint', 'Mutation.fileComplaint.assigneeId'],
    grantedBy: ['manager'],
    notBy: ['beneficiary'],
    beneficiaries: ['service'],
    endsWhen: 'the complaint is reassigned',
  },
  OPEN_COMPLAINT_ASSIGNED: {
    relation: 'OPEN_COMPLAINT_ASSIGNED',
    // Reopening (and a manager's unhappy survey, which reopens) restores the handler's access: managers only.
    establishedBy: ['Mutation.assignComplaint', 'Mutation.fileComplaint.assigneeId', 'Mutation.reopenComplaint'],
    grantedBy: ['manager'],
    notBy: ['beneficiary'],
    beneficiaries: ['service'],
    endsWhen: `the complaint leaves ${OPEN_COMPLAINT_STATUSES.join(' / ')} (resolved or closed) or is reassigned`,
  },
  CONSENT: {
    relation: 'CONSENT',
    establishedBy: ['Mutation.recordConsent'],
    grantedBy: ['admin', 'manager', 'service'],
    notBy: ['beneficiary', 'staff who registered the partner or issued its tokens'],
    beneficiaries: ['partner'],
    endsWhen: 'the consent expires or is revoked',
  },
};
