/**
 * Compiled reads (issue 16, permissions/engine/compiler): a supported read is one SQL statement,
 * and leaves the same access record and the same budget charge as the resolver path; reads
 * outside the subset, and callers the compiler does not serve, are answered by the resolver path.
 */
import { randomUUID } from 'node:crypto';
import { S2_QUERY, S3_QUERY } from '../../bench/scenarios';
import { comparableAccessRecord, withoutDayTotals } from '../harness/privacy';
import { startTestServer, type CallOptions, type TestServer } from '../harness/server';

describe('Compiled reads', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  const fresh = async () => {
    await server.db.pool.query(`DELETE FROM usage_counters`);
    await server.db.pool.query(`DELETE FROM breadth_counters`);
  };

  const accessRecord = (requestId: string) => comparableAccessRecord(server.db.pool, requestId);

  /** The day's charge of the caller's budget after one request. */
  async function dayCharge() {
    const { rows } = await server.db.pool.query(`SELECT key, clear_values::int AS clear, masked_values::int AS masked, probes::int AS probes FROM usage_counters WHERE window_kind = 'day' ORDER BY key`);
    return rows;
  }

  async function both(query: string, options: CallOptions) {
    const ids = [randomUUID(), randomUUID()];
    await fresh();
    const reference = await server.execute<any>(query, { ...options, compiledReads: false, requestId: ids[0] });
    const referenceCharge = await dayCharge();
    await fresh();
    const compiled = await server.execute<any>(query, { ...options, requestId: ids[1] });
    const compiledCharge = await dayCharge();
    return { reference, compiled, referenceCharge, compiledCharge, ids };
  }

  it.each([
    ['S2 as a manager', S2_QUERY, 'manager'],
    ['S2 as a sales rep (a page of 100 downgrades their own customers to masks)', S2_QUERY, 'sales'],
    ['S3 as an analyst (pseudonymous ids)', S3_QUERY, 'analyst'],
    ['a customer with its contacts as an auditor', `{ customers(first: 5) { totalCount edges { node { name phone idNumber birthYear annualIncomeRange { min max } contacts { edges { node { name email } } } } } } }`, 'auditor'],
  ] as const)('%s: one statement; the same data, privacy extension, access record and budget charge as the resolver path', async (_title, query, role) => {
    const { reference, compiled, referenceCharge, compiledCharge, ids } = await both(query, { role });
    expect(reference.compiled).toBe(false);
    expect(compiled.compiled).toBe(true);
    expect(compiled.statements).toBe(1);
    expect(reference.body.errors).toBeUndefined();
    expect(reference.statements).toBeGreaterThanOrEqual(1);
    expect(withoutDayTotals(compiled.body)).toEqual(withoutDayTotals(reference.body));
    expect(compiled.body.extensions?.privacy.fields.length).toBeGreaterThan(0);
    expect(await accessRecord(ids[1])).toEqual(await accessRecord(ids[0]));
    expect(compiledCharge).toEqual(referenceCharge);
  });

  it('answers reads outside the subset through the resolver path: lookups (probes), other roots, documents mixing them', async () => {
    const staff = await server.execute<any>(`{ staffMembers { id } }`, { role: 'manager' });
    expect(staff.compiled).toBe(false);
    const mixed = await server.execute<any>(`{ customers(first: 2) { edges { node { id } } } me { role } }`, { role: 'manager' });
    expect(mixed.body.errors).toBeUndefined();
    expect(mixed.compiled).toBe(false);
    const lookup = await server.execute<any>(`{ customers(first: 3, filter: { phone: "13800000000" }) { edges { node { id } } } }`, { role: 'service' });
    expect(lookup.compiled).toBe(false);
    const me = await server.execute<any>(`{ me { role } }`, { role: 'manager' });
    expect(me.compiled).toBe(false);
  });

  it('decides per record in the statement: a rep\'s own customers clear (the day\'s breadth asked as the resolver path asks it), others masked', async () => {
    const { rows: [{ rep }] } = await server.db.pool.query<{ rep: string }>(
      `SELECT relationship_manager_id::text AS rep FROM customers WHERE relationship_manager_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    );
    const { rows: own } = await server.db.pool.query<{ id: string }>(`SELECT id::text FROM customers WHERE relationship_manager_id = $1 AND status = 'ACTIVE' LIMIT 2`, [rep]);
    const query = `query Own($a: ID!, $b: ID!) { a: customer(id: $a) { id name phone email address birthDate annualIncome creditRating contacts(first: 2) { edges { node { name phone } } }
      transactions(first: 3) { edges { node { description counterpartyName } } } } b: customer(id: $b) { name employer } others: customers(first: 4) { edges { node { name phone creditRating } } } }`;
    await server.resetBreadth();
    const { reference, compiled, referenceCharge, compiledCharge, ids } = await both(query, { role: 'sales', sub: rep, variables: { a: own[0].id, b: own[1].id } });
    expect(reference.body.errors).toBeUndefined();
    expect(compiled.compiled).toBe(true);
    expect(compiled.statements).toBe(1);
    expect(reference.body.errors).toBeUndefined();
    expect(withoutDayTotals(compiled.body)).toEqual(withoutDayTotals(reference.body));
    expect(compiled.body.data.a.phone).not.toContain('*');
    const record = await accessRecord(ids[1]);
    expect(record).toEqual(await accessRecord(ids[0]));
    expect(record.customersClear).toContain(own[0].id);
    expect(compiledCharge).toEqual(referenceCharge);
  });

  it('fails closed to the resolver path: a bad id or cursor is answered with the resolver path\'s own error', async () => {
    const badId = await server.execute<any>(`{ customer(id: "nope") { id } }`, { role: 'manager' });
    expect(badId.compiled).toBe(false);
    expect(badId.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await server.execute<any>(`{ customers(first: 2, after: "bm90LWEtY3Vyc29y") { edges { node { id } } } }`, { role: 'manager' });
    expect(badCursor.compiled).toBe(false);
    expect(badCursor.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is what a client over HTTP gets: the same answer as in-process', async () => {
    const http = await server.gql<any>(S2_QUERY, { role: 'manager' });
    const inProcess = await server.execute<any>(S2_QUERY, { role: 'manager' });
    expect(inProcess.compiled).toBe(true);
    expect(http.status).toBe(200);
    expect(withoutDayTotals(http.body)).toEqual(withoutDayTotals(inProcess.body));
  });
});
