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
  const execute: TestServer['execute'] = (query, options = {}) => server.execute(query, { role: 'manager', ...options });

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
