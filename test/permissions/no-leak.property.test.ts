/**
 * Property: whatever valid query a caller sends — any roots, fields, aliases, fragments,
 * directives and nesting the schema allows — no clear L2/L3 value of the seeded data appears
 * anywhere in the response (data, errors, extensions) unless the caller is entitled to read
 * that value clear.
 *
 * Queries are generated from the declared schema; callers are random roles with random subjects
 * (staff of the role, other staff, unknown uuids, non-uuid subjects) and a random purpose the
 * role's file allows. PROPERTY_RUNS sets the number of runs (default 2000); PROPERTY_SEED and
 * PROPERTY_PATH replay a failure fast-check reported (its seed and path).
 */
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isObjectType,
  parse,
  validate,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { ROLE_POLICIES } from '../../permissions/policy';
import { OPEN_COMPLAINT_STATUSES } from '../../permissions/relationship-grants';
import type { Purpose } from '../../permissions/vocabulary';
import { buildDeclaredSchema } from '../../schema';
import { ROLES, type Role } from '../../src/auth/principal';
import { AuthenticationError } from '../../src/auth/verifier';
import { startTestServer, type TestServer } from '../harness/server';
import { READ_OPERATIONS } from '../../permissions/defaults';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
const PATH = process.env.PROPERTY_PATH;

/** Relation hops below a root record: customers → transactions → customer → complaints. */
const MAX_DEPTH = 3;

// ---------------------------------------------------------------------------------------------
// Seeded data: every L2/L3 value, where it comes from, and who may read it clear.
// ---------------------------------------------------------------------------------------------

interface SeedData {
  /** Every L2/L3 value of the seed → the column and record it comes from. */
  forbidden: Map<string, string>;
  staff: { id: string; role: string }[];
  staffByRole: Map<string, string[]>;
  customers: CustomerRow[];
  contacts: { id: string; customer_id: string; phone: string | null; email: string | null }[];
  complaints: { id: string; customer_id: string; assignee_id: string | null; status: string; description: string }[];
  transactionIds: string[];
  transactionsByCustomer: Map<string, string[]>;
  /** Ids the generator aims at when it wants records near the caller (or records with identifiers in their text). */
  related: Map<string, { Customer: string[]; Transaction: string[]; Complaint: string[] }>;
  entitled: Map<string, Set<string>>;
}

interface CustomerRow {
  id: string;
  relationship_manager_id: string | null;
  id_number: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  bank_card_number: string | null;
  birth_date: string | null;
  annual_income: string | null;
  total_assets: string | null;
}

async function loadSeed(server: TestServer): Promise<SeedData> {
  const sql = async <T>(text: string): Promise<T[]> => (await server.pool.query(text)).rows as T[];
  const staff = await sql<{ id: string; role: string }>(`SELECT id::text, role FROM staff ORDER BY username`);
  // The L2/L3 values are stored sealed (the plaintext columns are NULL): read them opened.
  const customers = (await server.clearRows<CustomerRow>('customers', 'TRUE', [], 'ORDER BY t.archive_number')).map(
    (c): CustomerRow => ({
      id: c.id,
      relationship_manager_id: c.relationship_manager_id,
      id_number: c.id_number,
      phone: c.phone,
      email: c.email,
      address: c.address,
      bank_card_number: c.bank_card_number,
      birth_date: c.birth_date,
      annual_income: c.annual_income,
      total_assets: c.total_assets,
    }),
  );
  const contacts = (await server.clearRows<SeedData['contacts'][number]>('contacts', 'TRUE', [], 'ORDER BY t.id')).map(({ id, customer_id, phone, email }) => ({ id, customer_id, phone, email }));
  const transactions = (
    await server.clearRows<{ id: string; customer_id: string; account_number: string | null; counterparty_account: string | null; amount: string }>('transactions', 'TRUE', [], 'ORDER BY t.id')
  ).map(({ id, customer_id, account_number, counterparty_account, amount }) => ({ id, customer_id, account_number, counterparty_account, amount: String(amount) }));
  const complaints = (await server.clearRows<SeedData['complaints'][number]>('complaints', 'TRUE', [], 'ORDER BY t.received_at DESC, t.id DESC')).map(
    ({ id, customer_id, assignee_id, status, description }) => ({ id, customer_id, assignee_id, status, description }),
  );
  // Values of fields every staff role reads clear: a sensitive value equal to one of them is no leak.
  const everyoneClear = new Set<string>([
    ...transactions.map((t) => t.amount),
    ...(await sql<{ v: string }>(`SELECT archive_number AS v FROM customers UNION SELECT credit_code FROM customers WHERE credit_code IS NOT NULL`)).map((r) => r.v),
  ]);

  const forbidden = new Map<string, string>();
  const add = (value: string | null, origin: string) => {
    if (value === null || value === '' || everyoneClear.has(value) || forbidden.has(value)) return;
    forbidden.set(value, origin);
  };
  for (const c of customers) {
    for (const column of ['id_number', 'phone', 'email', 'address', 'bank_card_number', 'birth_date', 'annual_income', 'total_assets'] as const) {
      add(c[column], `customers.${column} of customer ${c.id}`);
    }
  }
  for (const c of contacts) {
    add(c.phone, `contacts.phone of contact ${c.id} (customer ${c.customer_id})`);
    add(c.email, `contacts.email of contact ${c.id} (customer ${c.customer_id})`);
  }
  for (const t of transactions) {
    add(t.account_number, `transactions.account_number of transaction ${t.id} (customer ${t.customer_id})`);
    add(t.counterparty_account, `transactions.counterparty_account of transaction ${t.id} (customer ${t.customer_id})`);
  }

  const staffByRole = new Map<string, string[]>();
  for (const s of staff) staffByRole.set(s.role, [...(staffByRole.get(s.role) ?? []), s.id]);
  const transactionsByCustomer = new Map<string, string[]>();
  for (const t of transactions) transactionsByCustomer.set(t.customer_id, [...(transactionsByCustomer.get(t.customer_id) ?? []), t.id]);

  return {
    forbidden,
    staff,
    staffByRole,
    customers,
    contacts,
    complaints,
    transactionIds: transactions.map((t) => t.id),
    transactionsByCustomer,
    related: new Map(),
    entitled: new Map(),
  };
}

/**
 * The values a caller may read clear: a sales rep the contact data of their own customers and
 * their contacts (never ID, card or account numbers); a complaint handler the phone of customers
 * with an open complaint assigned to them, and their birth date when verifying identity;
 * everyone else nothing of these.
 */
function entitledValues(data: SeedData, role: Role, sub: string, purpose: Purpose): Set<string> {
  const key = `${role}|${sub}|${purpose}`;
  const cached = data.entitled.get(key);
  if (cached) return cached;
  const values = new Set<string>();
  const put = (v: string | null) => v !== null && values.add(v);
  if (role === 'sales') {
    const own = new Set(data.customers.filter((c) => c.relationship_manager_id === sub).map((c) => c.id));
    for (const c of data.customers) {
      if (!own.has(c.id)) continue;
      for (const v of [c.phone, c.email, c.address, c.birth_date, c.annual_income, c.total_assets]) put(v);
    }
    for (const contact of data.contacts) if (own.has(contact.customer_id)) [contact.phone, contact.email].forEach(put);
  } else if (role === 'service') {
    const open = new Set(data.complaints.filter((k) => k.assignee_id === sub && OPEN_COMPLAINT_STATUSES.includes(k.status)).map((k) => k.customer_id));
    for (const c of data.customers) {
      if (!open.has(c.id)) continue;
      put(c.phone);
      if (purpose === 'identity_verification') put(c.birth_date);
    }
  }
  data.entitled.set(key, values);
  return values;
}

/** Records near the caller: own customers (sales), assigned complaints (service), else the complaints with identifiers in their text. */
function relatedIds(data: SeedData, sub: string): { Customer: string[]; Transaction: string[]; Complaint: string[] } {
  const cached = data.related.get(sub);
  if (cached) return cached;
  const customerIds = new Set(data.customers.filter((c) => c.relationship_manager_id === sub).map((c) => c.id));
  const complaintIds = new Set<string>();
  for (const k of data.complaints) {
    if (k.assignee_id === sub || customerIds.has(k.customer_id)) complaintIds.add(k.id);
    if (k.assignee_id === sub) customerIds.add(k.customer_id);
  }
  if (complaintIds.size === 0) {
    for (const k of data.complaints) {
      if (/\d{11}/.test(k.description)) {
        complaintIds.add(k.id);
        customerIds.add(k.customer_id);
      }
    }
  }
  const related = {
    Customer: [...customerIds],
    Complaint: [...complaintIds],
    Transaction: [...customerIds].flatMap((id) => data.transactionsByCustomer.get(id) ?? []),
  };
  data.related.set(sub, related);
  return related;
}

// ---------------------------------------------------------------------------------------------
// The checker.
// ---------------------------------------------------------------------------------------------

interface Leak {
  path: string;
  value: string;
  leaked: string;
  origin: string;
}

// ID numbers (last may be X), phones, cards and accounts inside text; also with spaces or dashes between digits.
const DIGIT_RUN = /\d{17}[\dXx]|\d{11,19}/g;
const SEPARATED_DIGIT_RUN = /\d(?:[ -]?\d){10,18}(?:[Xx])?/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function candidates(text: string): Set<string> {
  const found = new Set<string>([text]);
  for (const m of text.match(DIGIT_RUN) ?? []) found.add(m);
  for (const m of text.match(SEPARATED_DIGIT_RUN) ?? []) {
    const digits = m.replace(/[ -]/g, '');
    found.add(digits);
    if (digits.length > 18) found.add(digits.slice(0, 18));
  }
  for (const m of text.match(EMAIL) ?? []) found.add(m);
  return found;
}

/** Every string (and number) leaf of the body whose value, or an identifier inside it, is a sensitive seeded value the caller is not entitled to. */
function findLeaks(body: unknown, forbidden: ReadonlyMap<string, string>, entitled: ReadonlySet<string>): Leak[] {
  const leaks: Leak[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value);
      for (const candidate of candidates(text)) {
        const origin = forbidden.get(candidate);
        if (origin !== undefined && !entitled.has(candidate)) leaks.push({ path, value: text, leaked: candidate, origin });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${path}.${i}`));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
    }
  };
  visit(body, '');
  return leaks;
}

// ---------------------------------------------------------------------------------------------
// The query generator, walking the declared schema.
// ---------------------------------------------------------------------------------------------

interface Directive {
  name: 'include' | 'skip';
  value: boolean;
  variable: boolean;
}
interface Wrap {
  kind: 'inline' | 'inlineTyped' | 'named';
  directive: Directive | undefined;
}
interface IdRef {
  related: boolean;
  index: number;
  variable: boolean;
}
type FilterValue = { enum: string } | { bool: boolean } | { caller: true };
interface ArgsSpec {
  first?: number;
  id?: IdRef;
  filter?: [string, FilterValue][];
  orderBy?: [string, string][];
}
interface FieldSpec {
  name: string;
  alias: boolean;
  directive?: Directive;
  wrap?: Wrap;
  args?: ArgsSpec;
  sub?: FieldSpec[];
}

function chance(percent: number): fc.Arbitrary<boolean> {
  return fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(false), weight: 100 - percent }, { arbitrary: fc.constant(true), weight: percent });
}

function maybe<T>(arb: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> {
  // Cross-shrinking: a failing case shrinks towards leaving the part out.
  return fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(undefined), weight: 100 - percent }, { arbitrary: arb, weight: percent });
}

const directiveArb: fc.Arbitrary<Directive> = fc.record({
  name: fc.constantFrom('include' as const, 'skip' as const),
  value: fc.boolean(),
  variable: chance(30),
});
const wrapArb: fc.Arbitrary<Wrap> = fc.record({
  kind: fc.constantFrom('inline' as const, 'inlineTyped' as const, 'named' as const),
  directive: maybe(directiveArb, 30),
});

/** Page sizes: small mostly, so most operations stay under the roles' exposure limits. */
const rootPageArb: fc.Arbitrary<number | undefined> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 50 },
  { arbitrary: fc.integer({ min: 4, max: 10 }), weight: 35 },
  { arbitrary: fc.integer({ min: 11, max: 30 }), weight: 10 },
  { arbitrary: fc.constant(undefined), weight: 5 }, // the default page (20)
);
const nestedPageArb: fc.Arbitrary<number> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.integer({ min: 0, max: 2 }), weight: 55 },
  { arbitrary: fc.integer({ min: 3, max: 5 }), weight: 30 },
  { arbitrary: fc.integer({ min: 6, max: 10 }), weight: 15 },
);

/** Filter inputs that reveal nothing the role cannot read (enums, flags) and the caller's own id. */
const CALLER_FILTERS = new Set(['assigneeId', 'relationshipManagerId']);

const isPlumbing = (type: GraphQLObjectType) => /(Connection|Edge)$/.test(type.name) || type.name === 'PageInfo';

class QueryGenerator {
  private memo = new Map<string, fc.Arbitrary<FieldSpec[]>>();

  constructor(private readonly schema: GraphQLSchema) {}

  operation(): fc.Arbitrary<FieldSpec[]> {
    const query = this.schema.getQueryType()!;
    // The customer-data queries. The register, partners and consents carry no customer values
    // (test/audit scans the register for clear ones; test/partners covers consent).
    const customerRoots = Object.values(query.getFields()).filter((field) => (READ_OPERATIONS as readonly string[]).includes(`Query.${field.name}`));
    const roots = customerRoots.map((field) => ({
      arbitrary: this.field(field, true, 0),
      weight: field.name === 'me' ? 1 : 4,
    }));
    return fc.array(fc.oneof(...roots), { minLength: 1, maxLength: 3 });
  }

  private args(field: GraphQLField<unknown, unknown>, root: boolean): fc.Arbitrary<ArgsSpec | undefined> {
    if (field.args.length === 0) return fc.constant(undefined);
    const parts: { [K in keyof ArgsSpec]: fc.Arbitrary<ArgsSpec[K]> } = {};
    for (const arg of field.args) {
      const type = getNamedType(arg.type);
      if (arg.name === 'first') parts.first = root ? rootPageArb : nestedPageArb;
      else if (arg.name === 'id') parts.id = fc.record({ related: chance(60), index: fc.nat({ max: 100_000 }), variable: chance(25) });
      else if (arg.name === 'filter' && isInputObjectType(type)) {
        const entries: fc.Arbitrary<[string, FilterValue] | undefined>[] = [];
        for (const input of Object.values(type.getFields())) {
          const inputType = getNamedType(input.type);
          if (isEnumType(inputType)) {
            entries.push(maybe(fc.constantFrom(...inputType.getValues().map((v) => v.name)).map((v): [string, FilterValue] => [input.name, { enum: v }]), 20));
          } else if (inputType.name === 'Boolean') {
            entries.push(maybe(fc.boolean().map((v): [string, FilterValue] => [input.name, { bool: v }]), 20));
          } else if (CALLER_FILTERS.has(input.name)) {
            entries.push(maybe(fc.constant<[string, FilterValue]>([input.name, { caller: true }]), 25));
          }
        }
        parts.filter = maybe(
          fc.tuple(...entries).map((list) => list.filter((e): e is [string, FilterValue] => e !== undefined)),
          30,
        );
      } else if (arg.name === 'orderBy' && isInputObjectType(type)) {
        const entries: fc.Arbitrary<[string, string]>[] = [];
        for (const input of Object.values(type.getFields())) {
          const inputType = getNamedType(input.type);
          if (isEnumType(inputType)) entries.push(fc.constantFrom(...inputType.getValues().map((v) => v.name)).map((v): [string, string] => [input.name, v]));
        }
        parts.orderBy = maybe(fc.tuple(...entries), 25);
      }
    }
    return fc.record(parts as { [K in keyof ArgsSpec]-?: fc.Arbitrary<ArgsSpec[K]> });
  }

  private field(field: GraphQLField<unknown, unknown>, root: boolean, depth: number): fc.Arbitrary<FieldSpec> {
    const named = getNamedType(field.type);
    return fc.record({
      name: fc.constant(field.name),
      alias: chance(root ? 20 : 12),
      directive: maybe(directiveArb, 12),
      wrap: maybe(wrapArb, 12),
      args: this.args(field, root),
      sub: isObjectType(named) ? this.selection(named, depth) : fc.constant(undefined),
    });
  }

  /** A selection set of `type`, whose records sit `depth` relation hops below a root record. */
  selection(type: GraphQLObjectType, depth: number): fc.Arbitrary<FieldSpec[]> {
    const key = `${type.name}@${depth}`;
    const known = this.memo.get(key);
    if (known) return known;
    const fields = Object.values(type.getFields());
    const leaves = fields.filter((f) => isLeafType(getNamedType(f.type)) && f.args.length === 0).map((f) => f.name);
    const leafNames = [...leaves, '__typename'];
    const leafOptions = leaves.map((name) =>
      maybe(
        fc.record({ name: fc.constant(name), alias: chance(10), directive: maybe(directiveArb, 12), wrap: maybe(wrapArb, 12) }),
        isPlumbing(type) ? 30 : 40,
      ),
    );
    // Sometimes the same field again under an alias (a sensitive one, often).
    const extras = fc.array(fc.record({ name: fc.constantFrom(...leafNames), alias: fc.constant(true), wrap: maybe(wrapArb, 20) }), { maxLength: 2 });
    const objectOptions: fc.Arbitrary<FieldSpec[] | undefined>[] = [];
    for (const f of fields) {
      const named = getNamedType(f.type);
      if (!isObjectType(named)) continue;
      const next = isPlumbing(type) ? depth : depth + 1;
      if (next > MAX_DEPTH) continue;
      const percent = f.name === 'edges' || f.name === 'node' ? 92 : f.name === 'pageInfo' ? 25 : [45, 30, 20][depth] ?? 15;
      objectOptions.push(maybe(fc.array(this.field(f, false, next), { minLength: 1, maxLength: 2 }), percent));
    }
    const arb = fc.tuple(fc.tuple(...leafOptions), extras, fc.tuple(...objectOptions)).map(([picked, extra, objects]) => {
      const selections: FieldSpec[] = [
        ...picked.filter((s): s is NonNullable<typeof s> => s !== undefined),
        ...extra,
        ...objects.flatMap((o) => o ?? []),
      ];
      return selections.length > 0 ? selections : [{ name: leaves[0] ?? '__typename', alias: false }];
    });
    this.memo.set(key, arb);
    return arb;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing a generated operation for one caller.
// ---------------------------------------------------------------------------------------------

interface Caller {
  role: Role;
  sub: string;
  purpose: Purpose;
  /** Over HTTP with the x-purpose header (needed for a purpose other than the role's default). */
  http: boolean;
}

class Printer {
  private counter = 0;
  private fragments: string[] = [];
  private variableDefinitions: string[] = [];
  readonly variables: Record<string, unknown> = {};

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly data: SeedData,
    private readonly caller: Caller,
  ) {}

  print(roots: FieldSpec[]): string {
    const body = this.selections(roots, this.schema.getQueryType()!, new Set());
    const header = this.variableDefinitions.length ? `query Generated(${this.variableDefinitions.join(', ')}) ` : '';
    return `${header}{ ${body} }${this.fragments.map((f) => `\n${f}`).join('')}`;
  }

  private fresh(): number {
    return ++this.counter;
  }

  private variable(type: string, value: unknown): string {
    const name = `v${this.fresh()}`;
    this.variableDefinitions.push(`$${name}: ${type}`);
    this.variables[name] = value;
    return `$${name}`;
  }

  private directive(d: Directive | undefined): string {
    if (!d) return '';
    return ` @${d.name}(if: ${d.variable ? this.variable('Boolean!', d.value) : String(d.value)})`;
  }

  private callerId(): string {
    return /^[0-9a-f-]{36}$/i.test(this.caller.sub) ? this.caller.sub : this.data.staff[0].id;
  }

  private idFor(typeName: string, ref: IdRef): string {
    const related = relatedIds(this.data, this.caller.sub);
    const all =
      typeName === 'Customer'
        ? this.data.customers.map((c) => c.id)
        : typeName === 'Complaint'
          ? this.data.complaints.map((k) => k.id)
          : this.data.transactionIds;
    const near = related[typeName as keyof typeof related] ?? [];
    const pool = ref.related && near.length > 0 ? near : all;
    return pool[ref.index % pool.length];
  }

  private args(spec: ArgsSpec | undefined, returnType: string): string {
    if (!spec) return '';
    const parts: string[] = [];
    if (spec.first !== undefined) parts.push(`first: ${spec.first}`);
    if (spec.id) {
      const id = this.idFor(returnType, spec.id);
      parts.push(`id: ${spec.id.variable ? this.variable('ID!', id) : JSON.stringify(id)}`);
    }
    if (spec.filter) {
      const entries = spec.filter.map(([k, v]) => `${k}: ${'enum' in v ? v.enum : 'bool' in v ? String(v.bool) : JSON.stringify(this.callerId())}`);
      parts.push(`filter: { ${entries.join(', ')} }`);
    }
    if (spec.orderBy) parts.push(`orderBy: { ${spec.orderBy.map(([k, v]) => `${k}: ${v}`).join(', ')} }`);
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  /** `keys`: response keys already used in this selection set (fragments merge into it). */
  private selections(specs: FieldSpec[], type: GraphQLObjectType, keys: Set<string>): string {
    return specs.map((spec) => this.field(spec, type, keys)).join(' ');
  }

  private field(spec: FieldSpec, type: GraphQLObjectType, keys: Set<string>): string {
    let key = spec.name;
    // An aliased copy, or a second selection of an object field (which could conflict in its arguments).
    if (spec.alias || (spec.sub && keys.has(key))) key = `${spec.name.replace(/^__/, '')}_${this.fresh()}`;
    keys.add(key);
    const definition = spec.name === '__typename' ? undefined : type.getFields()[spec.name];
    const named = definition ? getNamedType(definition.type) : undefined;
    let text = `${key !== spec.name ? `${key}: ` : ''}${spec.name}${this.args(spec.args, named?.name ?? '')}${this.directive(spec.directive)}`;
    if (spec.sub && named && isObjectType(named)) text += ` { ${this.selections(spec.sub, named, new Set())} }`;
    if (!spec.wrap) return text;
    const directive = this.directive(spec.wrap.directive);
    if (spec.wrap.kind === 'named') {
      const name = `F${this.fresh()}`;
      this.fragments.push(`fragment ${name} on ${type.name} { ${text} }`);
      return `...${name}${directive}`;
    }
    return `...${spec.wrap.kind === 'inlineTyped' ? ` on ${type.name}` : ''}${directive} { ${text} }`;
  }
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

type Body = Awaited<ReturnType<TestServer['execute']>>['body'];

describe('no clear L2/L3 value reaches a caller not entitled to it (property)', () => {
  let server: TestServer;
  let schema: GraphQLSchema;
  let data: SeedData;

  beforeAll(async () => {
    server = await startTestServer();
    schema = await buildDeclaredSchema();
    data = await loadSeed(server);
    // The property compares against real values: the seed's L2/L3 values were all read.
    const origins = [...data.forbidden.values()];
    for (const column of ['customers.id_number', 'customers.phone', 'customers.email', 'customers.address', 'customers.bank_card_number', 'customers.birth_date', 'customers.annual_income', 'contacts.phone', 'transactions.account_number']) {
      expect({ column, values: origins.filter((o) => o.startsWith(`${column} of`)).length > 10 }).toEqual({ column, values: true });
    }
    expect(data.complaints.filter((k) => typeof k.description === 'string').length).toBe(data.complaints.length);
  });

  afterAll(() => server.stop());

  async function run(caller: Caller, query: string, variables: Record<string, unknown>): Promise<Body> {
    if (caller.http) {
      const { body } = await server.gql(query, { role: caller.role, sub: caller.sub, variables, headers: { 'x-purpose': caller.purpose } });
      return body;
    }
    try {
      return (await server.execute(query, { role: caller.role, sub: caller.sub, variables })).body;
    } catch (error) {
      // Refused by the staff directory (unknown subject, another role): no data at all, as over HTTP.
      if (error instanceof AuthenticationError) return { errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] } as Body;
      throw error;
    }
  }

  it('the checker flags a clear value the caller is not entitled to, in a field or inside text', async () => {
    const own = data.customers.find((c) => c.relationship_manager_id !== null && c.phone !== null)!;
    const rep = own.relationship_manager_id!;
    const { body } = await server.execute(`query ($id: ID!) { customer(id: $id) { phone } }`, { role: 'sales', sub: rep, variables: { id: own.id } });
    expect(body.errors).toBeUndefined();
    expect((body.data as { customer: { phone: string } }).customer.phone).toBe(own.phone);

    // Entitled: the rep's own customer, clear, is no leak.
    expect(findLeaks(body, data.forbidden, entitledValues(data, 'sales', rep, 'relationship_management'))).toEqual([]);
    // Not entitled: the same response is a leak of that phone.
    const leaks = findLeaks(body, data.forbidden, new Set());
    expect(leaks).toEqual([{ path: 'data.customer.phone', value: own.phone, leaked: own.phone, origin: `customers.phone of customer ${own.id}` }]);
    // Inside free text, with or without separators, and in error messages.
    const phone = own.phone!;
    const spaced = `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`;
    expect(findLeaks({ data: { note: `联系电话${phone}，请尽快回复。` } }, data.forbidden, new Set()).map((l) => l.leaked)).toEqual([phone]);
    expect(findLeaks({ errors: [{ message: `no customer with phone ${spaced}` }] }, data.forbidden, new Set()).map((l) => l.leaked)).toEqual([phone]);
    // Masked values are no leak.
    expect(findLeaks({ data: { phone: `${phone.slice(0, 3)}****${phone.slice(7)}` } }, data.forbidden, new Set())).toEqual([]);
  });

  it(
    'random queries, roles, callers and purposes never return a value the caller may not read clear',
    async () => {
      const generator = new QueryGenerator(schema);
      const subjectKind = fc.oneof(
        { withCrossShrink: true },
        // Subjects outside the directory, or members of another role, are refused before anything runs (test/permissions/self-grant).
        { arbitrary: fc.constant('role-staff' as const), weight: 94 },
        { arbitrary: fc.constant('any-staff' as const), weight: 2 },
        { arbitrary: fc.constant('unknown-uuid' as const), weight: 2 },
        { arbitrary: fc.constant('not-a-uuid' as const), weight: 2 },
      );
      const callerArb: fc.Arbitrary<Caller> = fc
        .record({ role: fc.constantFrom(...ROLES), subject: subjectKind, index: fc.nat({ max: 1000 }), purposeIndex: fc.nat({ max: 10 }), httpAnyway: chance(5) })
        .map(({ role, subject, index, purposeIndex, httpAnyway }) => {
          const ofRole = data.staffByRole.get(role) ?? [];
          const sub =
            subject === 'role-staff' && ofRole.length > 0
              ? ofRole[index % ofRole.length]
              : subject === 'any-staff'
                ? data.staff[index % data.staff.length].id
                : subject === 'not-a-uuid'
                  ? `${role}-client-${index % 7}`
                  : `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
          const { allowed, default: fallback } = ROLE_POLICIES[role].purposes;
          const purpose = allowed[purposeIndex % allowed.length];
          return { role, sub, purpose, http: purpose !== fallback || httpAnyway };
        });

      const outcomes = new Map<string, number>();
      const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
      const started = Date.now();

      const params: fc.Parameters<[Caller, FieldSpec[]]> = {
        numRuns: RUNS,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(PATH === undefined ? {} : { path: PATH }),
      };
      await fc.assert(
        fc.asyncProperty(callerArb, generator.operation(), async (caller, roots) => {
          const printer = new Printer(schema, data, caller);
          const query = printer.print(roots);
          const invalid = validate(schema, parse(query));
          if (invalid.length) throw new Error(`generator produced an invalid query: ${invalid.map((e) => e.message).join('; ')}\n${query}`);

          const body = await run(caller, query, printer.variables);
          const codes = (body.errors ?? []).map((e) => String(e.extensions?.code ?? 'NO_CODE'));
          count(codes.length ? [...new Set(codes)].sort().join('+') : 'OK');

          const leaks = findLeaks(body, data.forbidden, entitledValues(data, caller.role, caller.sub, caller.purpose));
          if (leaks.length) {
            const report = [
              `LEAK: role=${caller.role} sub=${caller.sub} purpose=${caller.purpose} via=${caller.http ? 'HTTP (x-purpose)' : 'in-process'}`,
              `query: ${query}`,
              `variables: ${JSON.stringify(printer.variables)}`,
              ...leaks.map((l) => `  at ${l.path}: ${JSON.stringify(l.value)} carries ${l.leaked} = ${l.origin}`),
            ].join('\n');
            const error = new Error(report);
            error.stack = report; // the report says where; a stack frame of this file would not
            throw error;
          }
        }),
        params,
      );

      const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
      process.stdout.write(
        `no-leak property: ${RUNS} runs in ${((Date.now() - started) / 1000).toFixed(1)} s; outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}\n`,
      );
      // The generator must produce plenty of operations that run, not only refusals (about 42% ran
      // once every alias, __typename's included, counted towards the alias ceilings; about 32% since
      // issue 17 widened Complaint by some twenty fields — measured 31.3% and 34.0% over 700 runs
      // with PROPERTY_SEED 1 and 2 — as wider selections meet the alias and size ceilings more often).
      expect((outcomes.get('OK') ?? 0) / total).toBeGreaterThan(0.27);
    },
    300_000,
  );
});
