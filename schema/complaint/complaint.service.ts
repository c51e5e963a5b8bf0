/** Complaint reads and filing: the 7-day clock starts on receipt (seed 002 art. 26). */
import { INCIDENTS } from '../../permissions/governance';
import { openIncidentForComplaint } from '../../src/governance/incidents';
import { heldStatus, selectColumns } from '../../src/db/columns';
import { Complaint, ComplaintEvent, ComplaintEventKind, ComplaintStatus, StaffRole } from '../../src/db/entities';
import type { RequestDb, TransactionDb } from '../../src/db/pool';
import type { RequestContext } from '../../src/context';
import { randomUUID } from 'node:crypto';
import { customerDataKey, sealFor } from '../../src/crypto/sealed-writes';
import { fetchPage, type ChildListSpec } from '../../src/loaders/paging';
import type { Page } from '../../src/paging/page';
import { InputProblems, requireUuid } from '../../src/input-errors';
import { actorOf, addComplaintEvent, complaintDeadlines, defaultReplyChannel, nowOf, requireText, takeStep } from './workflow.service';
import { SqlParams } from '../../src/db/sql';
import { forbidden } from '../../permissions/engine/errors';
import type { AssignComplaintInput, ComplaintFilter, ComplaintsArgs, FileComplaintInput } from './complaint.inputs';


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

/**
 * A timeline event names no customer of its own: its complaint's customer rides along (not a field),
 * so that a note served is registered against that customer (permissions/engine/runtime.ts customerOf).
 */
export const complaintEventColumns = () => `${selectColumns(ComplaintEvent, 'e')}, (SELECT ck.customer_id FROM complaints ck WHERE ck.id = e.complaint_id) AS "complaintCustomerId"`;

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

const ACTIVE_SERVICE_AGENT_SQL = (param: string, role: string) => `EXISTS (SELECT 1 FROM staff WHERE id = ${param} AND role = ${role} AND active)`;

export async function fileComplaint(ctx: RequestContext, input: FileComplaintInput): Promise<Complaint> {
  const db = ctx.db;
  const actorId = actorOf(ctx);
  const problems = new InputProblems();
  const customerId = requireUuid(input.customerId, 'customerId');
  const assigneeId = input.assigneeId ? requireUuid(input.assigneeId, 'assigneeId') : null;
  refuseSelfAssignment(assigneeId, actorId);
  const text = input.description.trim();
  problems.check('description', text.length > 0 && text.length <= 4000, 'must be 1–4000 characters');
  const request = requireText(problems, 'customerRequest', input.customerRequest, 1000, false);
  problems.throwIfAny();
  const now = nowOf(ctx);
  const deadlines = complaintDeadlines();

  // The complaint and its first timeline events commit together or not at all.
  return db.transaction(async (tx) => {
    // A partner may file only for a customer it can see (consent); staff for any.
    const params = new SqlParams();
    const customerConditions = db.restricted([`c.id = ${params.add(customerId)}`, `c.status NOT IN ('ERASED', 'RESTRICTED')`], 'customers', 'c', params);
    const [refs] = await tx.rows<{ customer: boolean; assignee: boolean; branch: string | null }>(
      // FOR SHARE: a restriction or erasure of the customer waits for this complaint, or this one sees it (found by review).
      `SELECT EXISTS (SELECT 1 FROM customers c WHERE ${customerConditions.join(' AND ')} FOR SHARE OF c) AS customer,
              (${params.add(assigneeId)}::uuid IS NULL OR ${ACTIVE_SERVICE_AGENT_SQL(params.add(assigneeId), params.add(StaffRole.SERVICE))}) AS assignee,
              (SELECT branch FROM staff WHERE id = ${params.add(actorId)}::uuid) AS branch`,
      params.values,
    );
    problems.check('customerId', refs.customer, 'no customer with this id');
    problems.check('assigneeId', refs.assignee, 'must be an active service agent');
    problems.throwIfAny();

    const status = assigneeId ? ComplaintStatus.ASSIGNED : ComplaintStatus.RECEIVED;
    const id = randomUUID();
    const dataKey = await customerDataKey(tx, customerId);
    const sealed = await sealFor(tx, 'complaints', id, customerId, { description: text, customerRequest: request }, dataKey);
    const replyChannel = input.replyChannel ?? defaultReplyChannel(input.channel);
    const [complaint] = await tx.rows<Complaint>(
      `INSERT INTO complaints AS k (id, customer_id, channel, category, urgency, severity, status, assignee_id, assigned_by, assigned_at, received_at, due_at,
                                    description_sealed, description_masked, customer_request_sealed, customer_request_masked, reply_channel, interim_due_at, branch)
       VALUES ($10, $1, $2, $3, $5, $6, $7, $8, CASE WHEN $8::uuid IS NULL THEN NULL ELSE $9::uuid END, CASE WHEN $8::uuid IS NULL THEN NULL ELSE $12::timestamptz END,
               $12, $12::timestamptz + make_interval(days => ${deadlines.closeWithinDays}), $4, $11, $13, $14, $15, $12::timestamptz + make_interval(hours => ${deadlines.interimHours}), $16)
       RETURNING ${complaintList.columns}`,
      [customerId, input.channel, input.category, sealed.description_sealed, input.urgency, input.severity, status, assigneeId, actorId, id, sealed.description_masked, now,
        sealed.customer_request_sealed ?? null, sealed.customer_request_masked ?? null, replyChannel, refs.branch],
    );
    await addComplaintEvent(tx, { complaintId: id, customerId, kind: ComplaintEventKind.STATUS, status: ComplaintStatus.RECEIVED, actorId, at: now, note: `Received via ${input.channel.toLowerCase()} as ${complaint.number}; answer due within ${deadlines.closeWithinDays} days` }, dataKey);
    if (assigneeId !== null) await addComplaintEvent(tx, { complaintId: id, customerId, kind: ComplaintEventKind.STATUS, status: ComplaintStatus.ASSIGNED, actorId, at: now, note: null }, dataKey);
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
export async function assignComplaint(ctx: RequestContext, input: AssignComplaintInput): Promise<Complaint> {
  const actorId = actorOf(ctx);
  const problems = new InputProblems();
  const assigneeId = requireUuid(input.assigneeId, 'assigneeId');
  const note = input.note?.trim() || null;
  problems.check('note', note === null || note.length <= 500, 'must be at most 500 characters');
  problems.throwIfAny();
  refuseSelfAssignment(assigneeId, actorId);
  return takeStep(ctx, 'assign', input.complaintId, async (before, now, tx) => {
    const [agent] = await tx.rows<{ ok: boolean }>(`SELECT ${ACTIVE_SERVICE_AGENT_SQL('$1', '$2')} AS ok`, [assigneeId, StaffRole.SERVICE]);
    problems.check('assigneeId', agent.ok, 'must be an active service agent');
    problems.check('assigneeId', before.assigneeId !== assigneeId, 'the complaint is already assigned to this agent');
    problems.throwIfAny();
    // Reassigning a complaint under investigation keeps its state; the first assignment moves it to ASSIGNED.
    const status = before.status === ComplaintStatus.RECEIVED || before.status === ComplaintStatus.ACKNOWLEDGED ? ComplaintStatus.ASSIGNED : before.status;
    const reassigned = before.assigneeId !== null;
    return {
      set: { assignee_id: assigneeId, assigned_by: actorId, assigned_at: now, status },
      events: [{ kind: ComplaintEventKind.STATUS, status: ComplaintStatus.ASSIGNED, note: note ?? (reassigned ? 'Reassigned by a manager' : 'Assigned by a manager') }],
    };
  }, complaintList.columns);
}
