/**
 * The read compiler (issue 16, first slice): a read operation inside the supported subset becomes
 * ONE SQL statement that builds the response's `data` as JSON inside PostgreSQL, with the
 * operation's plan compiled into it — removed fields never selected, masks as the policy's SQL
 * functions (permissions/sql-masks.ts) or the stored `<column>_masked` forms, restricted and
 * erased customers' records withheld by a CASE on the row. Each record object that carries
 * sensitive fields also carries its customer id and hold status (the key `$`, last), from which
 * `serveCompiledRead` fills the same PrivacyState the resolver path fills (tallies, values,
 * customers) and then drops the key.
 *
 * The subset (docs/read-compiler.md lists it; anything else is `unsupported` and the resolver path —
 * the reference — answers): query operations over customers, transactions and complaints (pages with
 * filters, orders and cursors, lookups by id), their contacts, timelines, related customers and staff;
 * aliases, fragments, directives; every role, with decisions fixed or per record (OWN_CUSTOMER,
 * OPEN_COMPLAINT_ASSIGNED, ASSIGNED_COMPLAINT), partners' consent visibility, analysts' pseudonyms.
 */
import { getArgumentValues, getNamedType, getNullableType, isEnumType, isListType, isObjectType, isScalarType, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import { getMetadataArgsStorage } from 'typeorm';
import { Complaint, ComplaintEvent, ComplaintStatus, Contact, Customer, StaffMember, Transaction } from '../../../src/db/entities';
import { SEALED_TABLES } from '../../../src/crypto/sealed-fields';
import { keyReferenceSql } from '../../../src/crypto/keyring';
import { visibilityCondition, type CustomerVisibility } from '../../../src/db/visibility';
import type { SqlParams } from '../../../src/db/sql';
import { DEFAULT_PAGE_SIZE } from '../../../src/paging/page';
import { isUuid } from '../../../src/input-errors';
import { decodeCursor } from '../../../src/paging/cursor';
import { PSEUDONYMOUS_TYPES } from '../shown-id';
import { LEGAL_HOLD_PURPOSE, LEGAL_HOLD_ROLES } from '../../erasure';
import { TYPE_CHANGING_MASKS } from '../../masks';
import { classify, isSensitive, ROLE_POLICIES, ruleFor } from '../../policy';
import { sqlMask } from '../../sql-masks';
import type { Outcome, PlannedRule } from '../compile';
import type { FieldClass, Relation } from '../../vocabulary';
import type { SealedField } from '../../../src/crypto/sealed-fields';
import { OPEN_COMPLAINT_STATUSES } from '../../relationship-grants';
import type { PrivacyPlan } from '../plan';

/** One outcome of a sensitive field and how the statement serves its value. */
export interface LeafForm {
  outcome: Outcome;
  /** Served null although a value (the stored masked text) was read and counted: masks no value of the field's type. */
  nullAfterCount: boolean;
  /**
   * A sealed field the statement cannot serve (clear, or a mask other than the stored one): the
   * statement returns its ciphertext (base64), decrypted in Node — only these values, as the
   * resolver path's row getters do (src/crypto/sealed-rows.ts) — and masked there if need be.
   */
  sealed?: { table: string; column: string };
}

/** The plan's rule for a field, with the relations the statement computes per row. */
export type SiteRule = { fixed: LeafForm } | { relations: Relation[]; then: SiteRule; otherwise: SiteRule };

/** A sensitive field of a record object: where its tally goes and what the plan decided. */
export interface SensitiveSite {
  key: string;
  path: string;
  field: string;
  rule: SiteRule;
  /** Decided per record (the resolver path records these after its rules' promises: see the walk). */
  perRecord: boolean;
  /** A clear identifying value: the day's breadth may narrow it to `narrowed`, served from the marker's `alternative`. */
  breadth?: { narrowed: Outcome; alternative: number; nullAfterCount: boolean };
}

/** Marker positions: customer id, hold, key reference, row id, OWN_CUSTOMER, OPEN_COMPLAINT_ASSIGNED, ASSIGNED_COMPLAINT, then narrowed forms. */
export const MARKER_ALTERNATIVES = 7;

export function leaves(rule: SiteRule): LeafForm[] {
  return 'fixed' in rule ? [rule.fixed] : [...leaves(rule.then), ...leaves(rule.otherwise)];
}
const clearLeaves = leaves;

interface LeafContext {
  spec: RecordSpec;
  alias: string;
  field: GraphQLField<unknown, unknown>;
  fieldNodes: readonly FieldNode[];
  coordinate: string;
  cls: FieldClass;
  sealedField: SealedField | undefined;
  forBreadth?: boolean;
}

/** How to walk the JSON the statement returns (only where there is something to count or fill in). */
/** The key of a page's cursor guard (no GraphQL response key starts with `$`). */
export const CURSOR_GUARD = '$after';

export type Walk =
  | { kind: 'object'; children: [string, Walk][]; sites: SensitiveSite[] }
  | { kind: 'list'; of: Walk }
  /** An encrypted cursor: the statement returns `list:id`, encrypted in Node (random IV: never in SQL). */
  | { kind: 'cursor'; list: string }
  /** A record id shown as the caller's keyed pseudonym (roles with `pseudonymousIds`): keyed in Node. */
  | { kind: 'pseudonym'; type: string }
  /**
   * True when a page's `after` cursor names a record that is gone (or hidden): the resolver path
   * answers then, with its own error — only where the page is resolved (a nested page of a record
   * that is not there raises nothing).
   */
  | { kind: 'cursor-guard' };

export interface CompiledRead {
  /** Prepared-statement name (a hash of the text). */
  name: string;
  /** The parameter holding the caller's id (relations), set per request; null: none. */
  callerParam: number | null;
  text: string;
  values: unknown[];
  walk: Walk;
}

export type CompileOutcome = { read: CompiledRead } | { unsupported: string };

export interface CompileInput {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  plan: PrivacyPlan;
  maxPageSize: number;
  /** Partners: only customers with a consent for this partner, purpose and field groups (src/db/visibility.ts); null: every row. */
  visibility: CustomerVisibility | null;
  /** Whether relations can hold for the caller at all (a staff record with a uuid subject: permissions/engine/relations.ts). */
  relationsApply: boolean;
}

class Unsupported extends Error {}
const unsupported = (reason: string): never => {
  throw new Unsupported(reason);
};

interface RecordSpec {
  table: string;
  entity: Function;
  /** The column naming the row's customer. */
  customerColumn: string;
  /** Whether the resolver path counts a value of this record for a customer (runtime.ts customerOf: `id` or `customerId`). */
  countsCustomer?: false;
  /** The row's customer as SQL on the page's columns (for the data key), when not `customerColumn`. */
  customerVia?: (col: (column: string) => string) => string;
  /** The row's hold status ('RESTRICTED' / 'ERASED', else NULL), as src/db/columns.ts reads it. */
  hold(alias: string): string;
}

const RECORDS: Readonly<Record<string, RecordSpec>> = {
  Customer: {
    table: 'customers',
    entity: Customer,
    customerColumn: 'id',
    hold: (a) => `CASE WHEN ${a}.status IN ('RESTRICTED', 'ERASED') THEN ${a}.status END`,
  },
  Contact: {
    table: 'contacts',
    entity: Contact,
    customerColumn: 'customer_id',
    hold: (a) => `(SELECT held.status FROM customers held WHERE held.id = ${a}.customer_id AND held.status IN ('RESTRICTED', 'ERASED'))`,
  },
  Transaction: {
    table: 'transactions',
    entity: Transaction,
    customerColumn: 'customer_id',
    hold: (a) => `(SELECT held.status FROM customers held WHERE held.id = ${a}.customer_id AND held.status IN ('RESTRICTED', 'ERASED'))`,
  },
  Complaint: {
    table: 'complaints',
    entity: Complaint,
    customerColumn: 'customer_id',
    hold: (a) => `(SELECT held.status FROM customers held WHERE held.id = ${a}.customer_id AND held.status IN ('RESTRICTED', 'ERASED'))`,
  },
  // A timeline's event has no customer column: its complaint's customer holds it, keys its note and is counted for it (the register names them).
  ComplaintEvent: {
    table: 'complaint_events',
    entity: ComplaintEvent,
    customerColumn: 'complaint_id',
    customerVia: (col) => `(SELECT sc.customer_id FROM complaints sc WHERE sc.id = ${col('complaint_id')})`,
    hold: (a) => `(SELECT held.status FROM customers held WHERE held.id = (SELECT sc.customer_id FROM complaints sc WHERE sc.id = ${a}.complaint_id) AND held.status IN ('RESTRICTED', 'ERASED'))`,
  },
  // No customer's record, no sensitive field: never held.
  StaffMember: { table: 'staff', entity: StaffMember, customerColumn: 'id', hold: () => 'NULL' },
};

/** complaintEventColumns' order (src/loaders/index.ts complaintTimeline): time, then the workflow's order, then id. */
const TIMELINE_ORDER = (a: string) => `${a}.occurred_at, array_position(ARRAY[${Object.values(ComplaintStatus).map((s) => `'${s}'`).join(', ')}], ${a}.status), ${a}.id`;

/** schema/complaint/complaint.service.ts OVERDUE_SQL / OVERDUE_FILTER_SQL on a row alias. */
const overdueSql = (a: string) => `COALESCE(${a}.closed_at > ${a}.due_at, ${a}.due_at < now())`;
const overdueFilterSql = (a: string) => `((${a}.closed_at IS NULL AND ${a}.due_at < now()) OR ${a}.closed_at > ${a}.due_at)`;

/** Single related records: the parent's column naming the row (loaded by id on the resolver path). */
const RELATED: Readonly<Record<string, { typeName: string; column: string }>> = {
  'Transaction.customer': { typeName: 'Customer', column: 'customer_id' },
  'Customer.relationshipManager': { typeName: 'StaffMember', column: 'relationship_manager_id' },
  'Complaint.customer': { typeName: 'Customer', column: 'customer_id' },
  'Complaint.assignee': { typeName: 'StaffMember', column: 'assignee_id' },
  'Complaint.handlingOwner': { typeName: 'StaffMember', column: 'handling_owner_id' },
};

/** Root lookups by id: `customer(id)`, `transaction(id)`. */
const LOOKUPS: Readonly<Record<string, string>> = { 'Query.customer': 'Customer', 'Query.transaction': 'Transaction', 'Query.complaint': 'Complaint' };

interface ListSpec {
  /** The record type of the nodes. */
  typeName: string;
  /** The cursor's list tag (src/paging/cursor.ts). */
  list: string;
  order: { column: string; direction: 'ASC' | 'DESC' };
}

/** Connections the compiler serves: root lists and the nested pages of a customer. */
const LISTS: Readonly<Record<string, ListSpec>> = {
  'Query.customers': { typeName: 'Customer', list: 'customers', order: { column: 'created_at', direction: 'DESC' } },
  'Query.transactions': { typeName: 'Transaction', list: 'transactions', order: { column: 'occurred_at', direction: 'DESC' } },
  'Customer.contacts': { typeName: 'Contact', list: 'contacts', order: { column: 'created_at', direction: 'ASC' } },
  'Customer.transactions': { typeName: 'Transaction', list: 'transactions', order: { column: 'occurred_at', direction: 'DESC' } },
  'Query.complaints': { typeName: 'Complaint', list: 'complaints', order: { column: 'received_at', direction: 'DESC' } },
  'Customer.complaints': { typeName: 'Complaint', list: 'complaints', order: { column: 'received_at', direction: 'DESC' } },
};

/** Generalised fields: their JSON from the stored masked form of their source (permissions/masks.ts *OfMasked). */
const GENERALISED: Readonly<Record<string, { source: string; kind: 'year' | 'range' }>> = {
  'Customer.birthYear': { source: 'birth_date', kind: 'year' },
  'Customer.annualIncomeRange': { source: 'annual_income', kind: 'range' },
  'Customer.totalAssetsRange': { source: 'total_assets', kind: 'range' },
};

const RESTRICTED: Outcome = { decision: { kind: 'REMOVE' }, reason: 'RESTRICTED' };
const ERASED: Outcome = { decision: { kind: 'REMOVE' }, reason: 'ERASED' };
export const HELD_OUTCOMES: Readonly<Record<string, Outcome>> = { RESTRICTED, ERASED };

const columnCache = new Map<Function, Map<string, string>>();

/** Entity property → database column (plain columns only). */
function plainColumn(entity: Function, property: string): string | undefined {
  let columns = columnCache.get(entity);
  if (!columns) {
    columns = new Map();
    for (const c of getMetadataArgsStorage().columns) if (c.target === entity) columns.set(c.propertyName, c.options.name ?? c.propertyName);
    columnCache.set(entity, columns);
  }
  return columns.get(property);
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

class Builder {
  readonly values: unknown[] = [];
  private aliases = 0;
  /** The columns each row alias's page must select (only those: a page of sealed rows is wide). */
  private readonly columns = new Map<string, Set<string>>();
  /** Row aliases whose records carry sensitive fields: their page computes the hold status. */
  private readonly held = new Set<string>();
  /** Relations each row alias's page computes (columns "o$", "a$"). */
  readonly relations = new Map<string, Set<Relation>>();
  /** The index of the caller's parameter (bound per request). */
  callerParam: number | null = null;
  private openStatusesParam: string | null = null;
  readonly exemptFromRestriction: boolean;

  constructor(private readonly input: CompileInput) {
    this.exemptFromRestriction = input.plan.purpose === LEGAL_HOLD_PURPOSE && LEGAL_HOLD_ROLES.includes(input.plan.role);
  }

  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** ` AND <the visibility condition>` for a row alias of `table`, as RequestDb.restricted adds it; '' when unrestricted. */
  visible(table: string, alias: string): string {
    const condition = visibilityCondition(this.input.visibility, table, alias, { add: (value: unknown) => this.param(value) } as unknown as SqlParams);
    return condition ? ` AND ${condition}` : '';
  }

  alias(): string {
    this.aliases += 1;
    return `r${this.aliases}`;
  }

  /** `alias.column`, which the alias's page then selects. */
  col(alias: string, column: string): string {
    let set = this.columns.get(alias);
    if (!set) this.columns.set(alias, (set = new Set()));
    set.add(column);
    return `${alias}.${column}`;
  }

  /** The SELECT list of a row alias's page (or lookup): its columns used, and the hold status where needed. */
  selectList(spec: RecordSpec, alias: string, extra: string[] = []): string {
    const items = [...(this.columns.get(alias) ?? [])].map((c) => `${alias}.${c}`);
    if (this.held.has(alias)) items.push(`${this.holdOf(spec, alias)} AS "h$"`);
    for (const relation of this.relations.get(alias) ?? []) items.push(`${this.relationSql(spec, alias, relation)} AS "${this.relation(alias, spec, relation)}"`);
    items.push(...extra);
    return items.length ? items.join(', ') : '1 AS "one$"';
  }

  args(field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[]): Record<string, unknown> {
    return getArgumentValues(field, nodes[0], this.input.variables);
  }

  /** `first` as the paging layer checks it; anything it would refuse is left to the resolver path (its error). */
  pageSize(args: Record<string, unknown>, allowed: readonly string[]): number {
    for (const [name, value] of Object.entries(args)) if (!allowed.includes(name) && value !== undefined && value !== null) unsupported(`argument ${name}`);
    const first = (args.first as number | null | undefined) ?? DEFAULT_PAGE_SIZE;
    if (first < 0 || first > this.input.maxPageSize) unsupported('page size out of range');
    return first;
  }

  /**
   * The filter's conditions, as customerConditions / transactionConditions write them (values as
   * parameters, the same truthiness); `alias` stands for the row alias. Lookups by a blind index
   * (ID number, phone) are probes: not compiled.
   */
  filterConditions(list: ListSpec, filter: Record<string, unknown> | null | undefined, nested: boolean): ((alias: string) => string)[] {
    if (!filter) return [];
    const conditions: ((alias: string) => string)[] = [];
    const add = (value: unknown, build: (alias: string, param: string) => string) => {
      if (!value) return;
      const param = this.param(value);
      conditions.push((alias) => build(alias, param));
    };
    const uuid = (value: unknown) => (typeof value === 'string' && isUuid(value) ? value.toLowerCase() : unsupported('filter id'));
    if (list.typeName === 'Customer') {
      for (const key of Object.keys(filter)) if (!['kind', 'tier', 'status', 'relationshipManagerId', 'archiveNumber', 'createdFrom', 'createdTo'].includes(key) && filter[key] != null) unsupported(`filter.${key}`);
      add(filter.kind, (a, p) => `${a}.kind = ${p}`);
      add(filter.tier, (a, p) => `${a}.tier = ${p}`);
      add(filter.status, (a, p) => `${a}.status = ${p}`);
      add(filter.relationshipManagerId && uuid(filter.relationshipManagerId), (a, p) => `${a}.relationship_manager_id = ${p}`);
      add(filter.archiveNumber, (a, p) => `${a}.archive_number = ${p}`);
      add(filter.createdFrom, (a, p) => `${a}.created_at >= ${p}`);
      add(filter.createdTo, (a, p) => `${a}.created_at < ${p}`);
    } else if (list.typeName === 'Transaction') {
      if (!nested) add(filter.customerId && uuid(filter.customerId), (a, p) => `${a}.customer_id = ${p}`);
      add(filter.occurredFrom, (a, p) => `${a}.occurred_at >= ${p}`);
      add(filter.occurredTo, (a, p) => `${a}.occurred_at < ${p}`);
      add(filter.minAmount, (a, p) => `${a}.amount >= ${p}::numeric`);
      add(filter.maxAmount, (a, p) => `${a}.amount <= ${p}::numeric`);
      add(filter.direction, (a, p) => `${a}.direction = ${p}`);
      add(filter.channel, (a, p) => `${a}.channel = ${p}`);
    } else if (list.typeName === 'Complaint') {
      add(filter.status, (a, p) => `${a}.status = ${p}`);
      if (filter.overdue === true) conditions.push((a) => overdueFilterSql(a));
      if (filter.overdue === false) conditions.push((a) => `NOT ${overdueSql(a)}`);
      add(filter.assigneeId && uuid(filter.assigneeId), (a, p) => `${a}.assignee_id = ${p}`);
      if (!nested) add(filter.customerId && uuid(filter.customerId), (a, p) => `${a}.customer_id = ${p}`);
    } else if (Object.values(filter).some((v) => v != null)) {
      unsupported('filter');
    }
    return conditions;
  }

  /** The list's order: customers may be sorted (CustomerOrder), the others have one order. */
  orderOf(list: ListSpec, orderBy: { field?: string; direction?: string } | null | undefined): { column: string; direction: 'ASC' | 'DESC' } {
    if (!orderBy) return list.order;
    if (list.typeName !== 'Customer') unsupported('orderBy');
    const column = ({ CREATED_AT: 'created_at', UPDATED_AT: 'updated_at', ARCHIVE_NUMBER: 'archive_number' } as Record<string, string>)[orderBy.field ?? 'CREATED_AT'] ?? unsupported('orderBy.field');
    const direction = orderBy.direction ?? 'DESC';
    if (direction !== 'ASC' && direction !== 'DESC') return unsupported('orderBy.direction');
    return { column, direction };
  }

  /** Root keys the server checks before serving: a cursor whose record is gone (the resolver path's error). */

  /** The caller's id as a parameter (its value is set per request: the statement is cached per operation, not per caller). */
  caller(): string {
    if (this.callerParam === null) {
      this.param(null);
      this.callerParam = this.values.length - 1;
    }
    // Always as text: one parameter used as text and as uuid would get one type from its first use.
    return `$${this.callerParam + 1}::text`;
  }

  /** Registers a relation the row alias's page computes; its column name. */
  relation(alias: string, _spec: RecordSpec, relation: Relation): string {
    // A clear-access grant (issue 18) is decided by the resolver path: a caller holding one is not compiled.
    if (relation === 'GRANT') return unsupported('relation GRANT');
    let set = this.relations.get(alias);
    if (!set) this.relations.set(alias, (set = new Set()));
    set.add(relation);
    return { OWN_CUSTOMER: 'o$', OPEN_COMPLAINT_ASSIGNED: 'a$', ASSIGNED_COMPLAINT: 'c$' }[relation];
  }

  /** A relation as permissions/engine/relations.ts decides it, in SQL on the row (inside its page). */
  relationSql(spec: RecordSpec, alias: string, relation: Relation): string {
    if (!this.input.relationsApply) return 'FALSE';
    if (relation === 'OWN_CUSTOMER') {
      // The caller is the customer's relationship manager (compared as text, as the resolver path compares the ids).
      if (spec.table === 'customers') return `COALESCE(${alias}.relationship_manager_id::text = ${this.caller()}, FALSE)`;
      if (spec.table === 'complaint_events') {
        // Through the event's complaint (complaintById), then its customer (customerById).
        return `COALESCE((SELECT rm.relationship_manager_id::text FROM complaints ek JOIN customers rm ON rm.id = ek.customer_id${this.visible('customers', 'rm')}
          WHERE ek.id = ${alias}.complaint_id${this.visible('complaints', 'ek')}) = ${this.caller()}, FALSE)`;
      }
      if (!['contacts', 'transactions', 'complaints'].includes(spec.table)) return 'FALSE';
      return `COALESCE((SELECT rm.relationship_manager_id::text FROM customers rm WHERE rm.id = ${alias}.customer_id${this.visible('customers', 'rm')}) = ${this.caller()}, FALSE)`;
    }
    if (relation === 'ASSIGNED_COMPLAINT') {
      // The complaint (or the event's complaint) is assigned to the caller.
      if (spec.table === 'complaints') return `COALESCE(${alias}.assignee_id::text = ${this.caller()}, FALSE)`;
      if (spec.table === 'complaint_events') return `COALESCE((SELECT ak.assignee_id::text FROM complaints ak WHERE ak.id = ${alias}.complaint_id${this.visible('complaints', 'ak')}) = ${this.caller()}, FALSE)`;
      return 'FALSE';
    }
    // A customer with an open complaint assigned to the caller: the record's own customer (an event names none).
    if (!['customers', 'contacts', 'transactions', 'complaints'].includes(spec.table)) return 'FALSE';
    this.openStatusesParam ??= this.param([...OPEN_COMPLAINT_STATUSES]);
    return `EXISTS (SELECT 1 FROM complaints oc WHERE oc.customer_id = ${alias}.${spec.customerColumn} AND oc.assignee_id = (${this.caller()})::uuid AND oc.status = ANY(${this.openStatusesParam}::text[]))`;
  }

  /** A leaf of a field's rule: the SQL of its value and how the walk treats it. */
  leaf(outcome: Outcome, c: LeafContext): { expression: string; form: LeafForm } {
    return this.leafExpression(outcome, c);
  }

  leafExpression(outcome: Outcome, c: LeafContext): { expression: string; form: LeafForm } {
    const { spec, alias, field, fieldNodes, coordinate, cls, sealedField } = c;
    const decision = outcome.decision;
    const text = () => isScalarType(getNamedType(field.type)) && getNamedType(field.type).name === 'String';
    if (decision.kind === 'REMOVE') return { expression: 'NULL', form: { outcome, nullAfterCount: false } };
    if (sealedField && (decision.kind === 'CLEAR' || sealedField.mask !== decision.strategy)) {
      return {
        expression: `encode(${this.col(alias, `${sealedField.column}_sealed`)}, 'base64')`,
        form: { outcome, nullAfterCount: decision.kind === 'MASK' && TYPE_CHANGING_MASKS.has(decision.strategy), sealed: { table: spec.table, column: sealedField.column } },
      };
    }
    if (decision.kind === 'CLEAR') {
      if (!text()) unsupported(`${coordinate} clear non-text`);
      return { expression: this.col(alias, plainColumn(spec.entity, field.name) ?? unsupported(`${coordinate} column`)), form: { outcome, nullAfterCount: false } };
    }
    if (cls.generalises) {
      if (decision.strategy !== 'generalised') unsupported(`${coordinate} ${decision.strategy}`);
      return { expression: this.generalised(coordinate, alias, fieldNodes, field), form: { outcome, nullAfterCount: false } };
    }
    let expression: string;
    if (sealedField) {
      expression = this.col(alias, `${sealedField.column}_masked`);
    } else {
      const column = plainColumn(spec.entity, field.name) ?? unsupported(`${coordinate} column`);
      if (!text()) unsupported(`${coordinate} masked non-text`);
      expression = sqlMask(decision.strategy, this.col(alias, column!)) ?? unsupported(`${coordinate} ${decision.strategy} in SQL`);
    }
    return { expression, form: { outcome, nullAfterCount: TYPE_CHANGING_MASKS.has(decision.strategy) } };
  }

  /** The hold status the policy withholds a row's sensitive fields for (legal_hold reads restricted ones). */
  holdOf(spec: RecordSpec, alias: string): string {
    const hold = spec.hold(alias);
    return this.exemptFromRestriction ? `(CASE WHEN ${hold} = 'ERASED' THEN 'ERASED' END)` : hold;
  }

  root(): { sql: string; walk: Walk } {
    const { schema, operation, fragments, variables } = this.input;
    if (operation.operation !== 'query') unsupported('not a query');
    const queryType = schema.getQueryType()!;
    const fields = collectFields(schema, fragments, variables, queryType, operation.selectionSet);
    const parts: string[] = [];
    const children: [string, Walk][] = [];
    for (const [key, nodes] of fields) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        parts.push(`${literal(key)}, ${literal(queryType.name)}`);
        continue;
      }
      const field = queryType.getFields()[name];
      if (!field) unsupported(`Query.${name}`);
      if (!ROLE_POLICIES[this.input.plan.role].operations.includes(`Query.${name}`)) unsupported(`Query.${name} not granted`);
      const lookup = LOOKUPS[`Query.${name}`];
      if (lookup) {
        const args = this.args(field, nodes);
        const id = args.id;
        if (typeof id !== 'string' || !isUuid(id)) unsupported(`${name} id`);
        const alias = this.alias();
        const spec = RECORDS[lookup];
        const walk = this.record(lookup, key, alias, nodes, field);
        parts.push(`${literal(key)}, (SELECT ${walk.sql} FROM (SELECT ${this.selectList(spec, alias)} FROM ${spec.table} ${alias} WHERE ${alias}.id = ${this.param((id as string).toLowerCase())}::uuid${this.visible(spec.table, alias)}) ${alias})`);
        if (walk.walk) children.push([key, walk.walk]);
        continue;
      }
      const list = LISTS[`Query.${name}`];
      if (!list) unsupported(`Query.${name}`);
      const built = this.connection(list, key, field, nodes, null);
      parts.push(`${literal(key)}, ${built.sql}`);
      if (built.walk) children.push([key, built.walk]);
    }
    return { sql: `json_build_object(${parts.join(', ')})`, walk: { kind: 'object', children, sites: [] } };
  }

  /** Whether the paging layer refuses these arguments (src/loaders/paging.ts checkPageArgs): checked without side effects. */
  refusedPaging(list: ListSpec, args: Record<string, unknown>, allowed: readonly string[]): boolean {
    try {
      this.pageSize(args, allowed);
      if (args.after !== undefined && args.after !== null) decodeCursor(list.list, args.after as string);
      return false;
    } catch {
      return true;
    }
  }

  /** A connection: one page (LIMIT size + 1: the extra row says there is more), in SQL. */
  connection(list: ListSpec, path: string, field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[], parentAlias: string | null): { sql: string; walk: Walk | null } {
    const args = this.args(field, nodes);
    const nested = parentAlias !== null;
    const allowed = nested ? ['first', 'filter', 'after'] : ['first', 'filter', 'orderBy', 'after'];
    // A nested page's arguments are checked only where the page is resolved (a record that is not there raises
    // nothing): refused ones compile to a guard that is always true, so the resolver path answers wherever it is.
    if (nested && this.refusedPaging(list, args, allowed)) {
      return { sql: `json_build_object('${CURSOR_GUARD}', true)`, walk: { kind: 'object', children: [[CURSOR_GUARD, { kind: 'cursor-guard' }]], sites: [] } };
    }
    const size = this.pageSize(args, allowed);
    const connectionType = getNamedType(field.type) as GraphQLObjectType;
    const spec = RECORDS[list.typeName];
    const alias = this.alias();
    const listOrder = this.orderOf(list, args.orderBy as { field?: string; direction?: string } | null | undefined);
    const order = `${alias}.${listOrder.column} ${listOrder.direction}, ${alias}.id ${listOrder.direction}`;
    const filters = this.filterConditions(list, args.filter as Record<string, unknown> | null | undefined, nested);
    let after: string | null = null;
    if (args.after !== undefined && args.after !== null) {
      let id: string;
      try {
        id = decodeCursor(list.list, args.after as string);
      } catch {
        return unsupported('after: not a cursor of this list');
      }
      after = this.param(id);
    }
    const parts: string[] = [];
    const children: [string, Walk][] = [];
    let needsRows = false;
    for (const [key, subNodes] of collectSubfields(this.input.schema, this.input.fragments, this.input.variables, connectionType, nodes)) {
      const name = subNodes[0].name.value;
      if (name === '__typename') {
        parts.push(`${literal(key)}, ${literal(connectionType.name)}`);
      } else if (name === 'totalCount') {
        const counted = this.alias();
        const countConditions = [...(parentAlias ? [`${counted}.customer_id = ${this.col(parentAlias, 'id')}`] : []), ...filters.map((f) => f(counted))];
        const countWhere = countConditions.length ? `WHERE ${countConditions.join(' AND ')}` : '';
        const visible = this.visible(spec.table, counted);
        const where = countWhere ? `${countWhere}${visible}` : visible ? `WHERE TRUE${visible}` : '';
        parts.push(`${literal(key)}, (SELECT count(*)::int FROM ${spec.table} ${counted} ${where})`);
      } else if (name === 'pageInfo') {
        needsRows = true;
        const pageInfoType = getNamedType(connectionType.getFields().pageInfo.type) as GraphQLObjectType;
        const infoParts: string[] = [];
        const infoChildren: [string, Walk][] = [];
        for (const [infoKey, infoNodes] of collectSubfields(this.input.schema, this.input.fragments, this.input.variables, pageInfoType, subNodes)) {
          const infoName = infoNodes[0].name.value;
          if (infoName === '__typename') infoParts.push(`${literal(infoKey)}, ${literal(pageInfoType.name)}`);
          else if (infoName === 'hasNextPage') infoParts.push(`${literal(infoKey)}, count(*) > ${size}`);
          else if (infoName === 'hasPreviousPage') infoParts.push(`${literal(infoKey)}, ${after ? 'true' : 'false'}`);
          else if (infoName === 'startCursor' || infoName === 'endCursor') {
            const pick = infoName === 'startCursor' ? 'ASC' : 'DESC';
            infoParts.push(`${literal(infoKey)}, (array_agg(${literal(`${list.list}:`)} || ${this.col(alias, 'id')} ORDER BY ${alias}."n$" ${pick}) FILTER (WHERE ${alias}."n$" <= ${size}))[1]`);
            infoChildren.push([infoKey, { kind: 'cursor', list: list.list }]);
          } else unsupported(`PageInfo.${infoName}`);
        }
        parts.push(`${literal(key)}, json_build_object(${infoParts.join(', ')})`);
        if (infoChildren.length) children.push([key, { kind: 'object', children: infoChildren, sites: [] }]);
      } else if (name === 'edges') {
        needsRows = true;
        const edgeType = getNamedType(connectionType.getFields().edges.type) as GraphQLObjectType;
        const edgeParts: string[] = [];
        const edgeChildren: [string, Walk][] = [];
        for (const [edgeKey, edgeNodes] of collectSubfields(this.input.schema, this.input.fragments, this.input.variables, edgeType, subNodes)) {
          const edgeName = edgeNodes[0].name.value;
          if (edgeName === '__typename') edgeParts.push(`${literal(edgeKey)}, ${literal(edgeType.name)}`);
          else if (edgeName === 'cursor') {
            edgeParts.push(`${literal(edgeKey)}, ${literal(`${list.list}:`)} || ${this.col(alias, 'id')}`);
            edgeChildren.push([edgeKey, { kind: 'cursor', list: list.list }]);
          } else if (edgeName === 'node') {
            const node = this.record(list.typeName, `${path}.${key}.${edgeKey}`, alias, edgeNodes, edgeType.getFields().node);
            edgeParts.push(`${literal(edgeKey)}, ${node.sql}`);
            if (node.walk) edgeChildren.push([edgeKey, node.walk]);
          } else unsupported(`${edgeType.name}.${edgeName}`);
        }
        parts.push(`${literal(key)}, COALESCE(json_agg(json_build_object(${edgeParts.join(', ')}) ORDER BY ${alias}."n$") FILTER (WHERE ${alias}."n$" <= ${size}), '[]'::json)`);
        if (edgeChildren.length) children.push([key, { kind: 'list', of: { kind: 'object', children: edgeChildren, sites: [] } }]);
      } else unsupported(`${connectionType.name}.${name}`);
    }
    if (after) {
      // src/loaders/paging.ts: an empty page after a cursor whose record is gone is an error there. The last key: the walk deletes it.
      parts.push(`'${CURSOR_GUARD}', NOT EXISTS (SELECT 1 FROM ${spec.table} cur WHERE cur.id = ${after}::uuid${this.visible(spec.table, 'cur')})`);
      children.push([CURSOR_GUARD, { kind: 'cursor-guard' }]);
    }
    const walk: Walk | null = children.length ? { kind: 'object', children, sites: [] } : null;
    const object = `json_build_object(${parts.join(', ')})`;
    if (!needsRows) return { sql: `(SELECT ${object})`, walk };
    const conditions = [...(parentAlias ? [`${alias}.customer_id = ${this.col(parentAlias, 'id')}`] : []), ...filters.map((f) => f(alias))];
    if (after) {
      // src/db/sql.ts afterCondition: the sort value looked up from the cursor's row.
      conditions.push(`(${alias}.${listOrder.column}, ${alias}.id) ${listOrder.direction === 'DESC' ? '<' : '>'} (SELECT cur.${listOrder.column}, cur.id FROM ${spec.table} cur WHERE cur.id = ${after}::uuid${this.visible(spec.table, 'cur')})`);
    }
    const visible = this.visible(spec.table, alias);
    if (visible) conditions.push(visible.slice(' AND '.length));
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const page = `SELECT ${this.selectList(spec, alias, [`row_number() OVER (ORDER BY ${order}) AS "n$"`])}
      FROM ${spec.table} ${alias} ${where} ORDER BY ${order} LIMIT ${size + 1}`;
    return { sql: `(SELECT ${object} FROM (${page}) ${alias})`, walk };
  }

  /** A Customer, Contact or Transaction object of row `alias` (its page's or lookup's columns plus `h$`). */
  record(typeName: string, path: string, alias: string, nodes: readonly FieldNode[], parentField: GraphQLField<unknown, unknown>): { sql: string; walk: Walk | null } {
    const type = this.input.schema.getType(typeName) as GraphQLObjectType;
    if (getNamedType(parentField.type) !== type) unsupported(`not a ${typeName}`);
    const spec = RECORDS[typeName] ?? unsupported(typeName);
    const sealed = SEALED_TABLES[spec.table];
    const role = this.input.plan.role;
    const parts: string[] = [];
    const children: [string, Walk][] = [];
    const sites: SensitiveSite[] = [];
    const alternatives: string[] = [];
    for (const [key, fieldNodes] of collectSubfields(this.input.schema, this.input.fragments, this.input.variables, type, nodes)) {
      const name = fieldNodes[0].name.value;
      const fieldPath = `${path}.${key}`;
      if (name === '__typename') {
        parts.push(`${literal(key)}, ${literal(typeName)}`);
        continue;
      }
      const field = type.getFields()[name];
      if (!field) unsupported(`${typeName}.${name}`);
      const coordinate = `${typeName}.${name}`;
      const list = LISTS[coordinate];
      if (list) {
        const rule = ruleFor(role, typeName, name);
        if (!('kind' in rule) || rule.kind !== 'CLEAR') unsupported(`${coordinate} not clear`);
        const built = this.connection(list, fieldPath, field, fieldNodes, alias);
        parts.push(`${literal(key)}, ${built.sql}`);
        if (built.walk) children.push([key, built.walk]);
        continue;
      }
      if (coordinate === 'Complaint.timeline') {
        // A plain list (src/loaders/index.ts complaintTimeline): every event of the complaint, in the workflow's order.
        const rule = ruleFor(role, typeName, name);
        if (!('kind' in rule) || rule.kind !== 'CLEAR') unsupported(`${coordinate} not clear`);
        const eventAlias = this.alias();
        const built = this.record('ComplaintEvent', fieldPath, eventAlias, fieldNodes, field);
        const page = `SELECT ${this.selectList(RECORDS.ComplaintEvent, eventAlias, [`row_number() OVER (ORDER BY ${TIMELINE_ORDER(eventAlias)}) AS "n$"`])}
          FROM complaint_events ${eventAlias} WHERE ${eventAlias}.complaint_id = ${this.col(alias, 'id')}`;
        parts.push(`${literal(key)}, (SELECT COALESCE(json_agg(${built.sql} ORDER BY ${eventAlias}."n$"), '[]'::json) FROM (${page}) ${eventAlias})`);
        if (built.walk) children.push([key, { kind: 'list', of: built.walk }]);
        continue;
      }
      const related = RELATED[coordinate];
      if (related) {
        const rule = ruleFor(role, typeName, name);
        if (!('kind' in rule) || rule.kind !== 'CLEAR') unsupported(`${coordinate} not clear`);
        const relatedAlias = this.alias();
        const relatedSpec = RECORDS[related.typeName];
        const built = this.record(related.typeName, fieldPath, relatedAlias, fieldNodes, field);
        parts.push(`${literal(key)}, (SELECT ${built.sql} FROM (SELECT ${this.selectList(relatedSpec, relatedAlias)} FROM ${relatedSpec.table} ${relatedAlias} WHERE ${relatedAlias}.id = ${this.col(alias, related.column)}${this.visible(relatedSpec.table, relatedAlias)}) ${relatedAlias})`);
        if (built.walk) children.push([key, built.walk]);
        continue;
      }
      const cls = classify(typeName, name);
      if (!cls) unsupported(`${coordinate} unclassified`);
      if (!isSensitive(cls)) {
        const rule = ruleFor(role, typeName, name);
        if (!('kind' in rule) || rule.kind !== 'CLEAR') unsupported(`${coordinate} not clear`);
        if (coordinate === 'Complaint.overdue') {
          this.col(alias, 'closed_at');
          this.col(alias, 'due_at');
          parts.push(`${literal(key)}, ${overdueSql(alias)}`);
          continue;
        }
        parts.push(`${literal(key)}, ${this.plainValue(spec, alias, field, coordinate)}`);
        // permissions/engine/shown-id.ts: the id a role with pseudonymous ids is shown is keyed per caller and purpose.
        if (name === 'id' && ROLE_POLICIES[role].pseudonymousIds && (PSEUDONYMOUS_TYPES as readonly string[]).includes(typeName)) children.push([key, { kind: 'pseudonym', type: typeName }]);
        continue;
      }
      const planned = this.input.plan.fields.get(fieldPath);
      if (!planned || planned.coordinate !== coordinate) unsupported(`${fieldPath} not planned`);
      const sealedField = sealed?.fields.find((f) => f.property === name);
      const leafOf = (outcome: Outcome) => this.leaf(outcome, { spec, alias, field, fieldNodes, coordinate, cls: cls!, sealedField });
      const site: SensitiveSite = { key, path: fieldPath, field: coordinate, rule: { fixed: { outcome: { decision: { kind: 'REMOVE' }, reason: 'NOT_PLANNED' }, nullAfterCount: false } }, perRecord: false };
      if ('fixed' in planned!.rule) {
        const { expression, form } = leafOf(planned!.rule.fixed);
        site.rule = { fixed: form };
        parts.push(`${literal(key)}, ${expression === 'NULL' ? 'NULL' : `CASE WHEN ${alias}."h$" IS NULL THEN ${expression} END`}`);
      } else {
        // Decided per record: the relations are columns of the row's page, the value a CASE on them.
        const build = (rule: PlannedRule): { sql: string; rule: SiteRule } => {
          if ('fixed' in rule) {
            const { expression, form } = leafOf(rule.fixed);
            return { sql: expression === 'NULL' ? 'NULL::json' : `to_json(${expression})`, rule: { fixed: form } };
          }
          const then = build(rule.then);
          const otherwise = build(rule.otherwise);
          const condition = rule.relations.map((relation) => `${alias}."${this.relation(alias, spec, relation)}"`).join(' AND ');
          return { sql: `CASE WHEN ${condition} THEN ${then.sql} ELSE ${otherwise.sql} END`, rule: { relations: rule.relations, then: then.rule, otherwise: otherwise.rule } };
        };
        const built = build(planned!.rule);
        site.rule = built.rule;
        site.perRecord = true;
        parts.push(`${literal(key)}, CASE WHEN ${alias}."h$" IS NULL THEN ${built.sql} END`);
      }
      // A clear identifying value may be narrowed by the day's breadth (permissions/engine/enforcement.ts
      // withinBreadth): its default masked form rides along in the row's marker.
      if (clearLeaves(site.rule).some((form) => form.outcome.decision.kind === 'CLEAR') && cls!.identifying) {
        const narrowed: Outcome = { decision: cls!.mask ? { kind: 'MASK', strategy: cls!.mask } : { kind: 'REMOVE' }, reason: 'BREADTH_TODAY' };
        const { expression } = this.leafExpression(narrowed, { spec, alias, field, fieldNodes, coordinate, cls: cls!, sealedField, forBreadth: true });
        alternatives.push(expression === 'NULL' ? 'NULL' : `CASE WHEN ${alias}."h$" IS NULL THEN ${expression} END`);
        site.breadth = { narrowed, alternative: MARKER_ALTERNATIVES + alternatives.length - 1, nullAfterCount: narrowed.decision.kind === 'MASK' && TYPE_CHANGING_MASKS.has(narrowed.decision.strategy) };
      }
      sites.push(site);
    }
    if (sites.length) {
      this.held.add(alias);
      // The customer only where a value can be counted for them; else the hold status alone. Rows with values
      // to decrypt or decided per record: their data key's reference, their id, the relations, the narrowed forms.
      const counted = sites.some((site) => leaves(site.rule).some((form) => form.outcome.decision.kind !== 'REMOVE'));
      const long = sites.some((site) => site.perRecord || site.breadth || leaves(site.rule).some((form) => form.sealed));
      const decrypts = sites.some((site) => leaves(site.rule).some((form) => form.sealed));
      const relations = this.relations.get(alias);
      const keyCustomer = spec.customerVia ? spec.customerVia((column) => this.col(alias, column)) : this.col(alias, spec.customerColumn);
      const customer = spec.countsCustomer === false ? 'NULL' : keyCustomer;
      const marker = long
        ? `json_build_array(${customer}, ${alias}."h$", ${decrypts ? keyReferenceSql(keyCustomer) : 'NULL'}, ${this.col(alias, 'id')}, ${
            relations?.has('OWN_CUSTOMER') ? `${alias}."o$"` : 'NULL'}, ${relations?.has('OPEN_COMPLAINT_ASSIGNED') ? `${alias}."a$"` : 'NULL'}, ${
            relations?.has('ASSIGNED_COMPLAINT') ? `${alias}."c$"` : 'NULL'}${alternatives.map((a) => `, ${a}`).join('')})`
        : counted
          ? `json_build_array(${customer}, ${alias}."h$")`
          : `${alias}."h$"`;
      parts.push(`'$', ${marker}`);
    }
    const walk: Walk | null = sites.length || children.length ? { kind: 'object', children, sites } : null;
    return { sql: `json_build_object(${parts.join(', ')})`, walk };
  }

  /** A scalar or enum column served as the resolver path serialises it. */
  plainValue(spec: RecordSpec, alias: string, field: GraphQLField<unknown, unknown>, coordinate: string): string {
    const name = field.name;
    const column = this.col(alias, plainColumn(spec.entity, name) ?? unsupported(`${coordinate} is no column`));
    const type = getNamedType(field.type);
    if (isListType(getNullableType(field.type))) {
      // A text[] of names (StaffMember.designations): the JSON array as stored.
      if (!isEnumType(type) || type.getValues().some((v) => v.value !== v.name)) unsupported(`${coordinate} list`);
      return `to_json(${column})`;
    }
    if (isEnumType(type)) {
      // The stored text is the enum's internal value; served as its name (StaffRole: 'sales' → SALES).
      const values = type.getValues();
      if (values.every((v) => v.value === v.name)) return column;
      return `CASE ${column} ${values.map((v) => `WHEN ${literal(String(v.value))} THEN ${literal(v.name)}`).join(' ')} END`;
    }
    if (!isScalarType(type)) unsupported(`${coordinate} not a scalar`);
    switch (type.name) {
      case 'ID':
        return `${column}::text`;
      case 'String':
      case 'Int':
      case 'Boolean':
        return column;
      case 'Decimal':
      case 'Date':
        return `${column}::text`;
      case 'DateTimeISO':
        // A JS Date's toISOString: UTC, milliseconds truncated (as pg's parser keeps them).
        return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
      default:
        return unsupported(`${type.name} scalar`);
    }
  }

  /** birthYear (an Int) or a MoneyRange object, from the stored masked form of its source. */
  generalised(coordinate: string, alias: string, nodes: readonly FieldNode[], field: GraphQLField<unknown, unknown>): string {
    const spec = GENERALISED[coordinate] ?? unsupported(`${coordinate} generalisation`);
    const masked = this.col(alias, `${spec.source}_masked`);
    if (spec.kind === 'year') return `CASE WHEN ${masked} ~ '^[0-9]{4}-\\*\\*-\\*\\*$' THEN substr(${masked}, 1, 4)::int END`;
    const rangeType = getNamedType(field.type);
    if (!isObjectType(rangeType)) return unsupported(`${coordinate} type`);
    const parts: string[] = [];
    for (const [key, subNodes] of collectSubfields(this.input.schema, this.input.fragments, this.input.variables, rangeType, nodes)) {
      const name = subNodes[0].name.value;
      if (name === '__typename') parts.push(`${literal(key)}, ${literal(rangeType.name)}`);
      else if (name === 'min') parts.push(`${literal(key)}, m$[1]`);
      else if (name === 'max') parts.push(`${literal(key)}, m$[2]`);
      else unsupported(`${rangeType.name}.${name}`);
    }
    return `(SELECT CASE WHEN m$ IS NOT NULL THEN json_build_object(${parts.join(', ')}) END FROM (SELECT regexp_match(${masked}, '^([0-9]+)(?:-([0-9]+)|\\+)$') AS m$) g$)`;
  }
}

export function compileRead(input: CompileInput): CompileOutcome {
  const { plan } = input;
  const policy = ROLE_POLICIES[plan.role];
  if (policy.scoped && !input.visibility) return { unsupported: 'a scoped role without its visibility' };
  if (plan.probes.length) return { unsupported: 'probes' };
  try {
    const builder = new Builder(input);
    const { sql, walk } = builder.root();
    const text = `SELECT ${sql}::text AS data`;
    return { read: { name: '', callerParam: builder.callerParam, text, values: builder.values, walk } };
  } catch (error) {
    if (error instanceof Unsupported) return { unsupported: error.message };
    throw error;
  }
}

