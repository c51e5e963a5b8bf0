/** The workflow's steps after filing and assignment, one function per mutation (rules: permissions/complaint-workflow.ts). */
import type { RequestContext } from '../../src/context';
import { Complaint, ComplaintEventKind, ComplaintStatus, ComplaintUrgency } from '../../src/db/entities';
import { InputProblems, requireUuid } from '../../src/input-errors';
import { complaintList } from './complaint.service';
import type {
  AcknowledgeComplaintInput, CloseComplaintInput, ComplaintNoteInput, ComplaintReasonInput, ComplaintSatisfactionInput, ResolveComplaintInput,
  StartComplaintInvestigationInput,
} from './complaint.inputs';
import { actorOf, complaintDeadlines, freshClock, requireText, takeStep, UNHAPPY_SCORE } from './workflow.service';

const NOTE = 1000;
const REPORT = 2000;

const columns = () => complaintList.columns;

export function acknowledgeComplaint(ctx: RequestContext, input: AcknowledgeComplaintInput): Promise<Complaint> {
  const problems = new InputProblems();
  const request = requireText(problems, 'input.customerRequest', input.customerRequest, NOTE, false);
  problems.throwIfAny();
  return takeStep(ctx, 'acknowledge', input.complaintId, (before, now) => {
    const due = new Date(before.dueAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 10); // China time
    return {
      set: { acknowledged_at: now, reply_channel: input.replyChannel },
      ...(request !== null ? { sealed: { customerRequest: request } } : {}),
      events: [{ kind: ComplaintEventKind.STATUS, status: ComplaintStatus.ACKNOWLEDGED, note: `Customer told: received as ${before.number}, answer by ${due} via ${input.replyChannel.toLowerCase()}` }],
    };
  }, columns());
}

export function startComplaintInvestigation(ctx: RequestContext, input: StartComplaintInvestigationInput): Promise<Complaint> {
  const problems = new InputProblems();
  const measures = requireText(problems, 'input.measures', input.measures, REPORT)!;
  const ownerId = input.ownerId ? requireUuid(input.ownerId, 'input.ownerId') : null;
  problems.check('input.deadline', input.deadline instanceof Date && !Number.isNaN(input.deadline.getTime()), 'must be a date-time');
  problems.throwIfAny();
  return takeStep(ctx, 'startInvestigation', input.complaintId, async (before, now, tx) => {
    const owner = ownerId ?? before.assigneeId;
    const [found] = owner ? await tx.rows(`SELECT 1 FROM staff WHERE id = $1 AND active`, [owner]) : [];
    problems.check('input.ownerId', Boolean(found), 'must be an active staff member');
    problems.check('input.deadline', input.deadline.getTime() >= now.getTime(), 'must not be in the past');
    problems.check('input.deadline', input.deadline.getTime() <= before.dueAt.getTime() || before.delayExplainedAt !== null, 'must not be after the complaint\'s due time (explain the delay first)');
    problems.throwIfAny();
    return {
      set: { handling_owner_id: owner, handling_deadline: input.deadline, first_progress_at: before.firstProgressAt ?? now },
      sealed: { handlingMeasures: measures },
      events: [{ kind: ComplaintEventKind.STATUS, status: ComplaintStatus.INVESTIGATING, note: 'Handling plan set' }],
    };
  }, columns());
}

export function reportComplaintProgress(ctx: RequestContext, input: ComplaintNoteInput): Promise<Complaint> {
  const problems = new InputProblems();
  const note = requireText(problems, 'input.note', input.note, NOTE)!;
  problems.throwIfAny();
  return takeStep(ctx, 'reportProgress', input.complaintId, (before, now) => ({
    set: { first_progress_at: before.firstProgressAt ?? now },
    events: [{ kind: ComplaintEventKind.PROGRESS, status: before.status, note }],
  }), columns());
}

export function explainComplaintDelay(ctx: RequestContext, input: ComplaintReasonInput): Promise<Complaint> {
  const problems = new InputProblems();
  const reason = requireText(problems, 'input.reason', input.reason, NOTE)!;
  problems.throwIfAny();
  return takeStep(ctx, 'explainDelay', input.complaintId, (before, now) => ({
    set: { delay_explained_at: now },
    sealed: { delayReason: reason },
    events: [{ kind: ComplaintEventKind.DELAY, status: before.status, note: reason }],
  }), columns());
}

export function resolveComplaint(ctx: RequestContext, input: ResolveComplaintInput): Promise<Complaint> {
  const problems = new InputProblems();
  const text = (field: keyof ResolveComplaintInput) => requireText(problems, `input.${field}`, input[field] as string, REPORT)!;
  const report = {
    investigationCause: text('cause'),
    investigationCourse: text('course'),
    investigationResponsibility: text('responsibility'),
    investigationConclusion: text('conclusion'),
    investigationCountermeasures: text('countermeasures'),
    resolution: text('resolution'),
  };
  problems.throwIfAny();
  return takeStep(ctx, 'resolve', input.complaintId, (before, now) => ({
    set: { resolved_at: now },
    sealed: report,
    events: [{ kind: ComplaintEventKind.STATUS, status: ComplaintStatus.RESOLVED, note: 'Investigation report filed; resolution sent to the customer' }],
  }), columns());
}

export function closeComplaint(ctx: RequestContext, input: CloseComplaintInput): Promise<Complaint> {
  return takeStep(ctx, 'close', input.complaintId, (_before, now) => ({
    set: { closed_at: now },
    events: [{ kind: ComplaintEventKind.STATUS, status: ComplaintStatus.CLOSED, note: null }],
  }), columns());
}

/** Back to its handler (ASSIGNED when it has none) with a new 7-day clock. */
function reopened(before: Complaint, now: Date, note: string) {
  const status = before.assigneeId ? ComplaintStatus.INVESTIGATING : ComplaintStatus.RECEIVED;
  return {
    set: { ...freshClock(now), status, reopen_count: before.reopenCount + 1 },
    events: [
      { kind: ComplaintEventKind.REOPENED, status: before.status, note },
      { kind: ComplaintEventKind.STATUS, status, note: `New due time ${new Date(now.getTime() + complaintDeadlines().closeWithinDays * 86_400_000).toISOString().slice(0, 10)}` },
    ],
  };
}

export function recordComplaintSatisfaction(ctx: RequestContext, input: ComplaintSatisfactionInput): Promise<Complaint> {
  const problems = new InputProblems();
  problems.check('input.score', Number.isInteger(input.score) && input.score >= 1 && input.score <= 5, 'must be 1–5');
  const comment = requireText(problems, 'input.comment', input.comment, NOTE, false);
  problems.throwIfAny();
  return takeStep(ctx, 'recordSatisfaction', input.complaintId, (before, now) => {
    const survey = { set: { satisfaction: input.score }, sealed: { satisfactionComment: comment }, events: [{ kind: ComplaintEventKind.SURVEY, status: before.status, note: `Satisfaction ${input.score}/5` }] };
    if (input.score > UNHAPPY_SCORE) return survey;
    // An unhappy customer (seed 001 三(三)3). A manager's survey reopens it at once; a service agent's
    // creates a follow-up for managers instead: reopening gives the handler clear access to the customer
    // again, and nobody opens that access for themselves (relationship-grants.ts: reopenComplaint).
    if (ctx.principal.role === 'manager') {
      const again = reopened(before, now, `Reopened: the customer answered ${input.score}/5`);
      return { set: { ...survey.set, ...again.set }, sealed: survey.sealed, events: [...survey.events, ...again.events] };
    }
    return {
      set: { ...survey.set, escalated_at: now, escalated_by: actorOf(ctx) },
      sealed: survey.sealed,
      events: [...survey.events, { kind: ComplaintEventKind.ESCALATED, status: before.status, note: `Follow-up for managers: the customer answered ${input.score}/5 (reopen or close the matter)` }],
    };
  }, columns());
}

export function reopenComplaint(ctx: RequestContext, input: ComplaintReasonInput): Promise<Complaint> {
  const problems = new InputProblems();
  const reason = requireText(problems, 'input.reason', input.reason, NOTE)!;
  problems.throwIfAny();
  return takeStep(ctx, 'reopen', input.complaintId, (before, now) => reopened(before, now, reason), columns());
}

export function escalateComplaint(ctx: RequestContext, input: ComplaintReasonInput): Promise<Complaint> {
  const problems = new InputProblems();
  const reason = requireText(problems, 'input.reason', input.reason, NOTE)!;
  problems.throwIfAny();
  return takeStep(ctx, 'escalate', input.complaintId, (before, now) => ({
    set: { escalated_at: now, escalated_by: actorOf(ctx), urgency: ComplaintUrgency.URGENT },
    events: [{ kind: ComplaintEventKind.ESCALATED, status: before.status, note: reason }],
  }), columns());
}
