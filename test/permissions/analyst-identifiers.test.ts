import { customerPseudonym } from '../../permissions/pseudonyms';
import { isUuid } from '../../src/input-errors';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * Analysts see no stable direct identifier (issue "Every probe counts", item 6): no archive
 * number, no real customer id — a keyed pseudonym per analyst and purpose — and no filter or cursor
 * that would lead back to one. Each test is the re-identification attempt.
 */
describe('Analysts cannot re-identify customers', () => {
  let server: TestServer;
  let analyst: string;
  let other: string;
  const PAGE = `{ customers(first: 5) { pageInfo { endCursor } edges { cursor node { id kind tier } } } }`;

  beforeAll(async () => {
    server = await startTestServer();
    analyst = await server.member('analyst', 'analyst-study-a');
    other = await server.member('analyst', 'analyst-study-b');
  });
  afterAll(() => server.stop());

  const realIds = async (n = 5) => (await server.db.pool.query(`SELECT id::text FROM customers ORDER BY created_at DESC, id DESC LIMIT $1`, [n])).rows.map((r) => r.id as string);

  it('serves customer ids as pseudonyms: stable for the analyst and purpose, different for another analyst or purpose, never a real id', async () => {
    const first = await server.gql<any>(PAGE, { role: 'analyst', sub: analyst });
    const again = await server.gql<any>(PAGE, { role: 'analyst', sub: analyst });
    const risk = await server.gql<any>(PAGE, { role: 'analyst', sub: analyst, purpose: 'risk_analysis' });
    const colleague = await server.gql<any>(PAGE, { role: 'analyst', sub: other });
    const ids = (r: any) => r.body.data.customers.edges.map((e: any) => e.node.id);
    const real = await realIds();
    expect(ids(first)).toEqual(real.map((id) => customerPseudonym(server.audit.hashValue, analyst, 'statistics', id)));
    expect(ids(again)).toEqual(ids(first));
    for (const pseudonyms of [ids(risk), ids(colleague)]) expect(pseudonyms.filter((p: string) => ids(first).includes(p))).toEqual([]);
    for (const id of [...ids(first), ...ids(risk), ...ids(colleague)]) {
      expect(real).not.toContain(id);
      expect(isUuid(id)).toBe(true);
    }
    // Nor in the cursors: they are opaque.
    const text = JSON.stringify(first.body.data.customers);
    for (const id of real) expect(text).not.toContain(id);
    // A staff role still sees the real ids.
    expect((await server.gql<any>(PAGE, { role: 'manager' })).body.data.customers.edges.map((e: any) => e.node.id)).toEqual(real);
  });

  it('shows no stable id of a customer\'s records either: a transaction id cannot link two purposes or lead a colleague to the customer', async () => {
    const query = `{ customers(first: 3) { edges { node { id transactions(first: 1) { edges { node { id } } } } } } }`;
    const statistics = await server.gql<any>(query, { role: 'analyst', sub: analyst });
    const risk = await server.gql<any>(query, { role: 'analyst', sub: analyst, purpose: 'risk_analysis' });
    const txIds = (r: any) => r.body.data.customers.edges.flatMap((e: any) => e.node.transactions.edges.map((t: any) => t.node.id));
    expect(txIds(statistics).length).toBeGreaterThan(0);
    const real = new Set((await server.db.pool.query(`SELECT id::text FROM transactions`)).rows.map((r) => r.id));
    for (const id of [...txIds(statistics), ...txIds(risk)]) expect(real.has(id)).toBe(false);
    expect(txIds(risk).filter((id: string) => txIds(statistics).includes(id))).toEqual([]);
    // Nothing a colleague could look up: the id the analyst holds is no transaction's.
    const lookup = await server.gql<any>(`query ($id: ID!) { transaction(id: $id) { customer { id } } }`, { role: 'sales', variables: { id: txIds(statistics)[0] } });
    expect(lookup.body.data?.transaction ?? null).toBeNull();
  });

  it('pages on with its opaque cursor', async () => {
    const first = await server.gql<any>(`{ customers(first: 3) { pageInfo { endCursor } edges { node { id } } } }`, { role: 'analyst', sub: analyst });
    const next = await server.gql<any>(`query ($after: String) { customers(first: 3, after: $after) { edges { node { id } } } }`, {
      role: 'analyst', sub: analyst, variables: { after: first.body.data.customers.pageInfo.endCursor },
    });
    expect(next.body.errors).toBeUndefined();
    const all = (await realIds(6)).map((id) => customerPseudonym(server.audit.hashValue, analyst, 'statistics', id));
    expect(next.body.data.customers.edges.map((e: any) => e.node.id)).toEqual(all.slice(3, 6));
  });

  it('refuses the archive number, and filtering or sorting by it, before any SQL', async () => {
    const [{ archive_number: archive }] = (await server.db.pool.query(`SELECT archive_number FROM customers LIMIT 1`)).rows;
    for (const query of [
      `{ customers(first: 5) { edges { node { archiveNumber } } } }`,
      `{ customers(first: 5, filter: { archiveNumber: "${archive}" }) { totalCount } }`,
      `{ customers(first: 5, orderBy: { field: ARCHIVE_NUMBER }) { edges { node { tier } } } }`,
    ]) {
      const { body, statements } = await server.execute<any>(query, { role: 'analyst', sub: analyst });
      expect(body.data ?? null).toBeNull();
      expect(body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(JSON.stringify(body)).not.toContain(archive);
      expect(statements).toBe(0);
    }
  });

  it('finds nothing by a real id it might have learnt elsewhere, and nothing by its own pseudonym (no navigation back)', async () => {
    const [real] = await realIds();
    const byReal = await server.gql<any>(`query ($id: ID!) { customer(id: $id) { tier } }`, { role: 'analyst', sub: analyst, variables: { id: real } });
    // The record is served (tier is clear to analysts), but its id comes back as the pseudonym: nothing links the two for the analyst.
    const withId = await server.gql<any>(`query ($id: ID!) { customer(id: $id) { id } }`, { role: 'analyst', sub: analyst, variables: { id: real } });
    expect(byReal.body.errors).toBeUndefined();
    expect(withId.body.data.customer.id).not.toBe(real);
    const byPseudonym = await server.gql<any>(`query ($id: ID!) { customer(id: $id) { tier } }`, {
      role: 'analyst', sub: analyst, variables: { id: customerPseudonym(server.audit.hashValue, analyst, 'statistics', real) },
    });
    expect(byPseudonym.body.data.customer).toBeNull();
  });
});
