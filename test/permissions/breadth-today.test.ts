import { maskAddress } from '../../permissions/masks';
import { ROLE_POLICIES } from '../../permissions/policy';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * Breadth across requests (issue "Every probe counts", item 7): the identifying fields of one
 * customer shown clear to a person accumulate over the day, so small requests cannot add up to
 * more than one request may show clear together (the role's clear breadth).
 */
describe('Clear breadth holds across the requests of a day', () => {
  let server: TestServer;
  let own: { id: string; name: string; phone: string; email: string; address: string };
  const QUERY = (fields: string) => `query ($id: ID!) { customer(id: $id) { ${fields} } }`;
  const BREADTH = ROLE_POLICIES.sales.exposure.clearBreadth;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  /** A rep of their own (a day of their own), made the relationship manager of one customer. */
  async function freshRep(label: string) {
    const rep = await server.member('sales', `breadth-${label}-${Date.now()}`);
    const [{ id }] = (await server.db.pool.query<{ id: string }>(
      `UPDATE customers SET relationship_manager_id = $1
       WHERE id = (SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND phone_sealed IS NOT NULL AND email_sealed IS NOT NULL AND address_sealed IS NOT NULL
                   AND status = 'ACTIVE' AND relationship_manager_id IS DISTINCT FROM $1 ORDER BY random() LIMIT 1)
       RETURNING id`,
      [rep],
    )).rows;
    // Ground truth: the stored row with its sealed fields opened (the plaintext columns are NULL).
    [own] = await server.clearRows<typeof own>('customers', 't.id = $1', [id]);
    expect([own.phone, own.email, own.address]).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    return rep;
  }

  it(`shows at most ${BREADTH} identifying fields of a customer clear in a day, however many requests ask`, async () => {
    expect(BREADTH).toBe(3);
    const rep = await freshRep('a');
    const first = await server.gql<any>(QUERY('name phone email'), { role: 'sales', sub: rep, variables: { id: own.id } });
    expect(first.body.data.customer).toEqual({ name: own.name, phone: own.phone, email: own.email });
    // A fourth identifying field, asked alone in the next request: masked, and the reason says why.
    const second = await server.gql<any>(QUERY('address'), { role: 'sales', sub: rep, variables: { id: own.id } });
    expect(second.body.data.customer.address).toBe(maskAddress(own.address));
    expect(second.body.extensions!.privacy.fields).toContainEqual(expect.objectContaining({ field: 'Customer.address', decision: 'MASK', reason: 'BREADTH_TODAY' }));
    // What was shown today stays shown.
    const third = await server.gql<any>(QUERY('phone'), { role: 'sales', sub: rep, variables: { id: own.id } });
    expect(third.body.data.customer.phone).toBe(own.phone);
  });

  it('is the same whether the fields come one request at a time or together', async () => {
    const rep = await freshRep('b');
    for (const field of ['name', 'phone', 'email']) {
      expect((await server.gql<any>(QUERY(field), { role: 'sales', sub: rep, variables: { id: own.id } })).body.data.customer[field]).toBe(own[field as 'name']);
    }
    const together = await server.gql<any>(QUERY('name phone email address'), { role: 'sales', sub: rep, variables: { id: own.id } });
    expect(together.body.data.customer).toEqual({ name: own.name, phone: own.phone, email: own.email, address: maskAddress(own.address) });
  });

  it('holds for requests sent at the same time (each new field is admitted in one atomic step)', async () => {
    const rep = await freshRep('race');
    const answers = await Promise.all([
      server.gql<any>(QUERY('name phone email'), { role: 'sales', sub: rep, variables: { id: own.id } }),
      server.gql<any>(QUERY('address'), { role: 'sales', sub: rep, variables: { id: own.id } }),
      server.gql<any>(QUERY('name address'), { role: 'sales', sub: rep, variables: { id: own.id } }),
    ]);
    const clearFields = new Set<string>();
    for (const a of answers) {
      for (const [field, value] of Object.entries(a.body.data.customer)) if (value === own[field as keyof typeof own]) clearFields.add(field);
    }
    expect(clearFields.size).toBeLessThanOrEqual(BREADTH);
  });

  it('is kept per person: another rep of the same customer has a day of its own', async () => {
    const first = await freshRep('c');
    await server.gql<any>(QUERY('name phone email'), { role: 'sales', sub: first, variables: { id: own.id } });
    const second = await server.member('sales', `breadth-d-${Date.now()}`);
    await server.db.pool.query(`UPDATE customers SET relationship_manager_id = $1 WHERE id = $2`, [second, own.id]);
    expect((await server.gql<any>(QUERY('address'), { role: 'sales', sub: second, variables: { id: own.id } })).body.data.customer.address).toBe(own.address);
  });
});
