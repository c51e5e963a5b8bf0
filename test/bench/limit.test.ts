/**
 * The bench's `limit` target must answer what the served API answers, or served ÷ limit compares
 * two different things: each hand-written statement against the served response for the same
 * principal, on the seeded data.
 */
import { S2_STATEMENT, S3_STATEMENT, runLimit } from '../../bench/limit';
import { S2_QUERY, S3_QUERY } from '../../bench/scenarios';
import { startTestServer, type TestServer } from '../harness/server';

describe('bench limit statements answer what the server answers', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  async function limitData(statement: string): Promise<any> {
    const client = await server.db.pool.connect();
    try {
      return JSON.parse(await runLimit(client, statement));
    } finally {
      client.release();
    }
  }

  it('S2 as a manager: every name and phone masked, the same 100 customers, contacts and transactions', async () => {
    const served = await server.gql(S2_QUERY, { role: 'manager' });
    expect(served.body.errors).toBeUndefined();
    const limit = await limitData(S2_STATEMENT);
    expect(limit.customers.edges).toHaveLength(100);
    expect(limit).toEqual(served.body.data);
  });

  it('S2 as a sales rep: the same masks — a page of 100 is over the clear budget, so even their own customers are masked', async () => {
    const [{ rep, own }] = (
      await server.db.pool.query(
        `SELECT relationship_manager_id AS rep, count(*)::int AS own FROM (SELECT relationship_manager_id FROM customers ORDER BY created_at DESC, id DESC LIMIT 100) c
         WHERE relationship_manager_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
      )
    ).rows;
    expect(own).toBeGreaterThan(0);
    const served = await server.gql(S2_QUERY, { role: 'sales', sub: rep });
    expect(served.body.errors).toBeUndefined();
    expect(await limitData(S2_STATEMENT)).toEqual(served.body.data);
  });

  it('S3 as an analyst: 1,000 transactions, identifiers and free text removed, amounts clear', async () => {
    const served = await server.gql(S3_QUERY, { role: 'analyst' });
    expect(served.body.errors).toBeUndefined();
    const limit = await limitData(S3_STATEMENT);
    expect(limit.transactions.edges).toHaveLength(1000);
    // Analysts see record ids as keyed pseudonyms: compare them through the server's own mapping.
    const real = await server.realIdsOfPseudonyms();
    const servedData = served.body.data as any;
    for (const edge of servedData.transactions.edges) edge.node.id = real.get(edge.node.id) ?? edge.node.id;
    expect(limit).toEqual(servedData);
  });
});
