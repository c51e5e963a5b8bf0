import { example } from '../harness/examples';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * No N+1: a page of customers with their contacts and last 10 transactions costs the same
 * small number of SQL statements whatever the page size (one per list, batched by DataLoader).
 */
describe('SQL statements per request', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  // Managers read everything masked: no relationship lookups, so only the data statements count.
  // These count the resolver path's batching (what serves every read the compiler does not support).
  const execute: TestServer['execute'] = (query, options = {}) => server.execute(query, { role: 'manager', compiledReads: false, ...options });

  afterAll(() => server.stop());

  it.each([[1], [10], [100]])('"customers with contacts and last 10 transactions" costs 3 statements for %i customers', async (first) => {
    const { body, statements } = await execute<{ customers: { edges: unknown[] } }>(example('CustomersWithContactsAndTransactions'), {
      variables: { first },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!.customers.edges).toHaveLength(first);
    // customers page + contacts of all of them + transactions of all of them
    expect(statements).toBe(3);
  });

  it.each([[1], [10], [100]])('compiled: "customers with contacts and last 10 transactions" is one statement for %i customers', async (first) => {
    const { body, statements, compiled } = await server.execute<{ customers: { edges: unknown[] } }>(example('CustomersWithContactsAndTransactions'), {
      role: 'manager',
      variables: { first },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!.customers.edges).toHaveLength(first);
    expect(compiled).toBe(true);
    expect(statements).toBe(1);
  });

  it('compiled: counts, page info and cursors of every page come from the same one statement', async () => {
    const { body, statements, compiled } = await server.execute<any>(
      `{ customers(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { contacts { totalCount } transactions(first: 10) { totalCount edges { node { id } } } } } } }`,
      { role: 'manager' },
    );
    expect(body.errors).toBeUndefined();
    expect(compiled).toBe(true);
    expect(statements).toBe(1);
  });

  it('adds exactly one statement per totalCount asked for, however many parents', async () => {
    const { statements } = await execute(
      `{ customers(first: 100) { totalCount edges { node { contacts { totalCount } transactions(first: 10) { totalCount edges { node { id } } } } } } }`,
    );
    // 3 lists + customers count + contacts counts + transactions counts
    expect(statements).toBe(6);
  });

  it('batches relations reached from a list: transactions → customer → relationship manager', async () => {
    const { body, statements } = await execute<any>(
      `{ transactions(first: 100) { edges { node { id customer { id relationshipManager { username } } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(statements).toBe(3);
  });

  it('batches the complaint timeline, assignee and customer of a page of complaints', async () => {
    const { statements } = await execute(
      `{ complaints(first: 100) { edges { node { id customer { id } assignee { id } timeline { status } } } } }`,
    );
    expect(statements).toBe(4);
  });
});
