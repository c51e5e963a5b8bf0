import { maskName } from '../../permissions/masks';
import { example } from '../harness/examples';
import { startTestServer, type TestServer } from '../harness/server';

type Edges<T> = { totalCount: number; edges: { cursor: string; node: T }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

describe('Queries', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.pool.query(text, values)).rows as T[];
  }

  it('FirstCustomers: counts every customer and returns the newest five', async () => {
    const { body } = await server.gql<{ customers: Edges<{ id: string; name: string; idNumber: string | null }> }>(example('FirstCustomers'));
    expect(body.errors).toBeUndefined();
    const expected = await sql<{ id: string }>(`SELECT id FROM customers ORDER BY created_at DESC, id DESC LIMIT 5`);
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM customers`);
    expect(body.data!.customers.totalCount).toBe(n);
    expect(body.data!.customers.edges.map((e) => e.node.id)).toEqual(expected.map((r) => r.id));
  });

  it('CustomerDetail: a customer with its manager, contacts, last transactions and complaints', async () => {
    const [corporate] = await sql<{ id: string; rm: string }>(
      `SELECT c.id, s.username AS rm FROM customers c JOIN staff s ON s.id = c.relationship_manager_id
       WHERE c.kind = 'CORPORATE' AND EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id)
         AND EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = c.id)
       ORDER BY c.archive_number LIMIT 1`,
    );
    expect(corporate).toBeDefined();
    const { body } = await server.gql<{ customer: Record<string, any> }>(example('CustomerDetail'), { variables: { id: corporate.id } });
    expect(body.errors).toBeUndefined();
    const customer = body.data!.customer;
    expect(customer.relationshipManager.username).toBe(corporate.rm);
    const contacts = await sql(`SELECT name FROM contacts WHERE customer_id = $1 ORDER BY created_at, id`, [corporate.id]);
    // An administrator reads names masked (surname only).
    expect(customer.contacts.edges.map((e: any) => e.node.name)).toEqual(contacts.map((c) => maskName(c.name as string)));
    const transactions = await sql<{ id: string; amount: string }>(
      `SELECT id, amount::text FROM transactions WHERE customer_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 10`,
      [corporate.id],
    );
    expect(customer.transactions.edges.map((e: any) => [e.node.id, e.node.amount])).toEqual(transactions.map((t) => [t.id, t.amount]));
    expect(typeof customer.transactions.edges[0].node.amount).toBe('string');
    const complaints = await sql<{ id: string }>(`SELECT id FROM complaints WHERE customer_id = $1 ORDER BY received_at DESC, id DESC`, [corporate.id]);
    expect(complaints.length).toBeGreaterThan(0);
    expect(customer.complaints.totalCount).toBe(complaints.length);
    expect(customer.complaints.edges.map((e: any) => e.node.id)).toEqual(complaints.map((k) => k.id));
  });

  it('filters a customer\'s nested transactions', async () => {
    const [heavy] = await sql<{ id: string }>(`SELECT customer_id AS id FROM transactions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`);
    const { body } = await server.gql<any>(
      `query ($id: ID!) { customer(id: $id) { transactions(first: 100, filter: { direction: CREDIT, minAmount: "500" }) { totalCount edges { node { id } } } } }`,
      { variables: { id: heavy.id } },
    );
    const expected = await sql<{ id: string }>(
      `SELECT id FROM transactions WHERE customer_id = $1 AND direction = 'CREDIT' AND amount >= 500 ORDER BY occurred_at DESC, id DESC`,
      [heavy.id],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(body.data.customer.transactions.totalCount).toBe(expected.length);
    expect(body.data.customer.transactions.edges.map((e: any) => e.node.id)).toEqual(expected.slice(0, 100).map((r) => r.id));
  });

  it('nested pages read the columns each selection needs: aliases, fragments and inline fragments get their own fields right', async () => {
    const [customer] = await sql<{ id: string }>(
      `SELECT customer_id AS id FROM transactions GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 1`,
    );
    const query = `query ($id: ID!) { customer(id: $id) {
      a: transactions(first: 3) { edges { node { id amount } } }
      b: transactions(first: 3) { edges { node { ...T ... on Transaction { status } } } }
      contacts { edges { node { position } } }
    } } fragment T on Transaction { channel product occurredAt }`;
    const { body } = await server.execute<any>(query, { role: 'manager', variables: { id: customer.id } });
    expect(body.errors).toBeUndefined();
    const rows = await sql<{ id: string; amount: string; channel: string; product: string; occurred_at: Date; status: string }>(
      `SELECT id, amount::text, channel, product, occurred_at, status FROM transactions WHERE customer_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 3`,
      [customer.id],
    );
    expect(body.data.customer.a.edges.map((e: any) => e.node)).toEqual(rows.map((r) => ({ id: r.id, amount: r.amount })));
    expect(body.data.customer.b.edges.map((e: any) => e.node)).toEqual(
      rows.map((r) => ({ channel: r.channel, product: r.product, occurredAt: r.occurred_at.toISOString(), status: r.status })),
    );
  });

  it('customer(id) returns null for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = await server.gql(`{ customer(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(unknown.body).toEqual({ data: { customer: null } });
    const malformed = await server.gql(`{ customer(id: "1 OR 1=1") { id } }`);
    expect(malformed.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it.each([
    ['kind', '{ kind: CORPORATE }', `kind = 'CORPORATE'`],
    ['tier', '{ tier: KEY }', `tier = 'KEY'`],
    ['status', '{ status: CLOSED }', `status = 'CLOSED'`],
    ['creation range', '{ createdFrom: "2024-01-01T00:00:00Z", createdTo: "2025-01-01T00:00:00Z" }', `created_at >= '2024-01-01Z' AND created_at < '2025-01-01Z'`],
  ])('filters customers by %s', async (_label, filter, condition) => {
    const { body } = await server.gql<{ customers: Edges<{ id: string }> }>(`{ customers(first: 100, filter: ${filter}) { totalCount edges { node { id } } } }`);
    const expected = await sql<{ id: string }>(`SELECT id FROM customers WHERE ${condition} ORDER BY created_at DESC, id DESC`);
    expect(expected.length).toBeGreaterThan(0);
    expect(body.data!.customers.totalCount).toBe(expected.length);
    expect(body.data!.customers.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 100).map((r) => r.id));
  });

  it('KeyCustomersOfManager: filters by relationship manager and sorts by archive number', async () => {
    const [rm] = await sql<{ id: string }>(
      `SELECT relationship_manager_id AS id FROM customers WHERE tier = 'KEY' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    );
    const { body } = await server.gql<{ customers: Edges<{ archiveNumber: string }> }>(example('KeyCustomersOfManager'), { variables: { managerId: rm.id } });
    const expected = await sql<{ archive_number: string }>(
      `SELECT archive_number FROM customers WHERE tier = 'KEY' AND relationship_manager_id = $1 ORDER BY archive_number`,
      [rm.id],
    );
    expect(body.data!.customers.edges.map((e) => e.node.archiveNumber)).toEqual(expected.slice(0, 20).map((r) => r.archive_number));
  });

  it('LargeTransactionsOfCustomer: filters transactions by customer, date and amount', async () => {
    const [heavy] = await sql<{ id: string }>(`SELECT customer_id AS id FROM transactions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    const variables = { customerId: heavy.id, from: '2024-06-01T00:00:00Z', minAmount: '1000.00' };
    const { body } = await server.gql<{ transactions: Edges<{ id: string; amount: string; customer: { id: string } }> }>(
      example('LargeTransactionsOfCustomer'),
      { variables },
    );
    expect(body.errors).toBeUndefined();
    const expected = await sql<{ id: string }>(
      `SELECT id FROM transactions WHERE customer_id = $1 AND occurred_at >= $2 AND amount >= 1000 ORDER BY occurred_at DESC, id DESC`,
      [heavy.id, variables.from],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(body.data!.transactions.totalCount).toBe(expected.length);
    expect(body.data!.transactions.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 50).map((r) => r.id));
    expect(new Set(body.data!.transactions.edges.map((e) => e.node.customer.id))).toEqual(new Set([heavy.id]));
  });

  it.each([
    ['direction', '{ direction: CREDIT }', `direction = 'CREDIT'`],
    ['channel', '{ channel: ATM }', `channel = 'ATM'`],
    ['amount range', '{ minAmount: "100", maxAmount: "200.50" }', `amount BETWEEN 100 AND 200.50`],
    ['date range', '{ occurredFrom: "2026-10-01T00:00:00Z", occurredTo: "2026-10-15T00:00:00Z" }', `occurred_at >= '2026-10-01Z' AND occurred_at < '2026-10-15Z'`],
  ])('filters transactions by %s', async (_label, filter, condition) => {
    const { body } = await server.gql<{ transactions: Edges<{ id: string }> }>(`{ transactions(first: 100, filter: ${filter}) { totalCount edges { node { id } } } }`);
    const expected = await sql<{ id: string }>(`SELECT id FROM transactions WHERE ${condition} ORDER BY occurred_at DESC, id DESC`);
    expect(expected.length).toBeGreaterThan(0);
    expect(body.data!.transactions.totalCount).toBe(expected.length);
    expect(body.data!.transactions.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 100).map((r) => r.id));
  });

  it('OverdueComplaints: past due and open, or closed late — with customer, assignee and timeline', async () => {
    const { body } = await server.gql<{ complaints: Edges<Record<string, any>> }>(example('OverdueComplaints'));
    expect(body.errors).toBeUndefined();
    const expected = await sql<{ id: string }>(
      `SELECT id FROM complaints WHERE (closed_at IS NULL AND due_at < now()) OR closed_at > due_at ORDER BY received_at DESC, id DESC`,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(body.data!.complaints.totalCount).toBe(expected.length);
    expect(body.data!.complaints.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 50).map((r) => r.id));
    for (const { node } of body.data!.complaints.edges) {
      expect(node.overdue).toBe(true);
      expect(node.customer.id).toMatch(/-/);
      expect(node.timeline[0].status).toBe('RECEIVED');
      // Received and acknowledged complaints wait for a manager to assign them.
      if (!['RECEIVED', 'ACKNOWLEDGED'].includes(node.status)) expect(node.assignee.username).toMatch(/^service/);
    }
  });

  it('lists the complaints that are not overdue with overdue: false', async () => {
    const { body } = await server.gql<{ complaints: Edges<{ id: string; overdue: boolean }> }>(`{ complaints(first: 100, filter: { overdue: false }) { totalCount edges { node { id overdue } } } }`);
    const expected = await sql<{ id: string }>(
      `SELECT id FROM complaints WHERE NOT ((closed_at IS NULL AND due_at < now()) OR closed_at > due_at) ORDER BY received_at DESC, id DESC`,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(body.data!.complaints.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 100).map((r) => r.id));
    expect(body.data!.complaints.edges.every((e) => !e.node.overdue)).toBe(true);
  });

  it('filters complaints by status and assignee', async () => {
    const [assignee] = await sql<{ id: string }>(
      `SELECT assignee_id AS id FROM complaints WHERE status = 'CLOSED' AND assignee_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    const { body } = await server.gql<{ complaints: Edges<{ id: string }> }>(
      `query ($a: ID!) { complaints(first: 100, filter: { status: CLOSED, assigneeId: $a }) { totalCount edges { node { id } } } }`,
      { variables: { a: assignee.id } },
    );
    const expected = await sql<{ id: string }>(`SELECT id FROM complaints WHERE status = 'CLOSED' AND assignee_id = $1 ORDER BY received_at DESC, id DESC`, [assignee.id]);
    expect(expected.length).toBeGreaterThan(0);
    expect(body.data!.complaints.totalCount).toBe(expected.length);
    expect(body.data!.complaints.edges.map((e) => e.node.id)).toEqual(expected.map((r) => r.id));
  });

  it('transaction(id) and complaint(id) resolve their customer', async () => {
    const [t] = await sql<{ id: string; customer_id: string }>(`SELECT id, customer_id FROM transactions LIMIT 1`);
    const [k] = await sql<{ id: string; customer_id: string }>(`SELECT id, customer_id FROM complaints LIMIT 1`);
    const { body } = await server.gql<any>(`query ($t: ID!, $k: ID!) { transaction(id: $t) { customer { id } } complaint(id: $k) { customer { id } } }`, {
      variables: { t: t.id, k: k.id },
    });
    expect(body.data.transaction.customer.id).toBe(t.customer_id);
    expect(body.data.complaint.customer.id).toBe(k.customer_id);
  });

  it('me: the verified principal and, for a staff subject, the staff record', async () => {
    const [rep] = await sql<{ id: string; username: string }>(`SELECT id, username FROM staff WHERE role = 'sales' LIMIT 1`);
    const { body } = await server.gql<any>(example('Me'), { role: 'sales', sub: rep.id });
    expect(body.data.me).toMatchObject({ sub: rep.id, role: 'SALES', scopes: [], staffMember: { id: rep.id, username: rep.username, role: 'SALES' } });
  });
});
