/**
 * The read compiler against the reference: generated read operations inside (and around) the
 * compiler's subset — aliases, named and inline fragments, @include/@skip with variables, nested
 * pages of different sizes, cursors, page info and counts — run by all seven roles (in their variants of purpose, relation and scopes)
 * through the compiled path and through the resolver path (type-graphql + graphql-jit + shield +
 * masking) against the same database, with restricted and erased customers among the rows. The
 * `data`, the errors, `extensions.privacy` and the access record (tallies, customers seen clear /
 * masked, values clear / masked — what the budget release reads too) must be identical.
 * A difference is a failure. COMPILER_RUNS sets the generated reads (default 5,000, each run by all seven roles); COMPILER_SEED replays.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { selectList } from '../../src/audit/chain';
import { decodeCursor, encodeCursor } from '../../src/paging/cursor';
import { withoutDayTotals } from '../harness/privacy';
import { startTestServer, type TestServer } from '../harness/server';
import type { Role } from '../../src/auth/principal';
import { OPEN_COMPLAINT_STATUSES } from '../../permissions/relationship-grants';
import { SCOPES } from '../../permissions/scopes';

const RUNS = Number(process.env.COMPILER_RUNS ?? 5000);
const SEED = process.env.COMPILER_SEED ? Number(process.env.COMPILER_SEED) : undefined;

const CUSTOMER_FIELDS = [
  'id', 'kind', 'archiveNumber', 'name', 'idNumber', 'birthDate', 'birthYear', 'gender', 'phone', 'email', 'address', 'employer',
  'annualIncome', 'totalAssets', 'bankCardNumber', 'creditCode', 'legalRepresentative', 'businessScope', 'industry', 'tier',
  'creditRating', 'status', 'restrictedUntil', 'createdAt', 'updatedAt', '__typename',
  'annualIncomeRange { min max }', 'totalAssetsRange { __typename max }',
  'relationshipManager { id username displayName role branch active tokensValidAfter statusReason designations __typename }',
];
const COMPLAINT_FIELDS = [
  'id', 'channel', 'category', 'description', 'urgency', 'severity', 'status', 'receivedAt', 'dueAt', 'resolvedAt', 'closedAt', 'assignedAt',
  'resolution', 'delayReason', 'satisfaction', 'overdue', '__typename', 'customer { id name phone status __typename }', 'assignee { id username role }',
  'timeline { id occurredAt status note __typename }',
  // The complaint workflow's record (docs/complaints.md).
  'number', 'customerRequest', 'replyChannel', 'acknowledgedAt', 'interimDueAt', 'firstProgressAt', 'handlingMeasures', 'handlingDeadline',
  'investigationCause', 'investigationCourse', 'investigationResponsibility', 'investigationConclusion', 'investigationCountermeasures',
  'satisfactionComment', 'delayExplainedAt', 'escalatedAt', 'reopenCount', 'branch', 'handlingOwner { id username displayName role active }',
];
const CONTACT_FIELDS = ['id', 'name', 'position', 'phone', 'email', 'createdAt', '__typename'];
const TRANSACTION_FIELDS = [
  'id', 'occurredAt', 'amount', 'currency', 'direction', 'channel', 'product', 'description', 'accountNumber', 'counterpartyName',
  'counterpartyAccount', 'status', '__typename',
  'customer { id name phone birthYear status annualIncomeRange { min } __typename }',
];

interface Caller { role: Role; purpose?: string; scopes?: string[]; sub?: 'RM' | 'ASSIGNEE' }

/**
 * Every generated read runs as all seven roles, each in one of its variants (drawn per read):
 * purposes (legal_hold: restricted customers' fields by the role's own rule), decisions per
 * record (a rep who manages some of the customers; a complaint handler with open complaints
 * assigned) and partners (consenting customers only, some consents limited to field groups; the
 * fields their scopes open).
 */
const CALLERS: Record<Role, Caller[]> = {
  admin: [{ role: 'admin' }],
  manager: [{ role: 'manager' }, { role: 'manager', purpose: 'legal_hold' }],
  auditor: [{ role: 'auditor' }, { role: 'auditor', purpose: 'legal_hold' }],
  sales: [{ role: 'sales' }, { role: 'sales', sub: 'RM' }],
  service: [{ role: 'service' }, { role: 'service', sub: 'ASSIGNEE' }, { role: 'service', sub: 'ASSIGNEE', purpose: 'identity_verification' }],
  analyst: [{ role: 'analyst' }],
  partner: [
    { role: 'partner', scopes: ['customers:read', 'customers.contact:read', 'customers.identity:read-masked', 'transactions:read', 'complaints:read'] },
    { role: 'partner', scopes: ['customers:read', 'transactions:read'] },
  ],
};
const ROLES = Object.keys(CALLERS) as Role[];

function labelOf(caller: Caller, variant: number): string {
  return `${caller.role}#${variant}${caller.sub ? `(${caller.sub})` : ''}${caller.purpose ? `[${caller.purpose}]` : ''}`;
}

interface Doc {
  variables: Map<string, { type: string; value: unknown }>;
  fragments: string[];
  n: number;
}

type Gen<T> = fc.Arbitrary<T>;

/** The index after the parenthesis closing the one at `open`. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth += 1;
    if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return text.length;
}

/** A selection item wrapped as the generator likes: plain, aliased, under a directive, in an inline or named fragment. */
function wrap(doc: Doc, typeName: string, text: string, how: How): string {
  let item = text;
  if (how.alias) item = `a${doc.n++}: ${item}`;
  if (how.directive > 0) {
    const name = `v${doc.n++}`;
    const value = how.directive % 2 === 0;
    doc.variables.set(name, { type: 'Boolean!', value });
    const directive = `${how.directive > 2 ? '@skip' : '@include'}(if: $${name})`;
    // Directives go before a selection set: `contacts(first: 2) @include(if: $v) { … }`.
    const open = item.indexOf('(');
    const brace = open >= 0 && open < item.indexOf('{') ? item.indexOf('{', closingParen(item, open)) : item.indexOf('{');
    item = brace < 0 ? `${item} ${directive}` : `${item.slice(0, brace)}${directive} ${item.slice(brace)}`;
  }
  if (how.fragment === 1) return `... on ${typeName} { ${item} }`;
  if (how.fragment === 2) {
    const name = `F${doc.n++}`;
    doc.fragments.push(`fragment ${name} on ${typeName} { ${item} }`);
    return `...${name}`;
  }
  return item;
}

const howArb = fc.record({ alias: fc.boolean(), directive: fc.nat(4).map((d) => (d === 0 ? 0 : d)), fragment: fc.nat(5).map((f) => (f > 2 ? 0 : f)) });

function firstArg(doc: Doc, first: number | null, asVariable: boolean, extra = ''): string {
  const args: string[] = extra ? [extra] : [];
  if (first !== null && !asVariable) args.push(`first: ${first}`);
  if (first !== null && asVariable) {
    const name = `f${doc.n++}`;
    doc.variables.set(name, { type: 'Int', value: first });
    args.push(`first: $${name}`);
  }
  return args.length ? `(${args.join(', ')})` : '';
}

const fieldsArb = (names: string[]) => fc.array(fc.record({ text: fc.constantFrom(...names), how: howArb }), { minLength: 1, maxLength: 8 });

const connectionPartsArb = fc.record({
  totalCount: fc.boolean(),
  pageInfo: fc.subarray(['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor', '__typename'], { minLength: 0 }),
  cursor: fc.boolean(),
  edgesTwice: fc.boolean(),
  first: fc.option(fc.nat(8), { nil: null }),
  firstAsVariable: fc.boolean(),
});

interface How { alias: boolean; directive: number; fragment: number }
interface Parts { totalCount: boolean; pageInfo: string[]; cursor: boolean; edgesTwice: boolean; first: number | null; firstAsVariable: boolean }
type Fields = { text: string; how: How }[];

function connection(doc: Doc, field: string, parts: Parts, node: string, extra = ''): string {
  const inner: string[] = [];
  if (parts.totalCount) inner.push('totalCount');
  if (parts.pageInfo.length) inner.push(`pageInfo { ${parts.pageInfo.join(' ')} }`);
  inner.push(`edges { ${parts.cursor ? 'cursor ' : ''}node { ${node} } }`);
  if (parts.edgesTwice) inner.push(`e2: edges { node { __typename } }`);
  return `${field}${firstArg(doc, parts.first, parts.firstAsVariable, extra)} { ${inner.join(' ')} }`;
}

/** A nested page: its parts, node fields, how it is selected and which cursor it starts after (an index into the pools). */
interface Nested { parts: Parts; fields: Fields; how: How; after: number | null }

interface Spec {
  /** The variant of each role's caller (an index into CALLERS[role], taken modulo its length). */
  variants: Record<Role, number>;
  roots: {
    kind: 'customers' | 'customer' | 'transactions' | 'transaction' | 'complaints' | 'complaint';
    complaintFields: Fields;
    complaints: null | Nested;
    complaintFilter: string[];
    alias: boolean;
    first: number | null;
    firstAsVariable: boolean;
    customer: number;
    parts: Parts;
    customerFields: Fields;
    contacts: null | Nested;
    transactions: null | Nested;
    transactionFields: Fields;
    /** GraphQL literals of the root list's filter, orderBy and after (indices into the pools below). */
    customerFilter: string[];
    transactionFilter: string[];
    nestedFilter: string[];
    orderBy: string | null;
    after: number | null;
  }[];
}

/** Pieces of filters (literal input syntax); `customerId`/`relationshipManagerId` are filled in from the data. */
const CUSTOMER_FILTERS = ['kind: INDIVIDUAL', 'kind: CORPORATE', 'tier: KEY', 'status: ACTIVE', 'status: RESTRICTED', 'createdFrom: "2026-06-01T00:00:00Z"', 'createdTo: "2026-09-01T00:00:00.000Z"', 'archiveNumber: ""', 'relationshipManagerId: "$RM"', 'relationshipManagerId: "not-an-id"'];
const TRANSACTION_FILTERS = ['direction: DEBIT', 'channel: POS', 'channel: ONLINE', 'minAmount: "100.00"', 'maxAmount: "5000"', 'occurredFrom: "2026-08-01T00:00:00Z"', 'occurredTo: "2026-10-15T12:00:00Z"', 'customerId: "$CUSTOMER"'];
const COMPLAINT_FILTERS = ['status: RECEIVED', 'status: ASSIGNED', 'status: INVESTIGATING', 'overdue: true', 'overdue: false', 'assigneeId: "$ASSIGNEE"', 'customerId: "$CUSTOMER"'];
const ORDERS = ['{ field: CREATED_AT, direction: ASC }', '{ field: UPDATED_AT }', '{ field: ARCHIVE_NUMBER, direction: DESC }', '{ direction: ASC }'];

const nestedArb = (names: string[]) =>
  fc.option(fc.record({ parts: connectionPartsArb, fields: fieldsArb(names), how: howArb, after: fc.option(fc.nat(40), { nil: null }) }), { nil: null });

const specArb: Gen<Spec> = fc.record({
  variants: fc.record(Object.fromEntries(ROLES.map((role) => [role, fc.nat(CALLERS[role].length - 1)])) as Record<Role, Gen<number>>),
  roots: fc.array(
    fc.record({
      kind: fc.constantFrom('customers' as const, 'customer' as const, 'transactions' as const, 'transaction' as const, 'complaints' as const, 'complaint' as const),
      complaintFields: fieldsArb(COMPLAINT_FIELDS),
      complaints: nestedArb(COMPLAINT_FIELDS),
      complaintFilter: fc.subarray(COMPLAINT_FILTERS, { maxLength: 2 }),
      alias: fc.boolean(),
      first: fc.option(fc.oneof(fc.nat(12), fc.integer({ min: 21, max: 40 })), { nil: null }),
      firstAsVariable: fc.boolean(),
      customer: fc.nat(30),
      parts: connectionPartsArb,
      customerFields: fieldsArb(CUSTOMER_FIELDS),
      contacts: nestedArb(CONTACT_FIELDS),
      transactions: nestedArb(TRANSACTION_FIELDS),
      transactionFields: fieldsArb(TRANSACTION_FIELDS),
      customerFilter: fc.subarray(CUSTOMER_FILTERS, { maxLength: 3 }),
      transactionFilter: fc.subarray(TRANSACTION_FILTERS, { maxLength: 3 }),
      nestedFilter: fc.subarray(TRANSACTION_FILTERS.slice(0, 7), { maxLength: 2 }),
      orderBy: fc.option(fc.constantFrom(...ORDERS), { nil: null }),
      after: fc.option(fc.nat(40), { nil: null }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

interface Pools {
  assigneeId: string;
  complaintIds: string[];
  customerIds: string[];
  transactionIds: string[];
  /** Contacts of the customers above (nested pages start after them). */
  contactIds: string[];
  managerId: string;
}

/** Extra arguments of a list: filter, orderBy, after (a cursor of a row, of a deleted row, or not a cursor). */
function listArgs(filter: string[], pools: Pools, customerId: string, orderBy: string | null, after: number | null, list: 'customers' | 'transactions' | 'contacts' | 'complaints' | null): string {
  const parts: string[] = [];
  if (filter.length) parts.push(`filter: { ${filter.map((f) => f.replace('$RM', pools.managerId).replace('$CUSTOMER', customerId).replace('$ASSIGNEE', pools.assigneeId)).join(', ')} }`);
  if (orderBy && list === 'customers') parts.push(`orderBy: ${orderBy}`);
  if (after !== null && list) {
    const ids = { customers: pools.customerIds, transactions: pools.transactionIds, contacts: pools.contactIds, complaints: pools.complaintIds }[list];
    const cursor = after === 40 ? 'bm90LWEtY3Vyc29y' : encodeCursor(list, after === 39 ? '00000000-0000-4000-8000-000000000001' : ids[after % ids.length]);
    parts.push(`after: "${cursor}"`);
  }
  return parts.join(', ');
}

/**
 * Partners: only the roots and fields their token's scopes open (permissions/scopes.ts), a
 * nested record's fields likewise, and few aliases and directives (their limits are 10 each).
 */
function forPartner(spec: Spec, scopes: readonly string[]): Spec {
  const opens = (type: string, field: string) => field === '__typename' || scopes.some((scope) => SCOPES[scope].fields[type]?.includes(field));
  const rootOpen = (root: string) => scopes.some((scope) => SCOPES[scope].operations.includes(`Query.${root}`));
  /** `customer { id name … }` keeps the subfields its type opens (nothing deeper); other objects go. */
  const text = (type: string, field: string): string | null => {
    const brace = field.indexOf(' {');
    if (brace < 0) return opens(type, field) ? field : null;
    const name = field.slice(0, brace);
    const target = { customer: 'Customer', timeline: 'ComplaintEvent' }[name];
    if (!target || !opens(type, name)) return null;
    const inner = field.slice(brace + 2, field.lastIndexOf('}')).trim().split(/\s+/).filter((f) => /^[_a-zA-Z]+$/.test(f) && opens(target, f));
    return `${name} { ${inner.length ? inner.join(' ') : '__typename'} }`;
  };
  const fields = (type: string, list: Fields) => {
    const kept = list.flatMap((f) => {
      const t = text(type, f.text);
      return t ? [{ text: t, how: { alias: false, directive: 0, fragment: f.how.fragment } }] : [];
    });
    return kept.length ? kept : [{ text: 'id', how: { alias: false, directive: 0, fragment: 0 } }];
  };
  const nested = (field: string, page: Nested | null, type: string): Nested | null =>
    page && opens('Customer', field) ? { ...page, fields: fields(type, page.fields), how: { ...page.how, directive: 0 } } : null;
  return {
    ...spec,
    roots: spec.roots.slice(0, 2).map((root) => {
      // A root the scopes do not open becomes the customer root of the same shape (every partner has customers:read).
      const kind = rootOpen(root.kind) ? root.kind : root.kind.endsWith('s') ? 'customers' : 'customer';
      return {
        ...root,
        kind,
        customerFields: fields('Customer', root.customerFields),
        transactionFields: fields('Transaction', root.transactionFields),
        complaintFields: fields('Complaint', root.complaintFields),
        complaints: nested('complaints', root.complaints, 'Complaint'),
        contacts: nested('contacts', root.contacts, 'Contact'),
        transactions: nested('transactions', root.transactions, 'Transaction'),
        customerFilter: root.customerFilter.filter((f) => !f.startsWith('relationshipManagerId') && !f.startsWith('archiveNumber')),
        complaintFilter: root.complaintFilter.filter((f) => !f.startsWith('assigneeId')),
        orderBy: root.orderBy && !root.orderBy.includes('ARCHIVE') ? root.orderBy : null,
      };
    }),
  };
}

function build(original: Spec, pools: Pools, role: Role, scopes?: readonly string[]): { query: string; variables: Record<string, unknown> } {
  const spec = role === 'partner' ? forPartner(original, scopes ?? []) : original;
  const { customerIds } = pools;
  const doc: Doc = { variables: new Map(), fragments: [], n: 0 };
  const items = (typeName: string, fields: Fields) => fields.map((f) => wrap(doc, typeName, f.text, f.how)).join(' ');
  const roots = spec.roots.map((root, i) => {
    const key = root.alias ? `r${i}: ` : '';
    if (root.kind === 'complaint') {
      const id = root.customer === 30 ? '00000000-0000-4000-8000-000000000000' : pools.complaintIds[root.customer % pools.complaintIds.length];
      return `${key}complaint(id: "${id}") { ${items('Complaint', root.complaintFields)} }`;
    }
    if (root.kind === 'complaints') {
      const extra = listArgs(root.complaintFilter, pools, customerIds[root.customer % customerIds.length], null, root.after, 'complaints');
      return `${key}${connection(doc, 'complaints', { ...root.parts, first: root.first, firstAsVariable: root.firstAsVariable }, items('Complaint', root.complaintFields), extra)}`;
    }
    if (root.kind === 'transaction') {
      const id = root.customer === 30 ? '00000000-0000-4000-8000-000000000000' : pools.transactionIds[root.customer % pools.transactionIds.length];
      return `${key}transaction(id: "${id}") { ${items('Transaction', root.transactionFields)} }`;
    }
    if (root.kind === 'transactions') {
      const extra = listArgs(root.transactionFilter, pools, customerIds[root.customer % customerIds.length], null, root.after, 'transactions');
      return `${key}${connection(doc, 'transactions', { ...root.parts, first: root.first, firstAsVariable: root.firstAsVariable }, items('Transaction', root.transactionFields), extra)}`;
    }
    const nested: string[] = [items('Customer', root.customerFields)];
    if (root.contacts) {
      const extra = listArgs([], pools, customerIds[0], null, root.contacts.after, 'contacts');
      nested.push(wrap(doc, 'Customer', connection(doc, 'contacts', root.contacts.parts, items('Contact', root.contacts.fields), extra), root.contacts.how));
    }
    if (root.complaints) {
      const extra = listArgs(root.complaintFilter.filter((f) => !f.startsWith('customerId')), pools, customerIds[0], null, root.complaints.after, 'complaints');
      nested.push(wrap(doc, 'Customer', connection(doc, 'complaints', root.complaints.parts, items('Complaint', root.complaints.fields), extra), root.complaints.how));
    }
    if (root.transactions) {
      const extra = listArgs(root.nestedFilter, pools, customerIds[0], null, root.transactions.after, 'transactions');
      nested.push(wrap(doc, 'Customer', connection(doc, 'transactions', root.transactions.parts, items('Transaction', root.transactions.fields), extra), root.transactions.how));
    }
    if (root.kind === 'customer') {
      const id = root.customer === 30 ? '00000000-0000-4000-8000-000000000000' : customerIds[root.customer % customerIds.length];
      return `${key}customer(id: "${root.customer % 7 === 0 ? id.toUpperCase() : id}") { ${nested.join(' ')} }`;
    }
    const extra = listArgs(root.customerFilter, pools, customerIds[0], root.orderBy, root.after, 'customers');
    return `${key}${connection(doc, 'customers', { ...root.parts, first: root.first, firstAsVariable: root.firstAsVariable }, nested.join(' '), extra)}`;
  });
  // Aliases keep the same response key from meaning two fields: roots of one kind without alias are deduplicated by validation anyway.
  const definitions = [...doc.variables].map(([name, v]) => `$${name}: ${v.type}`);
  const query = `query Generated${definitions.length ? `(${definitions.join(', ')})` : ''} { ${roots.join(' ')} }\n${doc.fragments.join('\n')}`;
  return { query, variables: Object.fromEntries([...doc.variables].map(([name, v]) => [name, v.value])) };
}

/** Cursors are encrypted with a random IV: compared by the record they point at. */
function normalised(body: unknown): unknown {
  return JSON.parse(JSON.stringify(withoutDayTotals(body)), (key, value) => {
    if (typeof value !== 'string' || !['cursor', 'startCursor', 'endCursor'].includes(key)) return value;
    for (const list of ['customers', 'contacts', 'transactions', 'complaints']) {
      try {
        return `${list}:${decodeCursor(list, value)}`;
      } catch {
        // another list
      }
    }
    return `undecodable:${value}`;
  });
}

describe('Compiled reads equal the resolver path (differential property)', () => {
  let server: TestServer;
  let customerIds: string[];
  let pools: Pools;
  /** Per partner variant. */
  const partnerTokens = new Map<number, string>();

  beforeAll(async () => {
    server = await startTestServer();
    // Held customers among the first rows of every page (newest first) and among the ids looked up.
    const { rows } = await server.db.pool.query<{ id: string }>(`SELECT id::text FROM customers ORDER BY created_at DESC, id DESC LIMIT 30`);
    customerIds = rows.map((r) => r.id);
    await server.db.pool.query(`UPDATE customers SET status = 'RESTRICTED', restricted_until = now() + interval '3 years' WHERE id = ANY($1::uuid[])`, [[customerIds[1], customerIds[4], customerIds[9]]]);
    await server.db.pool.query(`UPDATE customers SET status = 'ERASED' WHERE id = ANY($1::uuid[])`, [[customerIds[2], customerIds[7]]]);
    const { rows: withTransactions } = await server.db.pool.query<{ id: string }>(
      `SELECT customer_id::text AS id FROM transactions GROUP BY customer_id ORDER BY max(occurred_at) DESC LIMIT 2`,
    );
    await server.db.pool.query(`UPDATE customers SET status = 'ERASED' WHERE id = $1`, [withTransactions[0].id]);
    await server.db.pool.query(`UPDATE customers SET status = 'RESTRICTED', restricted_until = now() + interval '3 years' WHERE id = $1`, [withTransactions[1].id]);
    customerIds.push(withTransactions[0].id, withTransactions[1].id);
    const { rows: transactions } = await server.db.pool.query<{ id: string }>(`SELECT id::text FROM transactions ORDER BY occurred_at DESC, id DESC LIMIT 40`);
    const { rows: [manager] } = await server.db.pool.query<{ id: string }>(`SELECT relationship_manager_id::text AS id FROM customers WHERE relationship_manager_id IS NOT NULL LIMIT 1`);
    // The rep manages some of the first customers (a restricted one among them); the handler's customers are looked up too.
    await server.db.pool.query(`UPDATE customers SET relationship_manager_id = $1 WHERE id = ANY($2::uuid[])`, [manager.id, [0, 3, 4, 6, 8, 13, 20].map((i) => customerIds[i])]);
    const { rows: [assigned] } = await server.db.pool.query<{ id: string; customers: string[] }>(
      `SELECT assignee_id::text AS id, array_agg(DISTINCT customer_id::text) AS customers FROM complaints
       WHERE assignee_id IS NOT NULL AND status = ANY($1::text[]) GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      [[...OPEN_COMPLAINT_STATUSES]],
    );
    customerIds.push(...assigned.customers.slice(0, 3));
    const { rows: complaints } = await server.db.pool.query<{ id: string }>(
      `(SELECT id::text FROM complaints WHERE assignee_id = $1 LIMIT 10) UNION ALL (SELECT id::text FROM complaints ORDER BY received_at DESC LIMIT 20)`,
      [assigned.id],
    );
    // Complaints of the held customers too.
    const { rows: heldComplaints } = await server.db.pool.query<{ id: string }>(
      `SELECT k.id::text FROM complaints k JOIN customers c ON c.id = k.customer_id WHERE c.status IN ('RESTRICTED', 'ERASED') LIMIT 5`,
    );
    const { rows: contacts } = await server.db.pool.query<{ id: string }>(
      `(SELECT id::text FROM contacts WHERE customer_id = ANY($1::uuid[]) ORDER BY created_at DESC, id DESC LIMIT 20) UNION ALL (SELECT id::text FROM contacts ORDER BY created_at DESC, id DESC LIMIT 20)`,
      [customerIds],
    );
    pools = { customerIds, transactionIds: transactions.map((t) => t.id), contactIds: contacts.map((c) => c.id), managerId: manager.id, assigneeId: assigned.id, complaintIds: [...complaints, ...heldComplaints].map((c) => c.id) };
    for (const [i, caller] of CALLERS.partner.entries()) {
      partnerTokens.set(i, await server.token({ role: 'partner', partner: 'diff-co', scopes: caller.scopes }));
    }
    // Consents of the partner: every other one of the first customers (held ones among them), some
    // limited to field groups, one expired; and the customers of the newest transactions.
    const consent = async (ids: string[], groups: string[] | null, expired = false) =>
      server.db.pool.query(
        `INSERT INTO consents (customer_id, partner_id, purpose, field_groups, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
         SELECT id, 'diff-co', 'partner_service', $2::text[], now() - interval '30 days', now() + ${expired ? "interval '-1 day'" : "interval '365 days'"}, 'SIGNED_FORM', 'CF-20261101-000001', 'test'
         FROM unnest($1::uuid[]) AS id`,
        [ids, groups],
      );
    await consent(customerIds.filter((_, i) => i % 2 === 0 && i < 24), null);
    await consent([customerIds[3], customerIds[5]], ['customers:read']);
    await consent([customerIds[11]], null, true);
    const { rows: transactionCustomers } = await server.db.pool.query<{ id: string }>(
      `SELECT DISTINCT customer_id::text AS id FROM (SELECT customer_id FROM transactions ORDER BY occurred_at DESC, id DESC LIMIT 30) t WHERE NOT (customer_id = ANY($1::uuid[]))`,
      [customerIds.filter((_, i) => i % 2 === 0 && i < 24).concat([customerIds[3], customerIds[5], customerIds[11]])],
    );
    await consent(transactionCustomers.filter((_, i) => i % 2 === 0).map((r) => r.id), null);
  });

  afterAll(() => server.stop());

  /** The access records of some requests, without what differs by design (request id, time, chain, duration). */
  async function accessRecords(requestIds: string[]) {
    const { rows } = await server.db.pool.query(`SELECT r.request_id AS "requestId", ${selectList('access')} FROM audit_access r WHERE r.request_id = ANY($1::text[])`, [requestIds]);
    const byRequest = new Map<string, unknown>();
    for (const row of rows) {
      const { requestId, fields, customersClear, customersMasked, clearValues, maskedValues, removedValues, outcome, errorCodes, principalRole, purpose, operationName } = row;
      expect(byRequest.has(requestId)).toBe(false);
      byRequest.set(requestId, { fields, customersClear, customersMasked, clearValues, maskedValues, removedValues, outcome, errorCodes: outcome === 'OK' ? errorCodes : [...errorCodes].sort(), principalRole, purpose, operationName });
    }
    return requestIds.map((id) => byRequest.get(id) ?? null);
  }

  /** One role's call: the same document, variables, token and purpose through either path. */
  function callOf(spec: Spec, role: Role) {
    const variant = spec.variants[role] % CALLERS[role].length;
    const caller = CALLERS[role][variant];
    const { query, variables } = build(spec, pools, role, caller.scopes);
    const token = role === 'partner' ? partnerTokens.get(variant) : undefined;
    const sub = caller.sub === 'RM' ? pools.managerId : caller.sub === 'ASSIGNEE' ? pools.assigneeId : undefined;
    const options = { ...(token ? { token } : { role, ...(sub ? { sub } : {}) }), variables, ...(caller.purpose ? { purpose: caller.purpose } : {}) };
    return { caller, query, options, label: labelOf(caller, variant) };
  }

  it(`${RUNS} generated reads × all seven roles: identical data, errors, extensions.privacy and privacy state`, async () => {
    let compiled = 0;
    let pairs = 0;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const calls = ROLES.map((role) => callOf(spec, role));
        // Budgets and rates are the server's, not the compiler's: each path starts with a fresh day. The seven
        // roles are seven principals (one variant each), so their requests run side by side without touching
        // each other's counters.
        const referenceIds = calls.map(() => randomUUID());
        const servedIds = calls.map(() => randomUUID());
        await server.resetCounters();
        const references = await Promise.all(calls.map((call, i) => server.execute(call.query, { ...call.options, compiledReads: false, requestId: referenceIds[i] })));
        await server.resetCounters();
        const served = await Promise.all(calls.map((call, i) => server.execute(call.query, { ...call.options, requestId: servedIds[i] })));
        const [referenceRecords, servedRecords] = await Promise.all([accessRecords(referenceIds), accessRecords(servedIds)]);
        calls.forEach((call, i) => {
          const reference = references[i];
          const answer = served[i];
          pairs += 1;
          if (answer.compiled) compiled += 1;
          const code = reference.body.errors?.[0]?.extensions?.code ?? 'OK';
          const outcome = `${call.label}:${answer.compiled ? 'compiled' : 'resolver'}:${code}`;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          if (code === 'GRAPHQL_PARSE_FAILED') throw new Error(`generated a bad document: ${call.query}`);
          expect(reference.compiled).toBe(false);
          if (!answer.compiled && reference.body.errors && answer.body.errors) {
            // Both answered by the resolver path: with several failing root fields, which error it reports first is its own
            // (execution-order) affair — the compiled path is not involved. The codes must agree.
            expect(new Set(answer.body.errors.map((e) => e.extensions?.code))).toEqual(new Set(reference.body.errors.map((e) => e.extensions?.code)));
            expect(normalised(answer.body.data ?? null)).toEqual(normalised(reference.body.data ?? null));
          } else {
            expect({ caller: call.label, body: normalised(answer.body) }).toEqual({ caller: call.label, body: normalised(reference.body) });
          }
          // What the access register recorded (and the budget release read): tallies, customers clear and masked, values.
          expect({ caller: call.label, record: servedRecords[i] }).toEqual({ caller: call.label, record: referenceRecords[i] });
          if (answer.compiled) expect(answer.statements).toBe(1);
          // Everything generated is inside the subset: a read the resolver path answers without error must have been
          // compiled — a compiled statement that failed (and fell back) is a bug too, not a pass.
          if (!reference.body.errors) expect({ caller: call.label, compiled: answer.compiled, query: call.query }).toEqual({ caller: call.label, compiled: true, query: call.query });
        });
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    process.stdout.write(`differential: ${RUNS} reads × ${ROLES.length} roles = ${pairs} pairs, ${compiled} compiled; ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}\n`);
    // Every role, every variant was exercised, and the subset is not empty: most generated reads are compiled.
    const exercised = new Set([...outcomes.keys()].map((o) => o.slice(0, o.indexOf(':'))));
    expect([...exercised].sort()).toEqual(ROLES.flatMap((role) => CALLERS[role].map(labelOf)).sort());
    expect(compiled).toBeGreaterThan(pairs / 4);
  }, 3_600_000);
});
