/**
 * The complaint workflow's steps, each one transaction: the policy (permissions/complaint-workflow.ts)
 * decides who may take it from which state; the step writes the complaint, its timeline entries,
 * its change history and — in the same transaction — the message the customer gets (the outbox).
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../../src/context';
import { systemClock } from '../../src/clock';
import { heldStatus } from '../../src/db/columns';
import { Complaint, ComplaintChannel, ComplaintEventKind, ComplaintReplyChannel, ComplaintStatus } from '../../src/db/entities';
import type { TransactionDb } from '../../src/db/pool';
import { lockCustomerKey, sealFor } from '../../src/crypto/sealed-writes';
import { forbidden } from '../../permissions/engine/errors';
import { COMPLAINT_DEADLINES, COMPLAINT_STEPS, WORKED_STATES, type ComplaintState, type ComplaintStepName, type CustomerMessageKind } from '../../permissions/complaint-workflow';
import { badUserInput, InputProblems, isUuid, notFound, requireUuid } from '../../src/input-errors';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Deadlines in force: the policy's defaults, overridden by the operator (COMPLAINT_INTERIM_HOURS, COMPLAINT_ESCALATE_HOURS). */
export function complaintDeadlines(env: NodeJS.ProcessEnv = process.env) {
  const hours = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 24 * 7) throw new Error(`${name} must be a whole number of hours between 1 and 168`);
    return n;
  };
  return {
    closeWithinDays: COMPLAINT_DEADLINES.closeWithinDays,
    interimHours: hours('COMPLAINT_INTERIM_HOURS', COMPLAINT_DEADLINES.interimHours),
    escalateBeforeHours: hours('COMPLAINT_ESCALATE_HOURS', COMPLAINT_DEADLINES.escalateBeforeHours),
  };
}

/** "Now" for this request: the server's clock (tests move it). */
export function nowOf(ctx: Pick<RequestContext, 'services'>): Date {
  return (ctx.services.clock ?? systemClock)();
}

/** A step not allowed from the complaint's current state: names both. */
export function stepNotAllowed(step: ComplaintStepName, status: string, field = 'input.complaintId'): GraphQLError {
  const { operation, from } = COMPLAINT_STEPS[step];
  return new GraphQLError(`${operation.split('.')[1]}: the complaint is ${status}; this step is taken only from ${from.join(' or ')}`, {
    extensions: { code: 'STEP_NOT_ALLOWED', field, step, status, allowedFrom: [...from] },
  });
}

/** Past its due time, still worked, and no delay explained: every step but the explanation (and a manager's) waits. */
function delayReasonRequired(complaint: Complaint): GraphQLError {
  return new GraphQLError('the complaint is past its due time: explain the delay first (explainComplaintDelay), it is sent to the customer', {
    extensions: { code: 'DELAY_REASON_REQUIRED', field: 'input.complaintId', dueAt: complaint.dueAt.toISOString() },
  });
}

/** The reply channel a complaint gets when nobody chose one: e-mail for written complaints, SMS otherwise. */
export function defaultReplyChannel(channel: ComplaintChannel): ComplaintReplyChannel {
  return channel === ComplaintChannel.EMAIL || channel === ComplaintChannel.ONLINE ? ComplaintReplyChannel.EMAIL : ComplaintReplyChannel.SMS;
}

export function requireText(problems: InputProblems, field: string, value: string | null | undefined, max: number, required = true): string | null {
  const text = value?.trim() ?? '';
  if (!required && text.length === 0) return null;
  problems.check(field, text.length >= 1 && text.length <= max, `must be 1–${max} characters`);
  return text;
}

export interface TimelineEntry {
  kind: ComplaintEventKind;
  status: ComplaintStatus;
  note: string | null;
}

/** One entry on a complaint's timeline; its note sealed under the customer's key (it may hold numbers). */
export async function addComplaintEvent(
  tx: TransactionDb,
  event: { complaintId: string; customerId: string; actorId: string | null; at: Date } & TimelineEntry,
  dataKey?: Buffer,
): Promise<void> {
  const id = randomUUID();
  const sealed = await sealFor(tx, 'complaint_events', id, event.customerId, { note: event.note }, dataKey);
  await tx.exec(
    `INSERT INTO complaint_events (id, complaint_id, occurred_at, status, kind, actor_id, note_sealed, note_masked)
     VALUES ($1, $2, $3, $4, $5, (SELECT id FROM staff WHERE id = $6::uuid), $7, $8)`,
    [id, event.complaintId, event.at, event.status, event.kind, event.actorId, sealed.note_sealed ?? null, sealed.note_masked ?? null],
  );
}

/** The message a step tells the customer, into the outbox of the step's transaction (delivered by src/notify/worker.ts). */
export async function queueMessage(tx: TransactionDb, complaint: Pick<Complaint, 'id' | 'customerId' | 'channel' | 'replyChannel'>, kind: CustomerMessageKind, at: Date): Promise<void> {
  await tx.exec(
    `INSERT INTO complaint_messages (complaint_id, customer_id, kind, channel, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)`,
    [complaint.id, complaint.customerId, kind, complaint.replyChannel ?? defaultReplyChannel(complaint.channel), at],
  );
}

/** The caller as a staff id (null for a caller that is no staff record: a partner). */
export function actorOf(ctx: RequestContext): string | null {
  return ctx.principal.staffId && isUuid(ctx.principal.sub) ? ctx.principal.sub.toLowerCase() : null;
}

export interface StepChange {
  /** Plain columns to set (db name → value). */
  set?: Record<string, unknown>;
  /** Sealed fields to set (property → clear text). */
  sealed?: Record<string, string | null>;
  /** Timeline entries, in order. */
  events: TimelineEntry[];
}

type Apply = (before: Complaint, now: Date, tx: TransactionDb) => StepChange | Promise<StepChange>;

/**
 * Takes one step on one complaint: locks it (the customer's key first, as every write does),
 * checks the policy (role, the relation the role needs, the state, a late complaint's delay), then
 * writes the change, the timeline entries, the customer's message and the change history.
 */
export async function takeStep(ctx: RequestContext, name: ComplaintStepName, complaintIdInput: string, apply: Apply, selectColumns: string): Promise<Complaint> {
  const step = COMPLAINT_STEPS[name];
  const complaintId = requireUuid(complaintIdInput, 'input.complaintId');
  const role = ctx.principal.role;
  if (!step.roles.includes(role)) throw forbidden(`role ${role} may not ${step.operation.split('.')[1]}`, [step.operation]);
  const actor = actorOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [owner] = await tx.rows<{ customerId: string }>(`SELECT customer_id AS "customerId" FROM complaints WHERE id = $1`, [complaintId]);
    if (owner) await lockCustomerKey(tx, owner.customerId);
    const [before] = await tx.rows<Complaint>(`SELECT ${selectColumns} FROM complaints k WHERE k.id = $1 FOR UPDATE`, [complaintId]);
    if (!before) throw notFound('complaint', 'input.complaintId');
    if (heldStatus(before) !== null) throw badUserInput('input.complaintId', 'the customer of this complaint is restricted or erased');
    // A service agent works only the complaints assigned to them (the policy's condition for the role).
    if (step.condition?.[role] === 'ASSIGNED_COMPLAINT' && (actor === null || before.assigneeId !== actor)) {
      throw forbidden(`a ${role} agent takes this step only on complaints assigned to them`, [step.operation], { reason: 'NOT_ASSIGNED_COMPLAINT' });
    }
    if (!step.from.includes(before.status as ComplaintState)) throw stepNotAllowed(name, before.status);
    const now = nowOf(ctx);
    const late = WORKED_STATES.includes(before.status as ComplaintState) && before.dueAt.getTime() < now.getTime();
    if (step.needsDelayExplainedWhenLate && late && before.delayExplainedAt === null) throw delayReasonRequired(before);
    if (name === 'close' && before.resolvedAt !== null && before.resolvedAt.getTime() > before.dueAt.getTime() && before.delayExplainedAt === null) {
      throw delayReasonRequired(before);
    }

    const change = await apply(before, now, tx);
    const set: Record<string, unknown> = { ...change.set };
    if (change.sealed) Object.assign(set, await sealFor(tx, 'complaints', complaintId, before.customerId, change.sealed));
    const last = change.events.filter((e) => e.kind === ComplaintEventKind.STATUS).pop();
    if (last && set.status === undefined) set.status = last.status;
    const columns = Object.keys(set);
    const [after] = columns.length
      ? await tx.rows<Complaint>(
          `UPDATE complaints AS k SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE k.id = $1 RETURNING ${selectColumns}`,
          [complaintId, ...columns.map((c) => set[c])],
        )
      : [before];
    for (const event of change.events) await addComplaintEvent(tx, { complaintId, customerId: before.customerId, actorId: actor, at: now, ...event });
    if (step.tells) await queueMessage(tx, after, step.tells, now);
    tx.changed({ entity: 'Complaint', entityId: complaintId, customerId: before.customerId, action: 'UPDATE', before: before as never, after: after as never });
    return after;
  });
}

/** A new 7-day clock from `now` (a reopened complaint), with its interim deadline. */
export function freshClock(now: Date): Record<string, unknown> {
  const d = complaintDeadlines();
  return {
    due_at: new Date(now.getTime() + d.closeWithinDays * DAY),
    interim_due_at: new Date(now.getTime() + d.interimHours * HOUR),
    resolved_at: null,
    closed_at: null,
    delay_explained_at: null,
    escalated_at: null,
    escalated_by: null,
  };
}

export const UNHAPPY_SCORE = 2;
