/**
 * Relationships decided per record. Each is a field of the row itself or one batched lookup
 * per request (DataLoader), never one query per row. In a mutation every relationship is read
 * from the snapshot taken before the mutation ran (`RequestDb.freezeRelations`): the answer is
 * decided by the relationships as they were, so creating one never returns clear values at once.
 */
import DataLoader from 'dataloader';
import type { PolicyContext } from './policy-context';
import { isUuid } from '../../src/input-errors';
import { OPEN_COMPLAINT_STATUSES } from '../relationship-grants';
import { systemClock } from '../../src/clock';
import type { Relation } from '../vocabulary';

type Row = Record<string, unknown>;

/** Values of one column by id, from where relationships are read (the snapshot in a mutation). */
function columnById(ctx: Pick<PolicyContext, 'db'>, table: 'customers' | 'complaints', column: string): DataLoader<string, string | null> {
  return new DataLoader<string, string | null>(async (ids) => {
    const rows = await ctx.db.relations.rows<{ id: string; value: string | null }>(
      `SELECT id, ${column} AS value FROM ${table} WHERE id = ANY($1::uuid[])`,
      [ids.filter(isUuid)],
    );
    const byId = new Map(rows.map((r) => [r.id, r.value]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Per-request lookups the relations need beyond the request's ordinary loaders. */
export function createRelationLoaders(ctx: Pick<PolicyContext, 'db' | 'principal' | 'operation' | 'services'>) {
  const caller = ctx.principal.sub;
  return {
    /**
     * The caller's clear-access grants in force now for the request's purpose, by customer: the
     * grant's id and the fields it opens (one query per request, from the snapshot in a mutation).
     */
    grantsOf: new DataLoader<string, { id: string; fields: string[] }[]>(async (customerIds) => {
      const now = (ctx.services.clock ?? systemClock)();
      const rows = await ctx.db.relations.rows<{ id: string; customer_id: string; fields: string[] }>(
        `SELECT id, customer_id, fields FROM clear_access_grants
         WHERE grantee_id = $2 AND customer_id = ANY($1::uuid[]) AND status = 'APPROVED' AND purpose = $3
           AND starts_at <= $4 AND expires_at > $4
         ORDER BY starts_at, id`,
        [customerIds.filter(isUuid), caller, ctx.operation.purpose, now],
      );
      return customerIds.map((id) => rows.filter((r) => r.customer_id === id).map((r) => ({ id: r.id, fields: r.fields })));
    }),
    /** Customers with a complaint still being worked (not resolved or closed) that is assigned to the caller. */
    openComplaintAssigned: new DataLoader<string, boolean>(async (customerIds) => {
      const rows = await ctx.db.relations.rows<{ customer_id: string }>(
        `SELECT DISTINCT customer_id FROM complaints
         WHERE customer_id = ANY($1::uuid[]) AND assignee_id = $2 AND status = ANY($3::text[])`,
        [customerIds.filter(isUuid), caller, OPEN_COMPLAINT_STATUSES],
      );
      const open = new Set(rows.map((r) => r.customer_id));
      return customerIds.map((id) => open.has(id));
    }),
    /** Relationship managers as the snapshot has them (mutations only). */
    managerOf: columnById(ctx, 'customers', 'relationship_manager_id'),
    /** Complaint assignees as the snapshot has them (mutations only). */
    assigneeOf: columnById(ctx, 'complaints', 'assignee_id'),
  };
}

export type RelationLoaders = ReturnType<typeof createRelationLoaders>;

function customerIdOf(typeName: string, row: Row): string | undefined {
  if (typeName === 'Customer') return row.id as string;
  return (row.customerId as string | undefined) ?? undefined;
}

async function complaintOf(ctx: PolicyContext, typeName: string, row: Row): Promise<Row | null> {
  if (typeName === 'Complaint') return row;
  if (typeName === 'ComplaintEvent' && typeof row.complaintId === 'string') return ctx.loaders.complaintById.load(row.complaintId) as Promise<Row | null>;
  return null;
}

function ownCustomer(ctx: PolicyContext, loaders: RelationLoaders, typeName: string, row: Row): boolean | Promise<boolean> {
  const caller = ctx.principal.sub;
  if (typeName === 'ComplaintEvent') {
    return complaintOf(ctx, typeName, row).then((complaint) => (complaint ? ownCustomer(ctx, loaders, 'Complaint', complaint) : false));
  }
  // In a mutation the snapshot decides, never the rows the mutation returned.
  if (!ctx.db.relationsFrozen && typeName === 'Customer') return row.relationshipManagerId === caller;
  const customerId = customerIdOf(typeName, row);
  if (!customerId) return false;
  if (ctx.db.relationsFrozen) return loaders.managerOf.load(customerId).then((manager) => manager === caller);
  return ctx.loaders.customerById.load(customerId).then((customer) => customer?.relationshipManagerId === caller);
}

function assignedComplaint(ctx: PolicyContext, loaders: RelationLoaders, typeName: string, row: Row): boolean | Promise<boolean> {
  const caller = ctx.principal.sub;
  const assignee = (complaint: Row | null): boolean | Promise<boolean> => {
    if (!complaint) return false;
    if (!ctx.db.relationsFrozen) return complaint.assigneeId === caller;
    return typeof complaint.id === 'string' ? loaders.assigneeOf.load(complaint.id).then((id) => id === caller) : false;
  };
  if (typeName === 'Complaint') return assignee(row);
  return complaintOf(ctx, typeName, row).then(assignee);
}

function openComplaintAssigned(ctx: PolicyContext, loaders: RelationLoaders, typeName: string, row: Row): boolean | Promise<boolean> {
  const customerId = customerIdOf(typeName, row);
  return customerId ? loaders.openComplaintAssigned.load(customerId) : false;
}

/** The id of a grant of the caller in force that opens this field of the record's customer; false when none does. */
function grantFor(ctx: PolicyContext, loaders: RelationLoaders, typeName: string, row: Row, coordinate: string): false | Promise<string | false> {
  const customerId = customerIdOf(typeName, row);
  if (!customerId || !isUuid(customerId)) return false;
  return loaders.grantsOf.load(customerId).then((grants) => grants.find((g) => g.fields.includes(coordinate))?.id ?? false);
}

/**
 * Whether the relation holds between the caller and this record (for GRANT: the id of the grant
 * that opens `coordinate`, which the register names); false for callers that are no staff record.
 */
export function holds(relation: Relation, ctx: PolicyContext, loaders: RelationLoaders, typeName: string, row: Row, coordinate = ''): boolean | string | Promise<boolean | string> {
  if (!ctx.principal.staffId || !isUuid(ctx.principal.sub)) return false;
  switch (relation) {
    case 'GRANT':
      return grantFor(ctx, loaders, typeName, row, coordinate);
    case 'OWN_CUSTOMER':
      return ownCustomer(ctx, loaders, typeName, row);
    case 'ASSIGNED_COMPLAINT':
      return assignedComplaint(ctx, loaders, typeName, row);
    case 'OPEN_COMPLAINT_ASSIGNED':
      return openComplaintAssigned(ctx, loaders, typeName, row);
  }
}
