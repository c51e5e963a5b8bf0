import { print } from 'graphql';
import { REASONS } from '../../permissions/vocabulary';
import { MASKS } from '../../permissions/masks';
import { CustomerDetailDocument, TransactionPageDocument, type CustomerDetailQuery, type TransactionPageQuery } from '../../examples/frontend/src/gql/graphql';
import { errorCode } from '../../examples/frontend/src/api';
import { customerCard } from '../../examples/frontend/src/customer-card';
import { decisionAt, decisionsAt, formatRange, privacyPath, REASON_TEXT, renderValue, STRATEGY_TEXT, type ApiResponse } from '../../examples/frontend/src/privacy';
import { startTestServer, type TestServer } from '../harness/server';

/** The example in README "Why a value is masked", plus a removed rating and a generalised birth date. */
const RESPONSE: ApiResponse<unknown> = {
  data: {},
  extensions: {
    privacy: {
      policyVersion: 'sha256:x', role: 'sales', purpose: 'relationship_management',
      exposure: { volume: 101, clearVolume: 1, breadth: 1, clearBudget: 20, clearBreadth: 3, hardLimit: 2000 },
      fields: [
        { path: 'one.phone', field: 'Customer.phone', decision: 'CLEAR', reason: 'OWN_CUSTOMER', count: 1 },
        { path: 'page.edges.node.phone', field: 'Customer.phone', decision: 'CLEAR', reason: 'OWN_CUSTOMER', count: 3 },
        { path: 'page.edges.node.phone', field: 'Customer.phone', decision: 'MASK', strategy: 'phone', reason: 'EXPOSURE_CLEAR_BUDGET', count: 97 },
        { path: 'one.creditRating', field: 'Customer.creditRating', decision: 'REMOVE', reason: 'ROLE_POLICY', count: 1 },
        { path: 'one.birthDate', field: 'Customer.birthDate', decision: 'MASK', strategy: 'birthYear', reason: 'NOT_OWN_CUSTOMER', count: 1 },
      ],
    },
  },
};

describe('privacy helper (examples/frontend/src/privacy.ts)', () => {
  it('writes paths as extensions.privacy does: list indices left out', () => {
    expect(privacyPath('customers.edges.3.node.phone')).toBe('customers.edges.node.phone');
    expect(privacyPath(['customers', 'edges', 3, 'node', 'phone'])).toBe('customers.edges.node.phone');
  });

  it('answers the decision, strategy and reason at a path, in words, the strictest where rows differ', () => {
    expect(decisionAt(RESPONSE, 'one.phone')).toMatchObject({ decision: 'CLEAR', reason: 'OWN_CUSTOMER', sentence: 'Shown in clear because the caller is the customer’s relationship manager.' });
    expect(decisionsAt(RESPONSE, ['page', 'edges', 42, 'node', 'phone']).map((d) => d.decision)).toEqual(['CLEAR', 'MASK']);
    expect(decisionAt(RESPONSE, 'page.edges.7.node.phone')).toMatchObject({
      decision: 'MASK', strategy: 'phone', reason: 'EXPOSURE_CLEAR_BUDGET',
      sentence: 'Masked (first 3 and last 4 digits shown) because the request asks for more clear values than the role’s clear budget.',
    });
    expect(decisionAt(RESPONSE, 'one.creditRating')).toMatchObject({ decision: 'REMOVE', sentence: 'Removed because the role’s rule for this field.' });
    expect(decisionAt(RESPONSE, 'one.tier')).toBeNull();
    expect(decisionAt({ data: null }, 'one.phone')).toBeNull();
  });

  it('renders a masked value, a removed one, a typed generalisation and a clear one differently', () => {
    expect(renderValue(RESPONSE, 'page.edges.0.node.phone', '138****5678')).toMatchObject({ kind: 'masked', text: '138****5678', note: expect.stringContaining('(some rows are clear)') });
    expect(renderValue(RESPONSE, 'one.creditRating', null)).toMatchObject({ kind: 'removed', text: '—' });
    expect(renderValue(RESPONSE, 'one.birthDate', null, 'in 1985')).toMatchObject({ kind: 'generalised', text: 'in 1985', note: expect.stringContaining('year of birth only') });
    expect(renderValue(RESPONSE, 'one.phone', '13812345678')).toEqual({ kind: 'clear', text: '13812345678' });
    expect(renderValue(RESPONSE, 'one.tier', null)).toEqual({ kind: 'empty', text: '' });
    expect(formatRange({ min: '100000', max: '500000' })).toBe('100,000–500,000');
    expect(formatRange({ min: '5000000', max: null })).toBe('5,000,000 or more');
  });

  it('knows every reason code and mask strategy the server sends (a new one fails here)', () => {
    expect(REASON_TEXT).toEqual({ ...REASONS });
    expect(Object.keys(STRATEGY_TEXT).sort()).toEqual(Object.keys(MASKS).sort());
  });
});

describe('the example against the real server, as a manager (everything masked)', () => {
  let server: TestServer;
  let customerId: string;

  beforeAll(async () => {
    server = await startTestServer();
    // An individual with a stored income and transactions: every masked kind appears.
    [{ id: customerId }] = (
      await server.db.pool.query(
        `SELECT c.id FROM customers c WHERE c.kind = 'INDIVIDUAL' AND c.annual_income_sealed IS NOT NULL AND c.status = 'ACTIVE'
           AND EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id) ORDER BY c.id LIMIT 1`,
      )
    ).rows;
  });
  afterAll(() => server.stop());

  it('reads the customer detail: the helper agrees with extensions.privacy and with the values', async () => {
    const { body } = await server.gql<CustomerDetailQuery>(print(CustomerDetailDocument), { role: 'manager', variables: { id: customerId } });
    expect(body.errors).toBeUndefined();
    const response = body as ApiResponse<CustomerDetailQuery>;
    const c = response.data!.customer!;
    // Every entry the server wrote is what the helper answers at that path.
    for (const entry of response.extensions!.privacy!.fields) expect(decisionsAt(response, entry.path)).toContainEqual(expect.objectContaining(entry));
    expect(decisionAt(response, 'customer.phone')).toMatchObject({ decision: 'MASK', strategy: 'phone' });
    expect(decisionAt(response, 'customer.birthDate')).toMatchObject({ decision: 'MASK', strategy: 'birthYear' });
    expect(decisionAt(response, 'customer.creditRating')).toMatchObject({ decision: 'REMOVE' });

    const card = Object.fromEntries(customerCard(response).map((row) => [row.label, row.shown]));
    expect(card.Phone).toEqual({ kind: 'masked', text: c.phone, note: expect.stringMatching(/^Masked \(first 3 and last 4 digits shown\) because /) });
    expect(c.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(card.Born).toMatchObject({ kind: 'generalised', text: `in ${c.birthYear}` });
    expect(c.birthDate).toBeNull();
    expect(card['Annual income (CNY)']).toMatchObject({ kind: 'generalised', text: formatRange(c.annualIncomeRange!) });
    expect(card['Credit rating']).toMatchObject({ kind: 'removed', text: '—' });
    expect(c.creditRating).toBeNull();
  });

  it('reads a page of transactions: account numbers masked on every row, under one list path', async () => {
    const { body } = await server.gql<TransactionPageQuery>(print(TransactionPageDocument), { role: 'manager', variables: { customerId, first: 5 } });
    expect(body.errors).toBeUndefined();
    const response = body as ApiResponse<TransactionPageQuery>;
    const edges = response.data!.transactions.edges;
    expect(edges.length).toBeGreaterThan(0);
    edges.forEach((edge, i) => {
      const shown = renderValue(response, ['transactions', 'edges', i, 'node', 'accountNumber'], edge.node.accountNumber);
      if (edge.node.accountNumber !== null) expect(shown).toMatchObject({ kind: 'masked', text: edge.node.accountNumber });
    });
    expect(decisionAt(response, 'transactions.edges.node.accountNumber')).toMatchObject({ decision: 'MASK', count: edges.filter((e) => e.node.accountNumber !== null).length });
  });

  it('reads a refusal by its typed code: no purpose declared', async () => {
    const { status, body } = await server.gql<CustomerDetailQuery>(print(CustomerDetailDocument), { role: 'manager', purpose: null, variables: { id: customerId } });
    expect(status).toBe(403);
    expect(errorCode(body as ApiResponse<unknown>)).toBe('PURPOSE_REQUIRED');
    expect(errorCode({ data: {} })).toBeNull();
    expect(errorCode({ errors: [{ message: 'x', extensions: { code: 'SOMETHING_NEW' } }] })).toBe('UNKNOWN');
  });
});
