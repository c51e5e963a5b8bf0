import { randomUUID } from 'node:crypto';
import { ROLE_POLICIES } from '../../permissions/policy';
import { windows } from '../../src/budget/budget-plugin';
import { buildNationalId } from '../../src/domain/national-id';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * Every probe is a read (issue "Every probe counts"): a lookup, a filter, a count or a uniqueness
 * check that depends on a sensitive value is allowed only as the policy says, registered, and
 * budgeted per request (every alias) and per day. Each test is one of the attacks.
 */
describe('Probes are reads', () => {
  let server: TestServer;
  const sql = async <T = any>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  let target: { id: string; id_number: string; phone: string };
  const SERVICE = ROLE_POLICIES.service;

  /** The access records of one request, read as the database holds them. */
  const recordsOf = (requestId: string) => sql(`SELECT outcome, purpose, fields, error_codes FROM audit_access WHERE request_id = $1 ORDER BY seq`, [requestId]);

  beforeAll(async () => {
    server = await startTestServer();
    // Ground truth with the sealed fields opened (the plaintext columns are NULL).
    [target] = await server.clearRows(
      'customers',
      `t.kind = 'INDIVIDUAL' AND t.id_number_sealed IS NOT NULL AND t.phone_sealed IS NOT NULL`,
      [],
      'ORDER BY t.id LIMIT 1',
    );
    expect([target.id_number, target.phone]).toEqual([expect.any(String), expect.any(String)]);
  });
  afterAll(() => server.stop());

  /** A service agent of its own, with a day of its own (budgets are per person). */
  const freshAgent = () => server.member('service', `probe-agent-${randomUUID().slice(0, 8)}`);

  it('refuses 30 aliased ID-number guesses in one request before any SQL (the oracle of 30 guesses a request)', async () => {
    const agent = await freshAgent();
    const guesses = Array.from({ length: 30 }, (_, i) => `g${i}: customers(first: 1, filter: { idNumber: "${target.id_number.slice(0, 14)}${String(1000 + i).slice(1)}X" }) { totalCount }`);
    const requestId = `probe-30-${randomUUID()}`;
    const { body, statements } = await server.execute<any>(`{ ${guesses.join(' ')} }`, { role: 'service', sub: agent });
    expect(body.data ?? null).toBeNull();
    expect(body.errors![0].extensions).toMatchObject({ code: 'QUERY_LIMIT', limit: 'probes', actual: 30, max: SERVICE.limits.probes });
    expect(statements).toBe(0);
    // Over HTTP the refusal is registered, and names no value.
    const http = await server.gql<any>(`{ ${guesses.join(' ')} }`, { role: 'service', sub: agent, headers: { 'x-request-id': requestId } });
    expect(http.status).toBe(400);
    expect(JSON.stringify(http.body)).not.toContain(target.id_number.slice(0, 14));
    expect(await recordsOf(requestId)).toEqual([expect.objectContaining({ outcome: 'QUERY_LIMIT' })]);
  });

  it('registers a totalCount lookup that selects no sensitive field as a read of the ID number, and says so in extensions.privacy', async () => {
    const agent = await freshAgent();
    const requestId = `probe-count-${randomUUID()}`;
    const { status, body } = await server.gql<any>(`query ($n: String) { customers(first: 1, filter: { idNumber: $n }) { totalCount } }`, {
      role: 'service', sub: agent, variables: { n: target.id_number }, headers: { 'x-request-id': requestId },
    });
    expect(status).toBe(200);
    expect(body.data.customers.totalCount).toBe(1);
    expect(body.extensions!.privacy.probes).toEqual([{ path: 'customers', argument: 'filter.idNumber', field: 'Customer.idNumber', rows: 1, decision: 'MASK' }]);
    const [record] = await recordsOf(requestId);
    expect(record.purpose).toBe('complaint_handling');
    expect(record.fields).toEqual([{ path: 'customers(filter.idNumber)', field: 'Customer.idNumber', decision: 'MASK', strategy: null, reason: 'PROBE', count: 1 }]);
    expect(JSON.stringify(record)).not.toContain(target.id_number);
  });

  it('stops a phone search at the day’s probe budget: the masked phone cannot be walked through its 10,000 candidates', async () => {
    const agent = await freshAgent();
    const store = server.budgets;
    // The agent has spent all but 3 of today's probes (and tomorrow's, should the day turn meanwhile).
    const now = Date.now();
    for (const at of [now, now + 86_400_000]) {
      await store.reserve(`staff:${agent}`, windows(at).day, { clear: 0, masked: 0, probes: SERVICE.budgets.daily.probes - 3 }, SERVICE.budgets.daily);
    }
    const guess = (phone: string) => server.gql<any>(`query ($p: String) { customers(first: 1, filter: { phone: $p }) { totalCount } }`, { role: 'service', sub: agent, variables: { p: phone } });
    const middle = target.phone.slice(3, 7);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await guess(`${target.phone.slice(0, 3)}${String((Number(middle) + i) % 10000).padStart(4, '0')}${target.phone.slice(7)}`));
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
    for (const refused of answers.slice(3)) {
      expect(refused.status).toBe(429);
      expect(refused.body.errors![0].extensions).toMatchObject({ code: 'EXPOSURE_BUDGET_EXHAUSTED' });
      expect(refused.body.errors![0].message).toMatch(/0 probes/);
    }
  });

  it("registers createCustomer's duplicate check as a probe of the ID number, whoever writes and whatever the outcome", async () => {
    const requestId = `probe-dup-${randomUUID()}`;
    const { body } = await server.gql<any>(`mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, {
      role: 'sales',
      variables: { input: { kind: 'INDIVIDUAL', name: '重复测试', idNumber: target.id_number } },
      headers: { 'x-request-id': requestId },
    });
    // No "already exists": the customer awaits a manager's de-duplication review (test/schema/duplicate-review.test.ts).
    expect(body.errors).toBeUndefined();
    const [record] = await recordsOf(requestId);
    expect(record.fields).toContainEqual({ path: 'createCustomer(input.idNumber)', field: 'Customer.idNumber', decision: 'MASK', strategy: null, reason: 'PROBE', count: 1 });
    expect(JSON.stringify(record)).not.toContain(target.id_number);

    const fresh = buildNationalId('310101', '1988-08-08', 777, 'MALE');
    const created = `probe-new-${randomUUID()}`;
    await server.gql<any>(`mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, {
      role: 'sales', variables: { input: { kind: 'INDIVIDUAL', name: '新客户', idNumber: fresh } }, headers: { 'x-request-id': created },
    });
    expect((await recordsOf(created))[0].fields).toContainEqual(expect.objectContaining({ reason: 'PROBE', field: 'Customer.idNumber' }));
  });

  it('registers a read that touches no sensitive field: 100 customers’ transactions and archive numbers', async () => {
    const requestId = `probe-plain-${randomUUID()}`;
    const { status } = await server.gql<any>(`{ customers(first: 100) { edges { node { archiveNumber transactions(first: 5) { edges { node { amount occurredAt } } } } } } }`, {
      role: 'sales', headers: { 'x-request-id': requestId },
    });
    expect(status).toBe(200);
    expect(await recordsOf(requestId)).toEqual([expect.objectContaining({ outcome: 'OK', purpose: 'relationship_management', fields: [] })]);
  });

  it('refuses a read without a declared purpose: PURPOSE_REQUIRED naming the allowed purposes, before any SQL', async () => {
    const { body, statements } = await server.execute<any>(`{ customers(first: 1) { edges { node { id } } } }`, { role: 'service', purpose: null });
    expect(body.errors![0].extensions).toMatchObject({ code: 'PURPOSE_REQUIRED', allowedPurposes: [...SERVICE.purposes.allowed] });
    expect(statements).toBe(0);
    const http = await server.gql<any>(`{ customers(first: 1) { edges { node { id } } } }`, { role: 'service', purpose: null });
    expect(http.status).toBe(403);
    // What touches no customer data needs none.
    expect((await server.gql<any>(`{ me { role } }`, { role: 'service', purpose: null })).status).toBe(200);
  });
});
