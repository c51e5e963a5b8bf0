/** Complaint reads and filing: the 7-day clock starts on receipt (seed 002 art. 26). */
import { INCIDENTS } from '../../permissions/governance';
import { openIncidentForComplaint } from '../../src/governance/incidents';
import { heldStatus, selectColumns } from '../../src/db/columns';
import { Complaint, ComplaintEvent, ComplaintStatus, StaffRole } from '../../src/db/entities';
import type { RequestDb, TransactionDb } from '../../src/db/pool';
import { randomUUID } from 'node:crypto';
import { customerDataKey, lockCustomerKey, sealFor } from '../../src/crypto/sealed-writes';
import { fetchPage, type ChildListSpec } from '../../src/loaders/paging';
import type { Page } from '../common/connection';
import { InputProblems, isUuid, notFound, requireUuid } from '../common/errors';
import { SqlParams } from '../common/sql';
import { forbidden } from '../../permissions/engine/errors';
import { OPEN_COMPLAINT_STATUSES } from '../../permissions/relationship-grants';
import type { AssignComplaintInput, ComplaintFilter, ComplaintsArgs, FileComplaintInput } from './complaint.inputs';

export const COMPLAINT_DEADLINE_DAYS = 7;

// Closed: was it closed after the due time? Open: is the due time past? (never NULL)
const OVERDUE_SQL = `COALESCE(k.closed_at > k.due_at, k.due_at < now())`;
// The same test written so each half can use its partial index.
const OVERDUE_FILTER_SQL = `((k.closed_at IS NULL AND k.due_at < now()) OR k.closed_at > k.due_at)`;

export const complaintList: ChildListSpec = {
  list: 'complaints',
  table: 'complaints',
  alias: 'k',
  parentColumn: 'customer_id',
  parentProperty: 'customerId',
  order: { column: 'k.received_at', direction: 'DESC' },
  get columns() {
    return `${selectColumns(Complaint, 'k')}, ${OVERDUE_SQL} AS "overdue"`;
  },
};

export const complaintEventColumns = () => selectColumns(ComplaintEvent, 'e');

export function complaintConditions(filter: ComplaintFilter | null | undefined, params: SqlParams, nested = false): string[] {
  if (!filter) return [];
  const conditions: string[] = [];
  if (filter.status) conditions.push(`k.status = ${params.add(filter.status)}`);
  if (filter.overdue === true) conditions.push(OVERDUE_FILTER_SQL);
  if (filter.overdue === false) conditions.push(`NOT ${OVERDUE_SQL}`);
  if (filter.assigneeId) conditions.push(`k.assignee_id = ${params.add(requireUuid(filter.assigneeId, 'filter.assigneeId'))}`);
  if (filter.customerId && !nested) conditions.push(`k.customer_id = ${params.add(requireUuid(filter.customerId, 'filter.customerId'))}`);
  return conditions;
}

export function findComplaints(db: RequestDb, args: ComplaintsArgs): Promise<Page<Complaint>> {
  const params = new SqlParams();
  return fetchPage<Complaint>(db, complaintList, complaintList.order, args, complaintConditions(args.filter, params), params);
}

export async function findComplaint(db: RequestDb, id: string): Promise<Complaint | null> {
  const params = new SqlParams();
  const conditions = db.restricted([`k.id = ${params.add(requireUuid(id, 'id'))}`], 'complaints', 'k', params);
  const [row] = await db.rows<Complaint>(`SELECT ${complaintList.columns} FROM complaints k WHERE ${conditions.join(' AND ')}`, params.values);
  return row ?? null;
}

/** Nobody grants themselves the clear access an assignment opens (the database refuses it too). */
function refuseSelfAssignment(assigneeId: string | null, actorId: string | null): void {
  if (assigneeId !== null && assigneeId === actorId) {
    throw forbidden('a complaint is assigned by someone other than its assignee', ['assigneeId'], { reason: 'SELF_ASSIGNMENT' });
  }
}

/** One step on a complaint's timeline; its note sealed under the customer's key (it may hold numbers). */
async function addComplaintEvent(
  tx: TransactionDb,
  event: { complaintId: string; customerId: string; status: ComplaintStatus; actorId: string | null; note: string | null },
  dataKey?: Buffer,
): Promise<void> {
  const id = randomUUID();
  const sealed = await sealFor(tx, 'complaint_events', id, event.customerId, { note: event.note }, dataKey);
  await tx.exec(
    `INSERT INTO complaint_events (id, complaint_id, occurred_at, status, actor_id, note_sealed, note_masked) VALUES ($1, $2, now(), $3, (SELECT id FROM staff WHERE id = $4::uuid), $5, $6)`,
    [id, event.complaintId, event.status, event.actorId, sealed.note_sealed ?? null, sealed.note_masked ?? null],
  );
}

const ACTIVE_SERVICE_AGENT_SQL = (param: string, role: string) => `EXISTS (SELECT 1 FROM staff WHERE id = ${param} AND role = ${role} AND active)`;

export async function fileComplaint(db: RequestDb, input: FileComplaintInput, actorId: string | null): Promise<Complaint> {
  const problems = new InputProblems();
  const customerId = requireUuid(input.customerId, 'customerId');
  const assigneeId = input.assigneeId ? requireUuid(input.assigneeId, 'assigneeId') : null;
  refuseSelfAssignment(assigneeId, actorId);
  const text = input.description.trim();
  problems.check('description', text.length > 0 && text.length <= 4000, 'must be 1–4000 characters');
  problems.throwIfAny();

  // The complaint and its first timeline events commit together or not at all.
  return db.transaction(async (tx) => {
    // A partner may file only for a customer it can see (consent); staff for any.
    const params = new SqlParams();
    const customerConditions = db.restricted([`c.id = ${params.add(customerId)}`, `c.status NOT IN ('ERASED', 'RESTRICTED')`], 'customers', 'c', params);
    const [refs] = await tx.rows<{ customer: boolean; assignee: boolean }>(
      // FOR SHARE: a restriction or erasure of the customer waits for this complaint, or this one sees it (found by review).
      `SELECT EXISTS (SELECT 1 FROM customers c WHERE ${customerConditions.join(' AND ')} FOR SHARE OF c) AS customer,
              (${params.add(assigneeId)}::uuid IS NULL OR ${ACTIVE_SERVICE_AGENT_SQL(params.add(assigneeId), params.add(StaffRole.SERVICE))}) AS assignee`,
      params.values,
    );
    problems.check('customerId', refs.customer, 'no customer with this id');
    problems.check('assigneeId', refs.assignee, 'must be an active service agent');
    problems.throwIfAny();

    const status = assigneeId ? ComplaintStatus.ASSIGNED : ComplaintStatus.RECEIVED;
    const actor = actorId && isUuid(actorId) ? actorId : null;
    const id = randomUUID();
    const dataKey = await customerDataKey(tx, customerId);
    const sealed = await sealFor(tx, 'complaints', id, customerId, { description: text }, dataKey);
    const [complaint] = await tx.rows<Complaint>(
      `INSERT INTO complaints AS k (id, customer_id, channel, category, urgency, severity, status, assignee_id, assigned_by, assigned_at, received_at, due_at,
                                    description_sealed, description_masked)
       VALUES ($10, $1, $2, $3, $5, $6, $7, $8, CASE WHEN $8::uuid IS NULL THEN NULL ELSE $9::uuid END, CASE WHEN $8::uuid IS NULL THEN NULL ELSE now() END,
               now(), now() + make_interval(days => ${COMPLAINT_DEADLINE_DAYS}), $4, $11)
       RETURNING ${complaintList.columns}`,
      [customerId, input.channel, input.category, sealed.description_sealed, input.urgency, input.severity, status, assigneeId, actor, id, sealed.description_masked],
    );
    await addComplaintEvent(tx, { complaintId: id, customerId, status: ComplaintStatus.RECEIVED, actorId: actor, note: `Acknowledged via ${input.channel.toLowerCase()}; answer due within ${COMPLAINT_DEADLINE_DAYS} days` }, dataKey);
    if (assigneeId !== null) await addComplaintEvent(tx, { complaintId: id, customerId, status: ComplaintStatus.ASSIGNED, actorId: actor, note: null }, dataKey);
    tx.changed({ entity: 'Complaint', entityId: complaint.id, customerId, action: 'CREATE', before: null, after: complaint as never });
    // A privacy complaint opens an incident for triage (issue 18; permissions/governance.ts).
    if (INCIDENTS.triageCategories.includes(input.category)) await openIncidentForComplaint(tx, { id: complaint.id, customerId }, new Date());
    return complaint;
  });
}

/**
 * A manager assigns or reassigns a complaint that is still being worked to an active service
 * agent other than themselves. Reassignment ends the previous agent's clear access at once
 * (the relation reads the current assignee).
 */
export async function assignComplaint(db: RequestDb, input: AssignComplaintInput, actorId: string): Promise<Complaint> {
  const problems = new InputProblems();
  const complaintId = requireUuid(input.complaintId, 'complaintId');
  const assigneeId = requireUuid(input.assigneeId, 'assigneeId');
  const note = input.note?.trim() || null;
  problems.check('note', note === null || note.length <= 500, 'must be at most 500 characters');
  problems.throwIfAny();
  refuseSelfAssignment(assigneeId, actorId);

  return db.transaction(async (tx) => {
    // The customer's key first, then the complaint (see lockCustomerKey).
    const [owner] = await tx.rows<{ customerId: string }>(`SELECT customer_id AS "customerId" FROM complaints WHERE id = $1`, [complaintId]);
    if (owner) await lockCustomerKey(tx, owner.customerId);
    const [before] = await tx.rows<Complaint>(`SELECT ${complaintList.columns} FROM complaints k WHERE k.id = $1 FOR UPDATE`, [complaintId]);
    if (!before) throw notFound('complaint', 'complaintId');
    // An assignment opens the customer's data to its assignee: none for a restricted or erased customer.
    problems.check('complaintId', heldStatus(before) === null, 'the customer of this complaint is restricted or erased');
    const [agent] = await tx.rows<{ ok: boolean }>(`SELECT ${ACTIVE_SERVICE_AGENT_SQL('$1', '$2')} AS ok`, [assigneeId, StaffRole.SERVICE]);
    problems.check('assigneeId', agent.ok, 'must be an active service agent');
    problems.check('complaintId', OPEN_COMPLAINT_STATUSES.includes(before.status), `only a complaint in ${OPEN_COMPLAINT_STATUSES.join(', ')} can be assigned; this one is ${before.status}`);
    problems.check('assigneeId', before.assigneeId !== assigneeId, 'the complaint is already assigned to this agent');
    problems.throwIfAny();
    const status = before.status === ComplaintStatus.RECEIVED ? ComplaintStatus.ASSIGNED : before.status;
    const [complaint] = await tx.rows<Complaint>(
      `UPDATE complaints AS k SET assignee_id = $2, assigned_by = $3, assigned_at = now(), status = $4 WHERE k.id = $1 RETURNING ${complaintList.columns}`,
      [complaintId, assigneeId, actorId, status],
    );
    const reassigned = before.assigneeId !== null;
    await addComplaintEvent(tx, {
      complaintId,
      customerId: complaint.customerId,
      status: ComplaintStatus.ASSIGNED,
      actorId,
      note: note ?? (reassigned ? 'Reassigned by a manager' : 'Assigned by a manager'),
    });
    tx.changed({ entity: 'Complaint', entityId: complaintId, customerId: complaint.customerId, action: 'UPDATE', before: before as never, after: complaint as never });
    return complaint;
  });
}
