/**
 * Customer reads and writes: keyset pages, validated inserts and partial updates. The
 * relationship manager is never written here directly: naming one on a new customer opens a
 * change request that a second manager decides (schema/relationship).
 */
import { columnName, selectColumns, selectColumnsFor } from '../../src/db/columns';
import { Customer, CustomerKind, CustomerStatus, StaffRole } from '../../src/db/entities';
import type { RequestDb, SqlRunner } from '../../src/db/pool';
import type { RequestContext } from '../../src/context';
import { forbidden } from '../../permissions/engine/errors';
import { openRelationshipManagerChange, requireStaffCaller } from '../relationship/relationship.service';
import type { SealedNeed } from '../../src/loaders/selection';
import { fetchPage, type ListSpec } from '../../src/loaders/paging';
import type { Page } from '../../src/paging/page';
import { badUserInput, notFound, requireUuid } from '../../src/input-errors';
import { SqlParams, type KeysetOrder } from '../../src/db/sql';
import { CustomerOrderField, type CreateCustomerInput, type CustomerFilter, type CustomersArgs, type UpdateCustomerInput } from './customer.inputs';
import { validateCreateCustomer, validateUpdateCustomer } from './customer.validation';
import { nationalIdBirthDate, nationalIdGender } from '../../src/domain/national-id';
import { archiveCategory } from '../../src/domain/archive-number';
import { createsForReview, openCustomerReview } from '../review/review.service';
import { randomUUID } from 'node:crypto';
import type { BlindIndexer } from '../../src/crypto/blind-index';
import { splitSealed } from '../../src/crypto/sealed-rows';
import { lockCustomerKey, requireKeyring, sealFor } from '../../src/crypto/sealed-writes';
import { toScale2 } from '../../src/domain/money';

export const customerList: ListSpec = {
  list: 'customers',
  table: 'customers',
  alias: 'c',
  get columns() {
    return selectColumns(Customer, 'c');
  },
};

const ORDER_COLUMNS: Record<CustomerOrderField, string> = {
  [CustomerOrderField.CREATED_AT]: 'c.created_at',
  [CustomerOrderField.UPDATED_AT]: 'c.updated_at',
  [CustomerOrderField.ARCHIVE_NUMBER]: 'c.archive_number',
};

export function customerConditions(filter: CustomerFilter | null | undefined, params: SqlParams, blindIndex: BlindIndexer): string[] {
  if (!filter) return [];
  const conditions: string[] = [];
  if (filter.kind) conditions.push(`c.kind = ${params.add(filter.kind)}`);
  if (filter.tier) conditions.push(`c.tier = ${params.add(filter.tier)}`);
  if (filter.status) conditions.push(`c.status = ${params.add(filter.status)}`);
  if (filter.relationshipManagerId) {
    conditions.push(`c.relationship_manager_id = ${params.add(requireUuid(filter.relationshipManagerId, 'filter.relationshipManagerId'))}`);
  }
  if (filter.archiveNumber) conditions.push(`c.archive_number = ${params.add(filter.archiveNumber)}`);
  // Exact match only: a prefix or pattern search on an identifier would enumerate it.
  // Through the blind indexes: the lookup needs no plaintext in the database.
  if (filter.idNumber) conditions.push(`c.id_number_bidx = ${params.add(blindIndex('idNumber', filter.idNumber))}`);
  if (filter.phone) conditions.push(`c.phone_bidx = ${params.add(blindIndex('phone', filter.phone.trim()))}`);
  // A match would say whose number it is: a restricted customer is found by no lookup (an erased one has no index left).
  if (filter.idNumber || filter.phone) conditions.push(`c.status <> 'RESTRICTED'`);
  if (filter.createdFrom) conditions.push(`c.created_at >= ${params.add(filter.createdFrom)}`);
  if (filter.createdTo) conditions.push(`c.created_at < ${params.add(filter.createdTo)}`);
  return conditions;
}

/** `needs`: the node fields the operation asks for and what their values need (see plannedNodeNeeds). */
export function findCustomers(db: RequestDb, args: CustomersArgs, needs?: ReadonlyMap<string, SealedNeed | null>): Promise<Page<Customer>> {
  const order: KeysetOrder = {
    column: ORDER_COLUMNS[args.orderBy?.field ?? CustomerOrderField.CREATED_AT],
    direction: args.orderBy?.direction ?? 'DESC',
  };
  const params = new SqlParams();
  return fetchPage<Customer>(db, customerList, order, args, customerConditions(args.filter, params, requireKeyring(db).blindIndex), params,
    needs ? selectColumnsFor(Customer, 'c', needs) : undefined);
}

async function requireRelationshipManager(db: SqlRunner, id: string): Promise<void> {
  const rows = await db.rows(`SELECT 1 FROM staff WHERE id = $1 AND role = $2 AND active`, [
    requireUuid(id, 'relationshipManagerId'),
    StaffRole.SALES,
  ]);
  if (rows.length === 0) throw badUserInput('relationshipManagerId', 'must be an active sales staff member');
}

/** Unique violations name the field without repeating the value. */
function translateUniqueViolation(error: unknown): never {
  const e = error as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'customers_id_number_key') {
    throw badUserInput('idNumber', 'a customer with this ID number already exists');
  }
  if (e.code === '23505' && e.constraint === 'customers_credit_code_key') {
    throw badUserInput('creditCode', 'a customer with this credit code already exists');
  }
  throw error;
}

/** Column assignments: plain properties by their column, sealed ones as already sealed columns. */
function assignments(values: Record<string, unknown>, sealed: Record<string, unknown>, params: SqlParams): { columns: string[]; placeholders: string[] } {
  const columns: string[] = [];
  const placeholders: string[] = [];
  for (const [property, value] of Object.entries(values)) {
    if (value === undefined) continue;
    columns.push(columnName(Customer, property));
    placeholders.push(params.add(value));
  }
  for (const [column, value] of Object.entries(sealed)) {
    columns.push(column);
    placeholders.push(params.add(value));
  }
  return { columns, placeholders };
}

/** Amounts as numeric(…, 2) would give them back: the sealed text is what a reader sees. */
function withMoneyScale(values: Record<string, unknown>): Record<string, unknown> {
  const scaled = { ...values };
  for (const field of ['annualIncome', 'totalAssets']) {
    const value = scaled[field];
    if (typeof value === 'string') scaled[field] = toScale2(value);
  }
  return scaled;
}

/** Why a request is opened for a new customer's relationship manager. */
export const NEW_CUSTOMER_REASON = 'new customer';

export async function createCustomer(ctx: RequestContext, input: CreateCustomerInput): Promise<Customer> {
  const { db } = ctx;
  validateCreateCustomer(input);
  const { relationshipManagerId, ...details } = input;
  if (relationshipManagerId) await requireRelationshipManager(db, relationshipManagerId);
  const individual = input.kind === CustomerKind.INDIVIDUAL;
  // Whether the ID number is already a customer's must not shape the answer to a caller who may not read it:
  // such a caller's individual customers all start PENDING_REVIEW, duplicate or not (schema/review).
  const forReview = individual && createsForReview(ctx);
  const { plain, sealed } = splitSealed('customers', withMoneyScale({
    ...details,
    idNumber: input.idNumber?.trim().toUpperCase() ?? input.idNumber,
    name: input.name.trim(),
    birthDate: individual ? nationalIdBirthDate(input.idNumber!) : undefined,
    gender: individual ? nationalIdGender(input.idNumber!) : undefined,
    tier: input.tier ?? undefined,
    status: forReview ? CustomerStatus.PENDING_REVIEW : undefined,
  }));
  const id = randomUUID();
  try {
    return await db.transaction(async (tx) => {
      // The requester must be a staff record before anything is written.
      const requester = relationshipManagerId ? await requireStaffCaller(tx, ctx) : null;
      // The customer's own data key first: every sealed value of theirs is under it.
      const dataKey = await requireKeyring(tx).createCustomerKeys(tx, id);
      const params = new SqlParams();
      const { columns, placeholders } = assignments({ id, ...plain }, await sealFor(tx, 'customers', id, id, sealed, dataKey), params);
      const category = params.add(archiveCategory(input.kind));
      const [row] = await tx.rows<Customer>(
        `INSERT INTO customers AS c (${columns.join(', ')}, archive_number)
         VALUES (${placeholders.join(', ')},
                 ${category} || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')
                   || lpad(nextval('customer_archive_seq')::text, 7, '0'))
         RETURNING ${customerList.columns}`,
        params.values,
      );
      tx.changed({ entity: 'Customer', entityId: row.id, customerId: row.id, action: 'CREATE', before: null, after: row as never });
      if (forReview) await openCustomerReview(tx, ctx, row);
      // Created with no relationship manager: the one named is only requested, and another manager decides.
      if (relationshipManagerId && requester) {
        await openRelationshipManagerChange(tx, { customerId: row.id, fromManagerId: null, toManagerId: relationshipManagerId.toLowerCase(), reason: NEW_CUSTOMER_REASON, requestedBy: requester }, 'relationshipManagerId');
      }
      return row;
    });
  } catch (error) {
    return translateUniqueViolation(error);
  }
}

export async function updateCustomer(db: RequestDb, id: string, input: UpdateCustomerInput): Promise<Customer> {
  const customerId = requireUuid(id, 'id');
  // The row is locked while its kind decides which fields the update may touch; the key first (see lockCustomerKey).
  return db.transaction(async (tx) => {
    const dataKey = await lockCustomerKey(tx, customerId);
    const [current] = await tx.rows<Customer>(
      // A restricted or erased customer takes no new data (schema/erasure).
      `SELECT ${customerList.columns} FROM customers c WHERE c.id = $1 AND c.status NOT IN ('ERASED', 'RESTRICTED') FOR UPDATE`,
      [customerId],
    );
    if (!current) throw notFound('customer');
    validateUpdateCustomer(input, current.kind);
    // Only a de-duplication review lets a pending customer in, and a row it merged or rejected stays closed.
    if (input.status != null && input.status !== current.status && (current.status === CustomerStatus.PENDING_REVIEW || current.reviewOutcome !== null)) {
      throw badUserInput('status', current.reviewOutcome === null ? 'a customer awaiting review changes status only through resolveCustomerReview' : 'a customer a review merged or rejected stays closed');
    }
    // Defence in depth (the plan refuses it first): a relationship manager changes only by an approved request.
    if (input.relationshipManagerId !== undefined) {
      throw forbidden('the relationship manager changes only through requestRelationshipManagerChange and a second manager\'s approval', ['updateCustomer(input.relationshipManagerId)']);
    }
    const params = new SqlParams();
    const { plain, sealed } = splitSealed('customers', withMoneyScale({ ...input, name: input.name?.trim() }));
    const { columns, placeholders } = assignments(plain, await sealFor(tx, 'customers', customerId, customerId, sealed, dataKey ?? undefined), params);
    const sets = columns.map((column, i) => `${column} = ${placeholders[i]}`);
    sets.push('updated_at = now()');
    const [row] = await tx.rows<Customer>(
      `UPDATE customers AS c SET ${sets.join(', ')} WHERE c.id = ${params.add(customerId)} RETURNING ${customerList.columns}`,
      params.values,
    );
    tx.changed({ entity: 'Customer', entityId: row.id, customerId: row.id, action: 'UPDATE', before: current as never, after: row as never });
    return row;
  });
}
