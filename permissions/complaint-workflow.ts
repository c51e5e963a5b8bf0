/**
 * The complaint workflow, as the policy: each step, the states it is taken from, the state it
 * leads to, who takes it and on which complaints. Seeds 000 四, 002 篇四 第十五–二十七条, 004 四:
 * received → acknowledged (the customer told the expected time and method) → assigned (a manager
 * names the handler) → investigating (a handling plan) → resolved (investigation report: cause,
 * course, responsibility, conclusion, countermeasures — 第十七条) → closed within 7 days
 * (第二十六条), with delays explained, a follow-up survey, reopening and escalation. Enforced by
 * schema/complaint/workflow.service.ts, shown in docs/policy.md.
 */
import type { Role } from './vocabulary';
import type { Relation } from './vocabulary';

export const COMPLAINT_STATES = ['RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING', 'RESOLVED', 'CLOSED'] as const;
export type ComplaintState = (typeof COMPLAINT_STATES)[number];

/** States in which a complaint is still being worked: the 7-day clock runs, a delay must be explained. */
export const WORKED_STATES: readonly ComplaintState[] = ['RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING'];

export type ComplaintStepName =
  | 'file' | 'acknowledge' | 'assign' | 'startInvestigation' | 'reportProgress' | 'explainDelay' | 'resolve' | 'close' | 'recordSatisfaction' | 'reopen' | 'escalate';

/** What the customer is told by a step (written to the outbox in the step's transaction). */
export type CustomerMessageKind = 'ACKNOWLEDGEMENT' | 'PROGRESS' | 'DELAY' | 'RESULT';

export interface ComplaintStep {
  operation: string;
  /** States it may be taken from ([] for filing, which creates the complaint). */
  from: readonly ComplaintState[];
  /** The state it leads to; 'same' keeps the state (a note, a delay, an escalation). */
  to: ComplaintState | 'same';
  roles: readonly Role[];
  /** Per role: a relation the caller must hold to the complaint (a service agent works only complaints assigned to them). */
  condition?: Partial<Record<Role, Relation>>;
  /** Input fields of the step's `input` argument. */
  fields: readonly string[];
  /** Refused on a complaint past its due time without an explained delay (seed 002 第二十六条: delays are explained first). */
  needsDelayExplainedWhenLate?: boolean;
  /** The message the customer gets. */
  tells?: CustomerMessageKind;
  rule: string;
}

export const COMPLAINT_STEPS: Readonly<Record<ComplaintStepName, ComplaintStep>> = {
  file: {
    operation: 'Mutation.fileComplaint',
    from: [],
    to: 'RECEIVED',
    roles: ['service', 'manager', 'sales', 'partner'],
    fields: ['customerId', 'channel', 'category', 'description', 'urgency', 'severity', 'assigneeId', 'customerRequest', 'replyChannel'],
    rule: 'starts the 7-day clock and the interim deadline for first progress; a complaint number is given (seed 002 第十五条); `assigneeId` managers only (then ASSIGNED)',
  },
  acknowledge: {
    operation: 'Mutation.acknowledgeComplaint',
    from: ['RECEIVED'],
    to: 'ACKNOWLEDGED',
    roles: ['service', 'manager'],
    fields: ['complaintId', 'replyChannel', 'customerRequest'],
    tells: 'ACKNOWLEDGEMENT',
    rule: 'the customer is told it was received, its number, the expected time and the method of the answer (seed 000 四, seed 004 四)',
  },
  assign: {
    operation: 'Mutation.assignComplaint',
    from: ['RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING'],
    to: 'ASSIGNED',
    roles: ['manager'],
    fields: ['complaintId', 'assigneeId', 'note'],
    rule: 'a manager names the handler, never themselves (ASSIGNED and INVESTIGATING keep their state on reassignment; seed 002 第九条)',
  },
  startInvestigation: {
    operation: 'Mutation.startComplaintInvestigation',
    from: ['ASSIGNED'],
    to: 'INVESTIGATING',
    roles: ['service', 'manager'],
    condition: { service: 'ASSIGNED_COMPLAINT' },
    fields: ['complaintId', 'measures', 'ownerId', 'deadline'],
    needsDelayExplainedWhenLate: true,
    tells: 'PROGRESS',
    rule: 'the handling plan: measures, owner and deadline (seed 002 第十五条 受理部门处理意见); the first progress the customer hears of',
  },
  reportProgress: {
    operation: 'Mutation.reportComplaintProgress',
    from: ['INVESTIGATING'],
    to: 'same',
    roles: ['service', 'manager'],
    condition: { service: 'ASSIGNED_COMPLAINT' },
    fields: ['complaintId', 'note'],
    needsDelayExplainedWhenLate: true,
    tells: 'PROGRESS',
    rule: 'a progress note on the timeline; the customer is told the complaint is being worked (seed 001 三(三)2)',
  },
  explainDelay: {
    operation: 'Mutation.explainComplaintDelay',
    from: ['RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING'],
    to: 'same',
    roles: ['service', 'manager'],
    condition: { service: 'ASSIGNED_COMPLAINT' },
    fields: ['complaintId', 'reason'],
    tells: 'DELAY',
    rule: 'why it takes longer than 7 days, given before the due time passes (afterwards every other step waits for it), and sent to the customer',
  },
  resolve: {
    operation: 'Mutation.resolveComplaint',
    from: ['INVESTIGATING'],
    to: 'RESOLVED',
    roles: ['service', 'manager'],
    condition: { service: 'ASSIGNED_COMPLAINT' },
    fields: ['complaintId', 'cause', 'course', 'responsibility', 'conclusion', 'countermeasures', 'resolution'],
    needsDelayExplainedWhenLate: true,
    tells: 'RESULT',
    rule: 'the investigation report — cause, course, responsibility, conclusion, countermeasures (seed 002 第十七条) — and the resolution the customer is told (第十四条)',
  },
  close: {
    operation: 'Mutation.closeComplaint',
    from: ['RESOLVED'],
    to: 'CLOSED',
    roles: ['manager'],
    fields: ['complaintId'],
    needsDelayExplainedWhenLate: true,
    rule: 'a manager closes a resolved complaint (seed 002 第十三条 主管审核); closed after its due time only with the delay explained',
  },
  recordSatisfaction: {
    operation: 'Mutation.recordComplaintSatisfaction',
    from: ['RESOLVED', 'CLOSED'],
    to: 'same',
    roles: ['service', 'manager'],
    fields: ['complaintId', 'score', 'comment'],
    rule: 'the follow-up survey: 1–5 and a comment (seed 001 三(二)3); 1 or 2 recorded by a manager reopens the complaint to its handler with a new 7-day clock, recorded by a service agent escalates it to managers as a follow-up (a reopening restores the handler\'s clear access: never the agent\'s own doing)',
  },
  reopen: {
    operation: 'Mutation.reopenComplaint',
    from: ['RESOLVED', 'CLOSED'],
    to: 'INVESTIGATING',
    roles: ['manager'],
    fields: ['complaintId', 'reason'],
    rule: 'a manager reopens for an unhappy customer: back to its handler (ASSIGNED when it has none), a new 7-day clock',
  },
  escalate: {
    operation: 'Mutation.escalateComplaint',
    from: ['RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING'],
    to: 'same',
    roles: ['manager'],
    fields: ['complaintId', 'reason'],
    rule: 'raises the complaint to a manager\'s attention (urgency URGENT); the escalation job does the same, without a person, for a complaint near its due time with no progress',
  },
};

/** Read operations of the workflow beyond the complaint queries, and who may call them. */
export const COMPLAINT_READS: Readonly<Record<string, { roles: readonly Role[]; what: string }>> = {
  'Query.complaintWorklist': { roles: ['service', 'manager'], what: 'complaints near or past their due or interim time, and follow-ups of unhappy surveys, per agent (service: their own) and per branch' },
};

/** Default deadlines; `COMPLAINT_INTERIM_HOURS` and `COMPLAINT_ESCALATE_HOURS` override them. */
export const COMPLAINT_DEADLINES = {
  /** Seed 002 第二十六条. */
  closeWithinDays: 7,
  /** First progress due this long after receipt (seed 001 三(三)2 "[X]个工作日内回复客户处理进度"). */
  interimHours: 48,
  /** Escalated (and on the worklist as near due) this long before its due time with no progress. */
  escalateBeforeHours: 24,
} as const;

/** Root fields of the workflow a role may call (filing and assigning are listed in the role files as before). */
export function complaintOperationsOf(role: Role): string[] {
  const steps = Object.entries(COMPLAINT_STEPS)
    .filter(([name, s]) => name !== 'file' && name !== 'assign' && s.roles.includes(role))
    .map(([, s]) => s.operation);
  const reads = Object.entries(COMPLAINT_READS).filter(([, r]) => r.roles.includes(role)).map(([op]) => op);
  return [...steps, ...reads];
}

/** Write grants of the workflow mutations for a role (the plan checks `input` fields against them). */
export function complaintWritesOf(role: Role): Record<string, { fields: readonly string[]; condition?: Relation }> {
  const writes: Record<string, { fields: readonly string[]; condition?: Relation }> = {};
  for (const [name, step] of Object.entries(COMPLAINT_STEPS)) {
    if (name === 'file' || name === 'assign' || !step.roles.includes(role)) continue;
    const condition = step.condition?.[role];
    writes[step.operation.slice('Mutation.'.length)] = { fields: step.fields, ...(condition ? { condition } : {}) };
  }
  return writes;
}
