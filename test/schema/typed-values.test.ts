import { getNamedType, isListType, isNonNullType, isObjectType, type GraphQLOutputType, type GraphQLSchema } from 'graphql';
import { ruleFor } from '../../permissions/policy';
import { buildDeclaredSchema } from '../../schema';
import type { Role } from '../../src/auth/principal';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * Masks that keep their types (issue "Every probe counts", item 5): every value a role receives
 * parses with a strict parser of its GraphQL scalar, as a client generated from the schema parses
 * it. A masked Decimal (`10000-50000`) or Date (`1952-**-**`) fails here.
 */
const STRICT: Record<string, (value: unknown) => boolean> = {
  Decimal: (v) => typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v),
  Date: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
  DateTimeISO: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v) && !Number.isNaN(Date.parse(v)),
  Int: (v) => Number.isInteger(v),
};

/** Every value under `value` of a strictly parsed scalar that its parser refuses: `path: value`. */
function unparsable(value: unknown, type: GraphQLOutputType, path: string, out: string[] = []): string[] {
  if (value === null || value === undefined) return out;
  if (isNonNullType(type)) return unparsable(value, type.ofType, path, out);
  if (isListType(type)) {
    (value as unknown[]).forEach((item, i) => unparsable(item, type.ofType, `${path}.${i}`, out));
    return out;
  }
  const named = getNamedType(type);
  if (isObjectType(named)) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const field = named.getFields()[key];
      if (field) unparsable(child, field.type, `${path}.${key}`, out);
    }
    return out;
  }
  const parse = STRICT[named.name];
  if (parse && !parse(value)) out.push(`${path}: ${JSON.stringify(value)}`);
  return out;
}

describe('Typed values under every role', () => {
  let server: TestServer;
  let schema: GraphQLSchema;
  let rep: string;

  const QUERY = `{ customers(first: 40) { edges { node {
    id birthDate birthYear annualIncome annualIncomeRange { min max } totalAssets totalAssetsRange { min max } createdAt updatedAt
    transactions(first: 5) { edges { node { amount occurredAt } } }
    complaints(first: 3) { edges { node { receivedAt dueAt resolvedAt closedAt satisfaction timeline { occurredAt } } } }
  } } } }`;

  beforeAll(async () => {
    server = await startTestServer();
    schema = await buildDeclaredSchema();
    // The rep with the most customers whose income is stored (sealed: its ciphertext is present).
    [{ id: rep }] = (await server.db.pool.query(`SELECT relationship_manager_id AS id FROM customers WHERE annual_income_sealed IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows;
  });
  afterAll(() => server.stop());

  it.each<[string, Role, string | undefined]>([
    ['a rep (own customers clear, others masked)', 'sales', 'rep'],
    ['a manager (everything masked)', 'manager', undefined],
    ['a service agent', 'service', undefined],
    ['an analyst (generalised)', 'analyst', undefined],
    ['an auditor', 'auditor', undefined],
    ['an administrator', 'admin', undefined],
  ])('%s receives only values its scalars parse, the generalisations where values are masked', async (_label, role, who) => {
    const { body } = await server.gql<any>(QUERY, { role, sub: who === 'rep' ? rep : undefined });
    expect(body.errors).toBeUndefined();
    const queryType = schema.getQueryType()!;
    expect(unparsable(body.data.customers, queryType.getFields().customers.type, 'customers')).toEqual([]);
    // Wherever income was given, a masked one comes as null with its range; a clear one with the range that holds it.
    const nodes = body.data.customers.edges.map((e: any) => e.node);
    const withIncome = nodes.filter((n: any) => n.annualIncomeRange !== null);
    // The range follows its source: removed for a role that may not see income at all.
    if (ruleFor(role, 'Customer', 'annualIncome').hasOwnProperty('kind') && (ruleFor(role, 'Customer', 'annualIncome') as { kind: string }).kind === 'REMOVE') expect(withIncome).toEqual([]);
    else expect(withIncome.length).toBeGreaterThan(0);
    for (const n of withIncome) {
      if (n.annualIncome !== null) {
        expect(Number(n.annualIncome)).toBeGreaterThanOrEqual(Number(n.annualIncomeRange.min));
        if (n.annualIncomeRange.max !== null) expect(Number(n.annualIncome)).toBeLessThan(Number(n.annualIncomeRange.max));
      }
    }
    for (const n of nodes) if (n.birthDate !== null) expect(n.birthDate.slice(0, 4)).toBe(String(n.birthYear));
  });

  it('explains a masked, typed field as MASK with its strategy, while the value itself is null', async () => {
    const { body } = await server.gql<any>(`{ customers(first: 5, filter: { kind: INDIVIDUAL }) { edges { node { birthDate birthYear } } } }`, { role: 'manager' });
    expect(body.errors).toBeUndefined();
    const nodes = body.data.customers.edges.map((e: any) => e.node);
    expect(nodes.every((n: any) => n.birthDate === null)).toBe(true);
    expect(nodes.some((n: any) => Number.isInteger(n.birthYear))).toBe(true);
    expect(body.extensions!.privacy.fields).toContainEqual(expect.objectContaining({ field: 'Customer.birthDate', decision: 'MASK', strategy: 'birthYear' }));
  });
});
