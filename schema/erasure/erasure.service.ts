/**
 * The erasure flow (seed 000 二(五), seed 003 二(四), seed 001 五(四)): request → department head →
 * information-management head → execution by an administrator, each step decided by
 * permissions/erasure.ts — checked here too, as the CLI calls these without the GraphQL plan — one
 * transaction with its change history. Execution erases at once, or restricts the customer while
 * a legal retention period runs (permissions/retention.ts); `runRetention` erases them when it ends.
 */
import { GraphQLError } from 'graphql';
import type { Role } from '../../src/auth/principal';
import { systemClock } from '../../src/clock';
import type { RequestContext } from '../../src/context';
import { requireKeyring } from '../../src/crypto/sealed-writes';
import { CustomerStatus } from '../../src/db/entities';
import type { SqlRunner, TransactionDb } from '../../src/db/pool';
import { fetchPage, type ListSpec } from '../../src/loaders/paging';
import { forbidden } from '../../permissions/engine/errors';
import { DESIGNATIONS, ERASURE_STEPS, type ErasureActor, type ErasureState, type ErasureStep, type ErasureStepName } from '../../permissions/erasure';
import { maskFreeText } from '../../permissions/masks';
import { retainedUntil } from '../../permissions/retention';
import type { Page } from '../../src/paging/page';
import { badUserInput, InputProblems, isUuid, notFound, requireUuid } from '../../src/input-errors';
import { SqlParams } from '../../src/db/sql';
import { eraseCustomer, revokeConsentsOf, revokeGrantsOn } from './erase';
import { ErasureBasis, ErasureStatus, type DeletionRecord, type ErasureRequest, type ErasureRequestsArgs, type RequestErasureInput } from './erasure.types';

const MAX_TEXT = 500;

const requestColumns = `r.id, r.customer_id AS "customerId", r.basis, r.reason, r.status, r.requested_by AS "requestedBy", r.requested_at AS "requestedAt",
  r.department_approved_by AS "departmentApprovedBy", r.department_approved_at AS "departmentApprovedAt",
  r.information_head_approved_by AS "informationHeadApprovedBy", r.information_head_approved_at AS "informationHeadApprovedAt",
  r.rejected_by AS "rejectedBy", r.rejected_at AS "rejectedAt", r.rejection_reason AS "rejectionReason", r.cancelled_at AS "cancelledAt",
  r.executed_by AS "executedBy", r.executed_at AS "executedAt", r.restricted_until AS "restrictedUntil", r.erased_at AS "erasedAt"`;

const recordColumns = `d.id, d.request_id AS "requestId", d.customer_id AS "customerId", d.basis, d.requested_by AS "requestedBy", d.requested_at AS "requestedAt",
  d.department_approved_by AS "departmentApprovedBy", d.department_approved_at AS "departmentApprovedAt",
  d.information_head_approved_by AS "informationHeadApprovedBy", d.information_head_approved_at AS "informationHeadApprovedAt",
  d.executed_by AS "executedBy", d.executed_at AS "executedAt", d.restricted_until AS "restrictedUntil", d.erased_at AS "erasedAt", d.categories`;

export const erasureRequestList: ListSpec = { list: 'erasureRequests', table: 'erasure_requests', alias: 'r', columns: requestColumns };
const deletionRecordList: ListSpec = { list: 'deletionRecords', table: 'deletion_records', alias: 'd', columns: recordColumns };

/** "Now" for this request: the server's clock (tests move it; nothing here sleeps). */
function nowOf(ctx: RequestContext): Date {
  return (ctx.services.clock ?? systemClock)();
}

// ---------------------------------------------------------------------------------------------
// Who may take a step: permissions/erasure.ts, applied to the caller and the people of the request.

interface Caller {
  id: string;
  role: Role;
  designations: string[];
}

/** The caller as an active member of the directory in the token's role, with their designations. */
async function requireCaller(db: SqlRunner, ctx: RequestContext): Promise<Caller> {
  const { sub, role } = ctx.principal;
  const [member] = isUuid(sub) ? await db.rows<{ designations: string[] }>(`SELECT designations FROM staff WHERE id = $1 AND role = $2 AND active`, [sub.toLowerCase(), role]) : [];
  if (!member) throw forbidden('only an active staff member of this role may take a step of an erasure', [], { reason: 'NOT_STAFF' });
  return { id: sub.toLowerCase(), role, designations: member.designations };
}

function actorsOf(request: ErasureRequest): Record<ErasureActor, string | null> {
  return {
    requester: request.requestedBy,
    departmentApprover: request.departmentApprovedBy,
    informationHeadApprover: request.informationHeadApprovedBy,
    executor: request.executedBy,
  };
}

const ACTOR_WORDS: Record<ErasureActor, string> = {
  requester: 'the requester',
  departmentApprover: 'the department head who approved it',
  informationHeadApprover: 'the information-management head who approved it',
  executor: 'the administrator who executed it',
};

/** A step not allowed from the request's current state: names both (the state it is in, the states the step is taken from). */
export function stepNotAllowed(step: ErasureStepName, status: ErasureState, from: readonly ErasureState[]): GraphQLError {
  const operation = ERASURE_STEPS[step].operation?.split('.')[1] ?? step;
  return new GraphQLError(`${operation}: the request is ${status}; this step is taken only from ${from.join(' or ')}`, {
    extensions: { code: 'STEP_NOT_ALLOWED', field: 'id', step, status, allowedFrom: [...from] },
  });
}

/** The approval a request waits for in its state (what a rejection stands in for). */
function pendingApproval(step: ErasureStep, status: ErasureState): ErasureStep {
  const name = step.actsAs?.find((candidate) => ERASURE_STEPS[candidate].from.includes(status));
  return name ? ERASURE_STEPS[name] : step;
}

/**
 * Refuses the step unless the policy lets this caller take it on this request now: role, state,
 * designation, and nobody performing two steps of one request (FORBIDDEN reason SAME_PERSON).
 */
function authorize(name: ErasureStepName, caller: Caller, request: ErasureRequest | null): void {
  const step = ERASURE_STEPS[name];
  if (!step.roles.includes(caller.role)) throw forbidden(`role ${caller.role} may not take the erasure step ${name}`, [step.operation ?? name], { reason: 'ROLE' });
  if (!request) return;
  if (!step.from.includes(request.status as ErasureState)) throw stepNotAllowed(name, request.status as ErasureState, step.from);
  const acting = pendingApproval(step, request.status as ErasureState);
  if (!acting.roles.includes(caller.role)) throw forbidden(`role ${caller.role} may not decide this step`, ['id'], { reason: 'ROLE' });
  if (acting.designation && !caller.designations.includes(acting.designation)) {
    throw forbidden(`only the designated ${DESIGNATIONS[acting.designation].title} may take this step`, ['id'], { reason: 'NOT_DESIGNATED', designation: acting.designation });
  }
  const actors = actorsOf(request);
  if (step.onlyBy && actors[step.onlyBy] !== caller.id) throw forbidden(`only ${ACTOR_WORDS[step.onlyBy]} may take this step`, ['id'], { reason: 'NOT_REQUESTER' });
  for (const actor of new Set([...step.notBy, ...acting.notBy])) {
    if (actors[actor] === caller.id) throw forbidden(`${ACTOR_WORDS[actor]} may not take another step of the same request: nobody performs two steps of one erasure`, ['id'], { reason: 'SAME_PERSON', actor });
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs

/**
 * A reason outlives the person it is about: 1–500 characters and nothing the free-text mask would
 * hide (an ID, phone, card or account number, an e-mail address) — refused, never stored masked.
 */
export function checkReason(problems: InputProblems, field: string, value: string | null | undefined): string {
  const text = value?.trim() ?? '';
  problems.check(field, text.length >= 1 && text.length <= MAX_TEXT, `must be 1–${MAX_TEXT} characters`);
  problems.check(field, maskFreeText(text) === text, 'must hold no ID, phone, card or account number and no e-mail address: name the document instead');
  return text;
}

function checkBasis(problems: InputProblems, value: unknown): ErasureBasis {
  problems.check('input.basis', Object.values(ErasureBasis).includes(value as ErasureBasis), `must be one of ${Object.values(ErasureBasis).join(', ')}`);
  return value as ErasureBasis;
}

// ---------------------------------------------------------------------------------------------
// Steps

async function lockRequest(tx: TransactionDb, id: string): Promise<ErasureRequest> {
  const [request] = await tx.rows<ErasureRequest>(`SELECT ${requestColumns} FROM erasure_requests r WHERE r.id = $1 FOR UPDATE`, [requireUuid(id, 'id')]);
  if (!request) throw notFound('erasure request');
  return request;
}

async function update(tx: TransactionDb, before: ErasureRequest, sets: Record<string, unknown>): Promise<ErasureRequest> {
  const params = new SqlParams();
  const assignments = Object.entries(sets).map(([column, value]) => `${column} = ${params.add(value)}`);
  const [after] = await tx.rows<ErasureRequest>(`UPDATE erasure_requests AS r SET ${assignments.join(', ')} WHERE r.id = ${params.add(before.id)} RETURNING ${requestColumns}`, params.values);
  tx.changed({ entity: 'ErasureRequest', entityId: after.id, customerId: after.customerId, action: 'UPDATE', before: before as never, after: after as never });
  return after;
}

export function requestErasure(ctx: RequestContext, input: RequestErasureInput): Promise<ErasureRequest> {
  const customerId = requireUuid(input.customerId, 'input.customerId');
  const problems = new InputProblems();
  const basis = checkBasis(problems, input.basis);
  const reason = checkReason(problems, 'input.reason', input.reason);
  problems.throwIfAny();
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    authorize('request', caller, null);
    const [customer] = await tx.rows<{ status: CustomerStatus }>(`SELECT status FROM customers WHERE id = $1 FOR UPDATE`, [customerId]);
    if (!customer) throw notFound('customer', 'input.customerId');
    if (customer.status === CustomerStatus.ERASED || customer.status === CustomerStatus.RESTRICTED) {
      throw badUserInput('input.customerId', `the customer is already ${customer.status.toLowerCase()}`);
    }
    const [open] = await tx.rows(`SELECT 1 FROM erasure_requests WHERE customer_id = $1 AND status IN ('REQUESTED', 'DEPARTMENT_APPROVED', 'APPROVED', 'RESTRICTED')`, [customerId]);
    if (open) throw badUserInput('input.customerId', 'this customer already has an open erasure request');
    let request: ErasureRequest;
    try {
      [request] = await tx.rows<ErasureRequest>(
        `INSERT INTO erasure_requests AS r (customer_id, basis, reason, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${requestColumns}`,
        [customerId, basis, reason, caller.id, now],
      );
    } catch (error) {
      // A concurrent request for the same customer won the race to the partial unique index.
      if ((error as { code?: string }).code === '23505') throw badUserInput('input.customerId', 'this customer already has an open erasure request');
      throw error;
    }
    tx.changed({ entity: 'ErasureRequest', entityId: request.id, customerId, action: 'CREATE', before: null, after: request as never });
    return request;
  });
}

/** The department head's approval, or the information-management head's: each its own step of the policy. */
export function approveErasure(ctx: RequestContext, id: string, step: 'approve' | 'approveAsInformationHead'): Promise<ErasureRequest> {
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    const request = await lockRequest(tx, id);
    authorize(step, caller, request);
    return step === 'approve'
      ? update(tx, request, { status: ErasureStatus.DEPARTMENT_APPROVED, department_approved_by: caller.id, department_approved_at: now })
      : update(tx, request, { status: ErasureStatus.APPROVED, information_head_approved_by: caller.id, information_head_approved_at: now });
  });
}

/** The step a request's approval takes in its state (the CLI's `approve`). */
export function approvalStepOf(status: string): 'approve' | 'approveAsInformationHead' {
  return status === ErasureStatus.DEPARTMENT_APPROVED ? 'approveAsInformationHead' : 'approve';
}

export async function approvePending(ctx: RequestContext, id: string): Promise<ErasureRequest> {
  const [request] = await ctx.db.rows<{ status: string }>(`SELECT status FROM erasure_requests WHERE id = $1`, [requireUuid(id, 'id')]);
  if (!request) throw notFound('erasure request');
  return approveErasure(ctx, id, approvalStepOf(request.status));
}

export function rejectErasure(ctx: RequestContext, id: string, reason: string): Promise<ErasureRequest> {
  const problems = new InputProblems();
  const text = checkReason(problems, 'reason', reason);
  problems.throwIfAny();
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    const request = await lockRequest(tx, id);
    authorize('reject', caller, request);
    return update(tx, request, { status: ErasureStatus.REJECTED, rejected_by: caller.id, rejected_at: now, rejection_reason: text });
  });
}

export function cancelErasure(ctx: RequestContext, id: string): Promise<ErasureRequest> {
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    const request = await lockRequest(tx, id);
    authorize('cancel', caller, request);
    return update(tx, request, { status: ErasureStatus.CANCELLED, cancelled_at: now });
  });
}

interface LockedCustomer {
  status: CustomerStatus;
  updatedAt: Date;
  lastTransactionAt: Date | null;
}

/**
 * When the relationship ended: a CLOSED customer's last update (no closing date is kept; a later
 * update only lengthens the retention), otherwise now — an erasure ends it at the latest.
 */
function relationshipEnd(customer: LockedCustomer, now: Date): Date {
  return customer.status === CustomerStatus.CLOSED && customer.updatedAt < now ? customer.updatedAt : now;
}

/**
 * Executes an approved request: erases the customer, or restricts them until the retention period
 * ends. One transaction: keys, columns, request, deletion record (written only when keys are
 * destroyed) and history commit together; then this process forgets every unwrapped key.
 */
export async function executeErasure(ctx: RequestContext, id: string): Promise<ErasureRequest> {
  const now = nowOf(ctx);
  const result = await ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    const request = await lockRequest(tx, id);
    authorize('execute', caller, request);
    const [customer] = await tx.rows<LockedCustomer>(
      `SELECT c.status, c.updated_at AS "updatedAt", (SELECT max(t.occurred_at) FROM transactions t WHERE t.customer_id = c.id) AS "lastTransactionAt"
       FROM customers c WHERE c.id = $1 FOR UPDATE`,
      [request.customerId],
    );
    if (!customer || customer.status === CustomerStatus.ERASED || customer.status === CustomerStatus.RESTRICTED) {
      throw badUserInput('id', 'the customer of this request is already erased or restricted: reject or cancel it');
    }
    const until = retainedUntil({ lastTransactionAt: customer.lastTransactionAt, relationshipEndedAt: relationshipEnd(customer, now) });
    await revokeConsentsOf(tx, request.customerId, now, caller.id);
    await revokeGrantsOn(tx, request.customerId, now, caller.id, `erasure ${request.id} executed`);
    if (until && until > now) {
      // A legal retention period still runs: nobody reads the person's data (but under legal_hold) until it ends;
      // the deletion record is written when they are erased (a restore re-applies every recorded erasure).
      await tx.exec(`UPDATE customers SET status = 'RESTRICTED', restricted_until = $2, updated_at = $3 WHERE id = $1`, [request.customerId, until, now]);
      tx.changed({ entity: 'Customer', entityId: request.customerId, customerId: request.customerId, action: 'UPDATE', before: { status: customer.status }, after: { status: CustomerStatus.RESTRICTED, restrictedUntil: until } });
      return update(tx, request, { status: ErasureStatus.RESTRICTED, executed_by: caller.id, executed_at: now, restricted_until: until });
    }
    const categories = await eraseCustomer(tx, request.customerId, now);
    tx.changed({ entity: 'Customer', entityId: request.customerId, customerId: request.customerId, action: 'UPDATE', before: { status: customer.status }, after: { status: CustomerStatus.ERASED } });
    const after = await update(tx, request, { status: ErasureStatus.ERASED, executed_by: caller.id, executed_at: now, erased_at: now });
    await insertDeletionRecord(tx, after, categories);
    return after;
  });
  // No unwrapped key of the customer stays in this process (rows read from now on find no key anyway).
  if (result.status === ErasureStatus.ERASED) requireKeyring(ctx.db).forget();
  return result;
}

async function insertDeletionRecord(tx: TransactionDb, request: ErasureRequest, categories: string[]): Promise<void> {
  const [record] = await tx.rows<DeletionRecord>(
    `INSERT INTO deletion_records AS d (request_id, customer_id, basis, requested_by, requested_at, department_approved_by, department_approved_at,
       information_head_approved_by, information_head_approved_at, executed_by, executed_at, restricted_until, erased_at, categories)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${recordColumns}`,
    [request.id, request.customerId, request.basis, request.requestedBy, request.requestedAt, request.departmentApprovedBy, request.departmentApprovedAt,
      request.informationHeadApprovedBy, request.informationHeadApprovedAt, request.executedBy, request.executedAt, request.restrictedUntil, request.erasedAt, categories],
  );
  tx.changed({ entity: 'DeletionRecord', entityId: record.id, customerId: record.customerId, action: 'CREATE', before: null, after: record as never });
}

// ---------------------------------------------------------------------------------------------
// Retention: `npm run retention`

/** Who the change history says erased a customer whose retention period ended: the job, no person. */
export const RETENTION_PRINCIPAL = 'system:retention';

/**
 * Erases every restricted customer whose retention period has ended by `now`, one transaction
 * each. Safe from several processes at once: each takes a customer no other holds (SKIP LOCKED),
 * and one already erased is no longer RESTRICTED. Returns the customers erased.
 */
export async function runRetention(ctx: RequestContext, now: Date = nowOf(ctx)): Promise<string[]> {
  const erased: string[] = [];
  for (;;) {
    const customerId = await ctx.db.transaction(async (tx) => {
      const [due] = await tx.rows<{ id: string }>(
        `SELECT id FROM customers WHERE status = 'RESTRICTED' AND restricted_until <= $1 ORDER BY restricted_until, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [now],
      );
      if (!due) return null;
      const [request] = await tx.rows<ErasureRequest>(`SELECT ${requestColumns} FROM erasure_requests r WHERE r.customer_id = $1 AND r.status = 'RESTRICTED' FOR UPDATE`, [due.id]);
      const categories = await eraseCustomer(tx, due.id, now);
      tx.changed({ entity: 'Customer', entityId: due.id, customerId: due.id, action: 'UPDATE', before: { status: CustomerStatus.RESTRICTED }, after: { status: CustomerStatus.ERASED } });
      // A restricted customer always has its executed request (one open per customer); the record names its people.
      if (request) await insertDeletionRecord(tx, await update(tx, request, { status: ErasureStatus.ERASED, erased_at: now }), categories);
      return due.id;
    });
    if (!customerId) break;
    erased.push(customerId);
  }
  if (erased.length) requireKeyring(ctx.db).forget();
  return erased;
}

// ---------------------------------------------------------------------------------------------
// Reads

export function findErasureRequests(ctx: RequestContext, args: ErasureRequestsArgs): Promise<Page<ErasureRequest>> {
  const params = new SqlParams();
  const conditions: string[] = [];
  if (args.status) conditions.push(`r.status = ${params.add(args.status)}`);
  if (args.customerId) conditions.push(`r.customer_id = ${params.add(requireUuid(args.customerId, 'customerId'))}`);
  return fetchPage<ErasureRequest>(ctx.db, erasureRequestList, { column: 'r.requested_at', direction: 'DESC' }, args, conditions, params);
}

export function findDeletionRecords(ctx: RequestContext, args: { first?: number | null; after?: string | null; customerId?: string | null }): Promise<Page<DeletionRecord>> {
  const params = new SqlParams();
  const conditions: string[] = [];
  if (args.customerId) conditions.push(`d.customer_id = ${params.add(requireUuid(args.customerId, 'customerId'))}`);
  return fetchPage<DeletionRecord>(ctx.db, deletionRecordList, { column: 'd.executed_at', direction: 'DESC' }, args, conditions, params);
}
