/**
 * Erasure of a customer's information, as the policy: who performs each step, from which state,
 * and who never may. Seed 000 二(五): deletion when the relationship ends or on the customer's
 * request, unrecoverable, recorded; seed 003 二(四)2: application → department head →
 * information-management head (客户信息管理部门负责人) → the system administrator executes,
 * backups included; seed 001 五(四)3: the clearing is recorded for later audit. Enforced by
 * schema/erasure (and the database's CHECKs), shown in docs/policy.md.
 */
import type { Role } from './vocabulary';

/**
 * Designations: duties the directory gives a staff member on top of their role, set only by an
 * administrator (never by the member: `setStaffDesignations`, `npm run staff -- designate`).
 */
export const DESIGNATIONS = {
  INFORMATION_MANAGEMENT_HEAD: {
    title: 'information-management head (信息管理部门负责人)',
    /** A department head: the role the member must hold to be designated, and to act as such. */
    eligibleRoles: ['manager'] as readonly Role[],
    assignedBy: ['admin'] as readonly Role[],
    duty: 'second approval of an erasure (seed 003 二(四)2)',
  },
} as const;
export type Designation = keyof typeof DESIGNATIONS;
export const DESIGNATION_NAMES = Object.keys(DESIGNATIONS) as Designation[];

/** Why the customer's information is to be erased (seed 000 二(五)1). */
export const ERASURE_BASES = ['CUSTOMER_REQUEST', 'END_OF_RELATIONSHIP'] as const;
export type ErasureBasis = (typeof ERASURE_BASES)[number];

/**
 * States of a request. RESTRICTED: executed while a legal retention period still runs — nobody
 * reads the person's data except under `legal_hold`, and `npm run retention` erases it when the
 * period ends. ERASED, REJECTED and CANCELLED are final.
 */
export const ERASURE_STATES = ['REQUESTED', 'DEPARTMENT_APPROVED', 'APPROVED', 'RESTRICTED', 'ERASED', 'REJECTED', 'CANCELLED'] as const;
export type ErasureState = (typeof ERASURE_STATES)[number];
/** States in which a request is still open: at most one per customer. */
export const OPEN_ERASURE_STATES: readonly ErasureState[] = ['REQUESTED', 'DEPARTMENT_APPROVED', 'APPROVED', 'RESTRICTED'];

/** The people of one request, by the step they performed. */
export type ErasureActor = 'requester' | 'departmentApprover' | 'informationHeadApprover' | 'executor';

export type ErasureStepName = 'request' | 'approve' | 'approveAsInformationHead' | 'reject' | 'cancel' | 'execute' | 'retention';

export interface ErasureStep {
  /** The root field that performs it (null: no API — the retention job). */
  operation: string | null;
  /** States it may be taken from ([] for the request that creates the record). */
  from: readonly ErasureState[];
  /** State(s) it leads to. */
  to: readonly ErasureState[];
  /** Roles that may perform it; `designation`: only members holding it. */
  roles: readonly Role[];
  designation?: Designation;
  /** People of the request who may never perform it ("nobody performs two steps of one request"). */
  notBy: readonly ErasureActor[];
  /** Only this person of the request may perform it. */
  onlyBy?: ErasureActor;
  /** Performed by whoever may perform the approval pending in the current state (its roles, designation and exclusions). */
  actsAs?: readonly ErasureStepName[];
  /** Which person of the request it records (the deletion record names them). */
  records?: ErasureActor;
  /** Input fields of the step's `input` argument. */
  fields?: readonly string[];
  rule: string;
}

export const ERASURE_STEPS: Readonly<Record<ErasureStepName, ErasureStep>> = {
  request: {
    operation: 'Mutation.requestErasure',
    from: [],
    to: ['REQUESTED'],
    roles: ['service', 'manager'],
    notBy: [],
    records: 'requester',
    fields: ['customerId', 'basis', 'reason'],
    rule: 'on the customer’s request or at the end of the relationship, with a reason holding no ID, phone or card number (seed 000 二(五)1, seed 003 二(四)2 申请)',
  },
  approve: {
    operation: 'Mutation.approveErasure',
    from: ['REQUESTED'],
    to: ['DEPARTMENT_APPROVED'],
    roles: ['manager'],
    notBy: ['requester'],
    records: 'departmentApprover',
    rule: 'the department head (a manager) approves (seed 003 二(四)2 部门负责人审核)',
  },
  approveAsInformationHead: {
    operation: 'Mutation.approveErasureAsInformationHead',
    from: ['DEPARTMENT_APPROVED'],
    to: ['APPROVED'],
    roles: ['manager'],
    designation: 'INFORMATION_MANAGEMENT_HEAD',
    notBy: ['requester', 'departmentApprover'],
    records: 'informationHeadApprover',
    rule: 'the information-management head approves: a second, different person (seed 003 二(四)2 客户信息管理部门负责人审批)',
  },
  reject: {
    operation: 'Mutation.rejectErasure',
    from: ['REQUESTED', 'DEPARTMENT_APPROVED'],
    to: ['REJECTED'],
    roles: ['manager'],
    notBy: ['requester', 'departmentApprover'],
    actsAs: ['approve', 'approveAsInformationHead'],
    rule: 'whoever may approve the pending step may reject it instead, with a reason (at DEPARTMENT_APPROVED: the information-management head)',
  },
  cancel: {
    operation: 'Mutation.cancelErasure',
    from: ['REQUESTED', 'DEPARTMENT_APPROVED', 'APPROVED'],
    to: ['CANCELLED'],
    roles: ['service', 'manager'],
    notBy: [],
    onlyBy: 'requester',
    rule: 'the requester withdraws the request before it is executed',
  },
  execute: {
    operation: 'Mutation.executeErasure',
    from: ['APPROVED'],
    to: ['ERASED', 'RESTRICTED'],
    roles: ['admin'],
    notBy: ['requester', 'departmentApprover', 'informationHeadApprover'],
    records: 'executor',
    rule: 'a system administrator executes after both approvals: keys destroyed and personal columns cleared, or restricted while a legal retention period runs (seed 003 二(四)2 系统管理员执行删除)',
  },
  retention: {
    operation: null,
    from: ['RESTRICTED'],
    to: ['ERASED'],
    roles: [],
    notBy: [],
    rule: '`npm run retention` erases a restricted customer once its retention period has ended (seed 001 五(四)2)',
  },
};

/** Read operations of the erasure flow and who may call them. */
export const ERASURE_READS: Readonly<Record<string, { roles: readonly Role[]; what: string }>> = {
  'Query.erasureRequests': { roles: ['manager', 'auditor', 'admin'], what: 'requests and their steps (the information-management head is a manager)' },
  'Query.deletionRecords': { roles: ['auditor'], what: 'what was erased, when and by whom — ids, dates and categories, no value of the person (seed 001 五(四)3)' },
};

/**
 * The purpose under which a restricted customer's data may be read at all (a court, a regulator,
 * an AML inquiry during the retention period). It lifts the restriction only: the role's own field
 * rules still apply (managers and auditors read masked), so nothing is read clear through it.
 */
export const LEGAL_HOLD_PURPOSE = 'legal_hold' as const;
export const LEGAL_HOLD_ROLES: readonly Role[] = ['manager', 'auditor'];

/** Root fields of the erasure flow a role may call. */
export function erasureOperationsOf(role: Role): string[] {
  const steps = Object.values(ERASURE_STEPS).filter((s) => s.operation && s.roles.includes(role)).map((s) => s.operation!);
  const reads = Object.entries(ERASURE_READS).filter(([, r]) => r.roles.includes(role)).map(([op]) => op);
  return [...steps, ...reads];
}

/** Write grants of the erasure mutations for a role (the plan checks `input` fields against them). */
export function erasureWritesOf(role: Role): Record<string, { fields: readonly string[] }> {
  const writes: Record<string, { fields: readonly string[] }> = {};
  for (const step of Object.values(ERASURE_STEPS)) {
    if (step.operation?.startsWith('Mutation.') && step.roles.includes(role)) writes[step.operation.slice('Mutation.'.length)] = { fields: step.fields ?? [] };
  }
  return writes;
}

/**
 * Fields every role may read (not sensitive) that are nonetheless the person's: erasure clears
 * them with the rest, and the change history seals them under the customer's history key so they
 * do not outlive the erasure there (src/audit/change-log.ts).
 */
export const PERSONAL_PLAIN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Customer: ['gender', 'creditCode', 'businessScope'],
  Contact: ['position'],
};
