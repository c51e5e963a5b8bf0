/** Reads of the audit register for auditors: newest first, keyset-paged, every filter in SQL. */
import type { RequestDb } from '../../src/db/pool';
import { selectList, type Stream } from '../../src/audit/chain';
import { historyKeyOpener, openEntries, type StoredFieldChange } from '../../src/audit/history-sealing';
import { pageSize, type Page } from '../../src/paging/page';
import { SqlParams } from '../../src/db/sql';
import { badUserInput, requireUuid } from '../../src/input-errors';
import type { AccessRecord, AuditLogFilter, ChangeRecord, CustomerAccess } from './audit.types';
import { AuditDecision, type AuditedEntity } from './audit.types';

interface Keyed {
  seq: string;
  occurredAt: Date;
}

/** A cursor holds the record's position only (time and sequence number), never its contents. */
function encodeAuditCursor(list: string, row: Keyed): string {
  return Buffer.from(`${list}:${row.occurredAt.toISOString()}:${row.seq}`, 'utf8').toString('base64url');
}

function decodeAuditCursor(list: string, cursor: string): { occurredAt: Date; seq: string } {
  const match = /^([a-z]+):(\d{4}-\d{2}-\d{2}T[\d:.]+Z):(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== list) throw badUserInput('after', `not a cursor of this list (${list})`);
  return { occurredAt: new Date(match[2]), seq: match[3] };
}

async function fetchPage<R extends Keyed, N>(
  db: RequestDb,
  list: string,
  table: string,
  select: string,
  conditions: string[],
  params: SqlParams,
  args: { first?: number | null; after?: string | null },
  toNode: (row: R) => N | Promise<N>,
): Promise<Page<N>> {
  const size = pageSize(args.first, db.maxPageSize);
  const where = [...conditions];
  const countWhere = [...conditions];
  const countValues = [...params.values];
  if (args.after) {
    const { occurredAt, seq } = decodeAuditCursor(list, args.after);
    where.push(`(r.occurred_at, r.seq) < (${params.add(occurredAt)}, ${params.add(seq)}::bigint)`);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const rows = await db.rows<R>(`SELECT ${select} FROM ${table} r ${clause} ORDER BY r.occurred_at DESC, r.seq DESC LIMIT ${size + 1}`, params.values);
  const edges = await Promise.all(rows.slice(0, size).map(async (row) => ({ cursor: encodeAuditCursor(list, row), node: await toNode(row) })));
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, hasPreviousPage: Boolean(args.after), startCursor: edges[0]?.cursor ?? null, endCursor: edges[edges.length - 1]?.cursor ?? null },
    get totalCount() {
      counted ??= db
        .rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} r ${countWhere.length ? `WHERE ${countWhere.join(' AND ')}` : ''}`, countValues)
        .then(([r]) => r.n);
      return counted;
    },
  };
}

type PrincipalColumns = { principalSub: string; principalRole: string; tokenId: string | null; partnerId: string | null };

const principalOf = (row: PrincipalColumns) => ({ sub: row.principalSub, role: row.principalRole, tokenId: row.tokenId, partnerId: row.partnerId });
const hex = (value: unknown) => (Buffer.isBuffer(value) ? value.toString('hex') : String(value));

type StoredRow<S extends Stream> = Keyed & PrincipalColumns & Record<string, unknown> & { stream?: S };

function toAccessRecord(row: StoredRow<'access'>): AccessRecord {
  return {
    ...(row as never as AccessRecord),
    principal: principalOf(row),
    durationMs: Number(row.durationUs) / 1000,
    hash: hex(row.hash),
    prevHash: hex(row.prevHash),
  };
}

/** The wrapped history key of a change record's customer, read with the record (no statement of its own); null: destroyed (erased). */
const HISTORY_KEY_SELECT = `(SELECT hk.history_kek_id FROM keystore.customer_keys hk WHERE hk.customer_id = r.customer_id) AS "$historyKek",
  (SELECT hk.history_key FROM keystore.customer_keys hk WHERE hk.customer_id = r.customer_id) AS "$historyKey"`;

type ChangeRow = StoredRow<'change'> & { customerId: string | null; changes: StoredFieldChange[]; $historyKek: string | null; $historyKey: Buffer | null };

/** A change record with its sealed entries opened under the customer's history key (or marked erased). */
function changeRecordReader(db: RequestDb) {
  const historyKey = historyKeyOpener(db.keyring);
  return async (row: ChangeRow): Promise<ChangeRecord> => {
    const { $historyKek, $historyKey, ...stored } = row;
    const key = row.customerId === null ? undefined : await historyKey(row.customerId, $historyKek, $historyKey);
    return {
      ...(stored as never as ChangeRecord),
      changes: openEntries(key, row.seq, row.changes, row.customerId !== null) as ChangeRecord['changes'],
      principal: principalOf(row),
      hash: hex(row.hash),
    };
  };
}

const DECISION_COLUMN: Record<AuditDecision, string> = {
  [AuditDecision.CLEAR]: 'r.clear_values',
  [AuditDecision.MASK]: 'r.masked_values',
  [AuditDecision.REMOVE]: 'r.removed_values',
};

function accessConditions(filter: AuditLogFilter | null | undefined, params: SqlParams): string[] {
  const conditions: string[] = [];
  if (!filter) return conditions;
  if (filter.principal) conditions.push(`r.principal_sub = ${params.add(filter.principal)}`);
  if (filter.role) conditions.push(`r.principal_role = ${params.add(filter.role)}`);
  if (filter.customerId) {
    const id = params.add(requireUuid(filter.customerId, 'filter.customerId'));
    conditions.push(`(r.customers_clear @> ARRAY[${id}::uuid] OR r.customers_masked @> ARRAY[${id}::uuid])`);
  }
  if (filter.from) conditions.push(`r.occurred_at >= ${params.add(filter.from)}`);
  if (filter.to) conditions.push(`r.occurred_at < ${params.add(filter.to)}`);
  if (filter.decision) conditions.push(`${DECISION_COLUMN[filter.decision]} > 0`);
  if (filter.purpose) conditions.push(`r.purpose = ${params.add(filter.purpose)}`);
  if (filter.outcome) conditions.push(`r.outcome = ${params.add(filter.outcome)}`);
  return conditions;
}

export function auditLog(db: RequestDb, args: { first?: number | null; after?: string | null; filter?: AuditLogFilter | null }) {
  const params = new SqlParams();
  const conditions = accessConditions(args.filter, params);
  return fetchPage(db, 'access', 'audit_access', selectList('access'), conditions, params, args, toAccessRecord);
}

export function customerAccessHistory(db: RequestDb, customerId: string, args: { first?: number | null; after?: string | null }) {
  const params = new SqlParams();
  const id = params.add(requireUuid(customerId, 'customerId'));
  const conditions = [`(r.customers_clear @> ARRAY[${id}::uuid] OR r.customers_masked @> ARRAY[${id}::uuid])`];
  const select = `${selectList('access')}, r.customers_clear @> ARRAY[${id}::uuid] AS "sawClear"`;
  return fetchPage(db, 'customer', 'audit_access', select, conditions, params, args, (row: StoredRow<'access'> & { sawClear: boolean }): CustomerAccess => ({
    seq: row.seq,
    occurredAt: row.occurredAt,
    principal: principalOf(row),
    purpose: row.purpose as string | null,
    operationName: row.operationName as string | null,
    requestId: row.requestId as string,
    decision: row.sawClear ? AuditDecision.CLEAR : AuditDecision.MASK,
  }));
}

export function changeHistory(db: RequestDb, entity: AuditedEntity, id: string, args: { first?: number | null; after?: string | null }) {
  const params = new SqlParams();
  // Partners and their operations have text keys; every other record a uuid.
  const key = entity === 'Partner' || entity === 'PartnerOperation' ? id : requireUuid(id, 'id');
  const conditions = [`r.entity = ${params.add(entity)}`, `r.entity_id = ${params.add(key)}`];
  return fetchPage(db, 'change', 'audit_changes', `${selectList('change')}, ${HISTORY_KEY_SELECT}`, conditions, params, args, changeRecordReader(db));
}
