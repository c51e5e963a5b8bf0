import { decodeCursor, encodeCursor } from '../../src/paging/cursor';
import { startTestServer, type TestServer } from '../harness/server';

type Page = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: { id: string; archiveNumber?: string } }[];
};

describe('Pagination', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  const page = async (args: string, variables?: Record<string, unknown>) =>
    server.gql<{ customers: Page }>(
      `query ${args.includes('$after') ? '($after: String)' : ''} { customers(${args}) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id archiveNumber } } } }`,
      { variables },
    );

  it('defaults to 20 per page', async () => {
    const { body } = await page('after: $after');
    expect(body.data!.customers.edges).toHaveLength(20);
    expect(body.data!.customers.pageInfo.hasNextPage).toBe(true);
  });

  it('walks every customer exactly once with first/after, in the requested order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body }: { body: { data?: { customers: Page } | null } } = await page('first: 100, after: $after, orderBy: { field: ARCHIVE_NUMBER, direction: ASC }', { after });
      const customers = body.data!.customers;
      seen.push(...customers.edges.map((e) => e.node.archiveNumber!));
      expect(customers.pageInfo.hasPreviousPage).toBe(after !== null);
      pages++;
      if (!customers.pageInfo.hasNextPage) break;
      after = customers.pageInfo.endCursor;
    }
    const { rows } = await server.pool.query(`SELECT archive_number FROM customers ORDER BY archive_number`);
    expect(seen).toEqual(rows.map((r) => r.archive_number));
    expect(pages).toBe(Math.ceil(rows.length / 100));
  });

  it('first: 0 returns no edges but still the count and whether there is more', async () => {
    const { body } = await page('first: 0');
    expect(body.data!.customers.edges).toEqual([]);
    expect(body.data!.customers.totalCount).toBeGreaterThan(0);
    expect(body.data!.customers.pageInfo).toMatchObject({ hasNextPage: true, startCursor: null, endCursor: null });
  });

  it.each([[101], [-1], [1_000_000]])('refuses first: %i with BAD_USER_INPUT naming the argument', async (first) => {
    const { body } = await page(`first: ${first}`);
    expect(body.data).toBeNull();
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(body.errors![0].message).toMatch(/between 0 and 100/);
  });

  describe('page size per role (the policy\'s limits.pageSize)', () => {
    const transactions = (role: 'analyst' | 'sales' | 'manager', first: number) =>
      server.gql<{ transactions: { edges: unknown[] } }>(`{ transactions(first: ${first}) { edges { node { id amount } } } }`, { role });

    it('lets an analyst read 1,000 rows in one page (de-identified bulk reads)', async () => {
      const { rows } = await server.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions');
      const { body } = await transactions('analyst', 1000);
      expect(body.errors).toBeUndefined();
      expect(body.data!.transactions.edges).toHaveLength(Math.min(1000, rows[0].n));
      expect(rows[0].n).toBeGreaterThan(1000);
    });

    it.each([['sales' as const], ['manager' as const]])('refuses %s a page over 100, naming first and the limit', async (role) => {
      const { body } = await transactions(role, 101);
      expect(body.data).toBeNull();
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      expect(body.errors![0].message).toMatch(/between 0 and 100/);
    });

    it('refuses an analyst a page over 1,000 and a nested page over it alike', async () => {
      const flat = await transactions('analyst', 1001);
      expect(flat.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      expect(flat.body.errors![0].message).toMatch(/between 0 and 1000/);
      const nested = await server.gql(`{ customers(first: 1) { edges { node { transactions(first: 1001) { totalCount } } } } }`, { role: 'analyst' });
      expect(nested.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    });
  });

  it('applies the same limit to nested connections', async () => {
    const { body } = await server.gql(`{ customers(first: 1) { edges { node { transactions(first: 500) { totalCount } } } } }`);
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('refuses a cursor from another list, a garbage cursor and a tampered one', async () => {
    const { rows } = await server.pool.query(`SELECT id FROM transactions LIMIT 1`);
    for (const after of [encodeCursor('transactions', rows[0].id), 'not-a-cursor', Buffer.from('customers:1 OR 1=1').toString('base64url')]) {
      const { body } = await page('first: 5, after: $after', { after });
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });

  it('encodes only the record key in cursors (no names, numbers or sort values), encrypted: opaque even to the caller', async () => {
    const { body } = await page('first: 3, orderBy: { field: ARCHIVE_NUMBER, direction: DESC }');
    expect(body.data!.customers.edges).toHaveLength(3);
    for (const edge of body.data!.customers.edges) {
      expect(decodeCursor('customers', edge.cursor)).toBe(edge.node.id);
      expect(Buffer.from(edge.cursor, 'base64url').toString('latin1')).not.toContain(edge.node.id);
      expect(() => decodeCursor('transactions', edge.cursor)).toThrow(/not a cursor of this list/);
    }
  });

  it('refuses a cursor whose record was deleted instead of silently ending the list', async () => {
    const { rows } = await server.pool.query(`SELECT customer_id AS id FROM contacts GROUP BY 1 HAVING count(*) >= 3 LIMIT 1`);
    const query = `query ($id: ID!, $after: String) { customer(id: $id) { contacts(first: 1, after: $after) { totalCount pageInfo { endCursor } edges { node { id } } } } }`;
    const first = await server.gql<any>(query, { variables: { id: rows[0].id } });
    const cursor = first.body.data.customer.contacts.pageInfo.endCursor;
    const removed = await server.gql(`mutation ($id: ID!) { removeContact(id: $id) }`, { role: 'manager', variables: { id: first.body.data.customer.contacts.edges[0].node.id } });
    expect(removed.body.errors).toBeUndefined();
    const after = await server.gql(query, { variables: { id: rows[0].id, after: cursor } });
    expect(after.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('fails only the nested field whose filter is bad, naming the argument', async () => {
    const { body } = await server.gql<any>(
      `{ customers(first: 2) { edges { node { good: complaints { totalCount } bad: complaints(filter: { assigneeId: "nope" }) { totalCount } } } } }`,
    );
    expect(body.errors![0].path).toEqual(['customers', 'edges', 0, 'node', 'bad']);
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.assigneeId' });
    expect(body.data.customers.edges[0].node.good.totalCount).toEqual(expect.any(Number));
  });

  it('pages a nested connection with its own cursor', async () => {
    const { rows } = await server.pool.query(`SELECT customer_id AS id FROM transactions GROUP BY 1 HAVING count(*) > 30 LIMIT 1`);
    const query = `query ($id: ID!, $after: String) { customer(id: $id) { transactions(first: 10, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }`;
    const first = await server.gql<any>(query, { variables: { id: rows[0].id } });
    const second = await server.gql<any>(query, { variables: { id: rows[0].id, after: first.body.data.customer.transactions.pageInfo.endCursor } });
    const { rows: expected } = await server.pool.query(
      `SELECT id FROM transactions WHERE customer_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 20`,
      [rows[0].id],
    );
    const ids = [...first.body.data.customer.transactions.edges, ...second.body.data.customer.transactions.edges].map((e: any) => e.node.id);
    expect(ids).toEqual(expected.map((r) => r.id));
  });
});
