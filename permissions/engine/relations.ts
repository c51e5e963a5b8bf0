/**
 * Relationships decided per record. Each is a field of the row itself or one batched lookup
 * per request (DataLoader), never one query per row.
 */
import DataLoader from 'dataloader';
import type { RequestContext } from '../../src/context';
import { isUuid } from '../../schema/common/errors';
import type { Relation } from '../vocabulary';

type Row = Record<string, unknown>;

/** Per-request lookups the relations need beyond the request's ordinary loaders. */
export function createRelationLoaders(ctx: Pick<RequestContext, 'db' | 'principal'>) {
  const caller = ctx.principal.sub;
  return {
    /** Customers with a complaint not yet closed that is assigned to the caller. */
    openComplaintAssigned: new DataLoader<string, boolean>(async (customerIds) => {
      const rows = await ctx.db.rows<{ customer_id: string }>(
        `SELECT DISTINCT customer_id FROM complaints
         WHERE customer_id = ANY($1::uuid[]) AND assignee_id = $2 AND status <> 'CLOSED'`,
        [customerIds, caller],
      );
      const open = new Set(rows.map((r) => r.customer_id));
      return customerIds.map((id) => open.has(id));
    }),
  };
}

export type RelationLoaders = ReturnType<typeof createRelationLoaders>;

function customerIdOf(typeName: string, row: Row): string | undefined {
  if (typeName === 'Customer') return row.id as string;
  return (row.customerId as string | undefined) ?? undefined;
}

async function complaintOf(ctx: RequestContext, typeName: string, row: Row): Promise<Row | null> {
  if (typeName === 'Complaint') return row;
  if (typeName === 'ComplaintEvent' && typeof row.complaintId === 'string') return ctx.loaders.complaintById.load(row.complaintId) as Promise<Row | null>;
  return null;
}

function ownCustomer(ctx: RequestContext, typeName: string, row: Row): boolean | Promise<boolean> {
  const caller = ctx.principal.sub;
  if (typeName === 'Customer') return row.relationshipManagerId === caller;
  if (typeName === 'ComplaintEvent') {
    return complaintOf(ctx, typeName, row).then((complaint) => (complaint ? ownCustomer(ctx, 'Complaint', complaint) : false));
  }
  const customerId = customerIdOf(typeName, row);
  if (!customerId) return false;
  return ctx.loaders.customerById.load(customerId).then((customer) => customer?.relationshipManagerId === caller);
}

function assignedComplaint(ctx: RequestContext, typeName: string, row: Row): boolean | Promise<boolean> {
  if (typeName === 'Complaint') return row.assigneeId === ctx.principal.sub;
  return complaintOf(ctx, typeName, row).then((complaint) => complaint?.assigneeId === ctx.principal.sub);
}

function openComplaintAssigned(ctx: RequestContext, loaders: RelationLoaders, typeName: string, row: Row): boolean | Promise<boolean> {
  const customerId = customerIdOf(typeName, row);
  return customerId ? loaders.openComplaintAssigned.load(customerId) : false;
}

/** Whether the relation holds between the caller and this record; false for callers that are no staff record. */
export function holds(relation: Relation, ctx: RequestContext, loaders: RelationLoaders, typeName: string, row: Row): boolean | Promise<boolean> {
  if (!isUuid(ctx.principal.sub)) return false;
  switch (relation) {
    case 'OWN_CUSTOMER':
      return ownCustomer(ctx, typeName, row);
    case 'ASSIGNED_COMPLAINT':
      return assignedComplaint(ctx, typeName, row);
    case 'OPEN_COMPLAINT_ASSIGNED':
      return openComplaintAssigned(ctx, loaders, typeName, row);
  }
}
