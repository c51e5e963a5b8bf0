/**
 * Relationship-manager changes: the relationship that unlocks a customer's clear contact data
 * for a rep is created by a request and a second manager's approval — never by one person, never
 * by the person it benefits (permissions/relationship-grants.ts). Each step is one transaction
 * with its change history.
 */
import type { RequestContext } from '../../src/context';
import { selectColumns } from '../../src/db/columns';
import { lockCustomerKey } from '../../src/crypto/sealed-writes';
import { Customer, StaffRole } from '../../src/db/entities';
import type { SqlRunner, TransactionDb } from '../../src/db/pool';
import { fetchPage, type ListSpec } from '../../src/loaders/paging';
import { forbidden } from '../../permissions/engine/errors';
import type { Page } from '../../src/paging/page';
import { badUserInput, InputProblems, isUuid, notFound, requireUuid } from '../../src/input-errors';
import { SqlParams } from '../../src/db/sql';
import { RelationshipManagerChangeStatus, type RelationshipManagerChange, type RelationshipManagerChangesArgs, type RequestRelationshipManagerChangeInput } from './relationship.types';

const MAX_TEXT = 500;

const changeColumns = `r.id, r.customer_id AS "customerId", r.from_manager_id AS "fromManagerId", r.to_manager_id AS "toManagerId",
  r.reason, r.status, r.requested_by AS "requestedBy", r.requested_at AS "requestedAt", r.decided_by AS "decidedBy",
  r.decided_at AS "decidedAt", r.decision_note AS "decisionNote"`;

export const relationshipManagerChangeList: ListSpec = { list: 'relationshipManagerChanges', table: 'relationship_manager_changes', alias: 'r', columns: changeColumns };

/** The caller as a staff record: requests and decisions name real, active people of the token's role. */
export async function requireStaffCaller(db: SqlRunner, ctx: RequestContext): Promise<string> {
  const { sub, role } = ctx.principal;
  const found = isUuid(sub) ? await db.rows(`SELECT 1 FROM staff WHERE id = $1 AND role = $2 AND active`, [sub.toLowerCase(), role]) : [];
  if (found.length === 0) throw forbidden('only an active staff member of this role may request or decide a relationship-manager change', [], { reason: 'NOT_STAFF' });
  return sub.toLowerCase();
}

/** The new relationship manager must be an active sales rep. */
async function requireSalesRep(db: SqlRunner, id: string, field: string): Promise<string> {
  const rows = await db.rows(`SELECT 1 FROM staff WHERE id = $1 AND role = $2 AND active`, [requireUuid(id, field), StaffRole.SALES]);
  if (rows.length === 0) throw badUserInput(field, 'must be an active sales staff member');
  return id.toLowerCase();
}

function requireText(problems: InputProblems, field: string, value: string | null | undefined, required: boolean): string | null {
  const text = value?.trim() ?? '';
  if (!required && text.length === 0) return null;
  problems.check(field, text.length >= 1 && text.length <= MAX_TEXT, `must be 1–${MAX_TEXT} characters`);
  return text;
}

export interface OpenChange {
  customerId: string;
  fromManagerId: string | null;
  toManagerId: string;
  reason: string;
  requestedBy: string;
}

/**
 * Inserts a PENDING request inside the caller's transaction (the customer row locked by it).
 * `customerField` names the input that picked the customer, for the one-pending refusal.
 */
export async function openRelationshipManagerChange(tx: TransactionDb, change: OpenChange, customerField: string): Promise<RelationshipManagerChange> {
  const [pending] = await tx.rows(`SELECT 1 FROM relationship_manager_changes WHERE customer_id = $1 AND status = 'PENDING'`, [change.customerId]);
  if (pending) throw badUserInput(customerField, 'this customer already has a pending relationship-manager change: have it decided or cancelled first');
  let row: RelationshipManagerChange;
  try {
    [row] = await tx.rows<RelationshipManagerChange>(
      `INSERT INTO relationship_manager_changes AS r (customer_id, from_manager_id, to_manager_id, reason, requested_by)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${changeColumns}`,
      [change.customerId, change.fromManagerId, change.toManagerId, change.reason, change.requestedBy],
    );
  } catch (error) {
    // A concurrent request for the same customer won the race to the partial unique index.
    if ((error as { code?: string }).code === '23505') throw badUserInput(customerField, 'this customer already has a pending relationship-manager change');
    throw error;
  }
  tx.changed({ entity: 'RelationshipManagerChange', entityId: row.id, customerId: row.customerId, action: 'CREATE', before: null, after: row as never });
  return row;
}

export function requestRelationshipManagerChange(ctx: RequestContext, input: RequestRelationshipManagerChangeInput): Promise<RelationshipManagerChange> {
  const customerId = requireUuid(input.customerId, 'input.customerId');
  const problems = new InputProblems();
  const reason = requireText(problems, 'input.reason', input.reason, true)!;
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const requester = await requireStaffCaller(tx, ctx);
    const toManagerId = await requireSalesRep(tx, input.relationshipManagerId, 'input.relationshipManagerId');
    // A rep proposes moving their own customer to someone else; becoming RM always needs another person's request.
    if (toManagerId === requester) {
      throw forbidden('a relationship manager may not request themselves: another person requests, a second manager approves', ['input.relationshipManagerId'], { reason: 'SAME_PERSON' });
    }
    const [customer] = await tx.rows<{ rm: string | null }>(
      `SELECT relationship_manager_id AS rm FROM customers WHERE id = $1 AND status NOT IN ('ERASED', 'RESTRICTED') FOR UPDATE`,
      [customerId],
    );
    if (!customer) throw notFound('customer', 'input.customerId');
    if (customer.rm === toManagerId) throw badUserInput('input.relationshipManagerId', 'is already the relationship manager of this customer');
    return openRelationshipManagerChange(tx, { customerId, fromManagerId: customer.rm, toManagerId, reason, requestedBy: requester }, 'input.customerId');
  });
}

async function lockPending(tx: TransactionDb, id: string): Promise<RelationshipManagerChange> {
  const [change] = await tx.rows<RelationshipManagerChange>(`SELECT ${changeColumns} FROM relationship_manager_changes r WHERE r.id = $1 FOR UPDATE`, [requireUuid(id, 'id')]);
  if (!change) throw notFound('relationship-manager change');
  if (change.status !== RelationshipManagerChangeStatus.PENDING) throw badUserInput('id', `the request is ${change.status.toLowerCase()}: only a pending request can be decided or cancelled`);
  return change;
}

async function close(tx: TransactionDb, before: RelationshipManagerChange, status: RelationshipManagerChangeStatus, decidedBy: string | null, note: string | null): Promise<RelationshipManagerChange> {
  const [after] = await tx.rows<RelationshipManagerChange>(
    `UPDATE relationship_manager_changes AS r SET status = $2, decided_by = $3, decided_at = now(), decision_note = $4 WHERE r.id = $1 RETURNING ${changeColumns}`,
    [before.id, status, decidedBy, note],
  );
  tx.changed({ entity: 'RelationshipManagerChange', entityId: after.id, customerId: after.customerId, action: 'UPDATE', before: before as never, after: after as never });
  return after;
}

/** Separation of duties: the decider is neither the requester nor the person who gains the relationship. */
function requireSecondPerson(change: RelationshipManagerChange, decider: string): void {
  if (decider === change.requestedBy) throw forbidden('the requester may not decide their own request: another manager must', ['id'], { reason: 'SAME_PERSON' });
  if (decider === change.toManagerId) throw forbidden('the new relationship manager may not decide a request that benefits them', ['id'], { reason: 'SAME_PERSON' });
}

export function decideRelationshipManagerChange(ctx: RequestContext, id: string, approve: boolean, note: string | null | undefined): Promise<RelationshipManagerChange> {
  const problems = new InputProblems();
  // A rejection says why; an approval may.
  const decisionNote = requireText(problems, 'note', note, !approve);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const decider = await requireStaffCaller(tx, ctx);
    const change = await lockPending(tx, id);
    requireSecondPerson(change, decider);
    if (!approve) return close(tx, change, RelationshipManagerChangeStatus.REJECTED, decider, decisionNote);
    await lockCustomerKey(tx, change.customerId); // before its sealed row is read with a lock (see lockCustomerKey)
    const [customer] = await tx.rows<Customer>(
      `SELECT ${selectColumns(Customer, 'c')} FROM customers c WHERE c.id = $1 AND c.status NOT IN ('ERASED', 'RESTRICTED') FOR UPDATE`,
      [change.customerId],
    );
    if (!customer) throw badUserInput('id', 'the customer of this request no longer exists: reject it');
    if (customer.relationshipManagerId !== change.fromManagerId) throw badUserInput('id', "the customer's relationship manager changed since the request: reject it and request again");
    await requireSalesRep(tx, change.toManagerId, 'id').catch(() => {
      throw badUserInput('id', 'the requested relationship manager is no longer an active sales rep: reject it');
    });
    const [updated] = await tx.rows<Customer>(
      `UPDATE customers AS c SET relationship_manager_id = $2, updated_at = now() WHERE c.id = $1 RETURNING ${selectColumns(Customer, 'c')}`,
      [change.customerId, change.toManagerId],
    );
    tx.changed({ entity: 'Customer', entityId: updated.id, customerId: updated.id, action: 'UPDATE', before: customer as never, after: updated as never });
    return close(tx, change, RelationshipManagerChangeStatus.APPROVED, decider, decisionNote);
  });
}

/** Only the requester withdraws a request; nobody decided it, so decided_by stays empty (the history names who cancelled). */
export function cancelRelationshipManagerChange(ctx: RequestContext, id: string): Promise<RelationshipManagerChange> {
  return ctx.db.transaction(async (tx) => {
    const caller = await requireStaffCaller(tx, ctx);
    const change = await lockPending(tx, id);
    if (change.requestedBy !== caller) throw forbidden('only the requester may cancel a request', ['id'], { reason: 'NOT_REQUESTER' });
    return close(tx, change, RelationshipManagerChangeStatus.CANCELLED, null, null);
  });
}

export function findRelationshipManagerChanges(ctx: RequestContext, args: RelationshipManagerChangesArgs): Promise<Page<RelationshipManagerChange>> {
  const params = new SqlParams();
  const conditions: string[] = [];
  if (args.status) conditions.push(`r.status = ${params.add(args.status)}`);
  if (args.customerId) conditions.push(`r.customer_id = ${params.add(requireUuid(args.customerId, 'customerId'))}`);
  return fetchPage<RelationshipManagerChange>(ctx.db, relationshipManagerChangeList, { column: 'r.requested_at', direction: 'DESC' }, args, conditions, params);
}
