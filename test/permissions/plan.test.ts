import { POLICY_VERSION } from '../../permissions/policy';
import { maskPhone } from '../../permissions/masks';
import { withoutDayTotals } from '../harness/privacy';
import { startTestServer, type TestServer } from '../harness/server';



describe('The query plan: purpose, exposure, explanation and writes', () => {
  let server: TestServer;
  let rep: string;
  let own: { id: string; phone: string; birth_date: string };
  let other: { id: string };
  let agent: string;
  let assigned: { id: string; phone: string; birth_date: string };
  const sql = async <T = any>(text: string, values: unknown[] = []) => (await server.pool.query(text, values)).rows as T[];

  beforeAll(async () => {
    server = await startTestServer();
    [{ id: rep }] = await sql(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    // Ground truth with the sealed fields opened (the plaintext columns are NULL).
    [own] = await server.clearRows('customers', `t.relationship_manager_id = $1 AND t.kind = 'INDIVIDUAL' AND t.phone_sealed IS NOT NULL`, [rep], 'ORDER BY t.id LIMIT 1');
    [other] = await sql(`SELECT id FROM customers WHERE relationship_manager_id <> $1 ORDER BY id LIMIT 1`, [rep]);
    [{ id: agent }] = await sql(`SELECT assignee_id AS id FROM complaints WHERE status IN ('RECEIVED', 'ASSIGNED', 'INVESTIGATING') AND assignee_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    [assigned] = await server.clearRows(
      'customers',
      `EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = t.id AND k.assignee_id = $1 AND k.status IN ('RECEIVED', 'ASSIGNED', 'INVESTIGATING'))
       AND t.kind = 'INDIVIDUAL' AND t.phone_sealed IS NOT NULL AND t.birth_date_sealed IS NOT NULL`,
      [agent],
      'ORDER BY t.id LIMIT 1',
    );
    expect([own.phone, assigned.phone, assigned.birth_date]).toEqual([expect.any(String), expect.any(String), expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);
  });
  afterAll(() => server.stop());

  describe('Purpose of use', () => {
    const q = `query ($id: ID!) { customer(id: $id) { phone birthDate } }`;

    it('applies the declared usual purpose, and says which in the explanation (birth date to the year only)', async () => {
      const { body }: { body: any } = await server.gql(q, { role: 'service', sub: agent, variables: { id: assigned.id } });
      expect(body.extensions.privacy.purpose).toBe('complaint_handling');
      expect(body.data.customer).toEqual({ phone: assigned.phone, birthDate: null });
      expect(body.extensions.privacy.fields.find((f: any) => f.field === 'Customer.birthDate')).toMatchObject({ decision: 'MASK', reason: 'NOT_PURPOSE' });
    });

    it('lets a service agent verifying identity read the birth date of a customer whose complaint they handle (X-Purpose header)', async () => {
      const { body }: { body: any } = await server.gql(q, { role: 'service', sub: agent, variables: { id: assigned.id }, headers: { 'x-purpose': 'identity_verification' } });
      expect(body.data.customer).toEqual({ phone: assigned.phone, birthDate: assigned.birth_date });
      expect(body.extensions.privacy.purpose).toBe('identity_verification');
    });

    it('takes the purpose from extensions.purpose too', async () => {
      const token = await server.token({ role: 'service', sub: agent });
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: q, variables: { id: assigned.id }, extensions: { purpose: 'identity_verification' } }),
      });
      const body = (await response.json()) as any;
      expect(body.data.customer.birthDate).toBe(assigned.birth_date);
    });

    it('refuses a purpose the role may not declare, listing the allowed ones, before any SQL', async () => {
      const { status, body }: { status: number; body: any } = await server.gql(q, { role: 'sales', sub: rep, variables: { id: own.id }, headers: { 'x-purpose': 'identity_verification' } });
      expect(status).toBe(403);
      expect(body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', allowedPurposes: ['relationship_management'] });
      expect(body.data).toBeUndefined();
      const unknown = await server.gql<any>(q, { role: 'sales', sub: rep, variables: { id: own.id }, headers: { 'x-purpose': 'curiosity 13812345678' } });
      expect(unknown.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect(JSON.stringify(unknown.body)).not.toContain('13812345678');
    });
  });

  describe('Exposure', () => {
    it('lets a sales rep read one own customer phone clear, but masks a page of 100 phones (clear budget)', async () => {
      const { body }: { body: any } = await server.execute(
        `query ($id: ID!, $rm: ID) { one: customer(id: $id) { phone } page: customers(first: 100, filter: { relationshipManagerId: $rm }) { edges { node { phone } } } }`,
        { role: 'sales', sub: rep, variables: { id: own.id, rm: rep } },
      );
      expect(body.data.one.phone).toBe(own.phone);
      const pagePhones = body.data.page.edges.map((e: any) => e.node.phone);
      expect(pagePhones).toContain(maskPhone(own.phone));
      expect(pagePhones).not.toContain(own.phone);
      const fields = body.extensions.privacy.fields;
      expect(fields).toContainEqual(expect.objectContaining({ path: 'one.phone', decision: 'CLEAR', reason: 'OWN_CUSTOMER', count: 1 }));
      expect(fields).toContainEqual(expect.objectContaining({ path: 'page.edges.node.phone', decision: 'MASK', reason: 'EXPOSURE_CLEAR_BUDGET' }));
      expect(body.extensions.privacy.exposure).toMatchObject({ volume: 101, clearVolume: 1, clearBudget: 20 });
    });

    it('masks the identifying fields beyond the clear breadth, the most sensitive first (COMBINATION)', async () => {
      const { body }: { body: any } = await server.execute(`query ($id: ID!) { customer(id: $id) { name phone email address } }`, { role: 'sales', sub: rep, variables: { id: own.id } });
      const byField = Object.fromEntries(body.extensions.privacy.fields.map((f: any) => [f.field, f]));
      expect(byField['Customer.name']).toMatchObject({ decision: 'CLEAR' });
      expect(byField['Customer.phone']).toMatchObject({ decision: 'CLEAR' });
      expect(byField['Customer.email']).toMatchObject({ decision: 'CLEAR' });
      expect(byField['Customer.address']).toMatchObject({ decision: 'MASK', strategy: 'address', reason: 'COMBINATION' });
      expect(body.extensions.privacy.exposure.breadth).toBe(4);
    });

    it('refuses a sales rep 100 customers with ID numbers, phones, cards and 10 transactions each — before any SQL, with figures and advice', async () => {
      const query = `{ customers(first: 100) { edges { node { idNumber phone bankCardNumber transactions(first: 10) { edges { node { accountNumber counterpartyAccount } } } } } } }`;
      const { body, statements }: { body: any; statements: number } = await server.execute(query, { role: 'sales', sub: rep });
      expect(statements).toBe(0);
      expect(body.data).toBeUndefined();
      expect(body.errors[0].extensions).toMatchObject({ code: 'EXPOSURE_LIMIT', volume: 2300, limit: 2000 });
      expect(body.errors[0].extensions.contributors[0]).toEqual({ path: 'customers.edges.node.transactions.edges.node.accountNumber', values: 1000 });
      expect(body.errors[0].extensions.suggestion).toMatch(/first/);
      expect(body.errors[0].message).toBe('Exposure limit: this operation asks for 2300 sensitive values; the limit for this role is 2000');
    });

    it('lets an analyst read 100 de-identified customers: identifiers removed, quasi-identifiers generalised', async () => {
      const { body }: { body: any } = await server.execute(`{ customers(first: 100) { edges { node { name idNumber birthDate annualIncome creditRating } } } }`, { role: 'analyst' });
      expect(body.errors).toBeUndefined();
      for (const { node } of body.data.customers.edges) {
        expect(node.name).toBeNull();
        expect(node.idNumber).toBeNull();
        if (node.birthDate !== null) expect(node.birthDate).toMatch(/^\d{4}-\*\*-\*\*$/);
        if (node.annualIncome !== null) expect(node.annualIncome).toMatch(/^\d+(-\d+|\+)$/);
      }
    });
  });

  describe('The explanation (extensions.privacy)', () => {
    it('names the policy version, role, purpose, figures and per path the decision, reason and count', async () => {
      const { body }: { body: any } = await server.execute(`{ customers(first: 3) { edges { node { id idNumber creditRating } } } }`, { role: 'manager' });
      expect(body.extensions.privacy).toEqual({
        policyVersion: POLICY_VERSION,
        role: 'manager',
        purpose: 'supervision',
        // The manager holds no clear-access grant: settled for the whole request (reason NOT_GRANT), nothing can come out clear.
        exposure: { volume: 3, clearVolume: 0, breadth: 1, clearBudget: 20, clearBreadth: 3, hardLimit: 5000 },
        fields: [
          { path: 'customers.edges.node.creditRating', field: 'Customer.creditRating', decision: 'REMOVE', reason: 'NOT_GRANT', count: 3 },
          { path: 'customers.edges.node.idNumber', field: 'Customer.idNumber', decision: 'MASK', strategy: 'idNumber', reason: 'NOT_GRANT', count: 3 },
        ],
        // The day's budget after this operation (what it spent; used and left depend on earlier tests).
        budget: expect.objectContaining({ daily: { clear: 2000, masked: 10_000_000, probes: 100 }, thisRequest: { clear: 0, masked: 3, probes: 0 } }),
      });
    });

    it('is absent when the operation touches no sensitive field', async () => {
      const { body }: { body: any } = await server.execute(`{ customers(first: 3) { edges { node { id tier } } } }`, { role: 'manager' });
      expect(body.extensions?.privacy).toBeUndefined();
    });
  });

  describe('Relationships are decided with batched lookups', () => {

    it('costs one statement for the own-customer check of every contact on the page', async () => {
      const query = `query ($rm: ID) { customers(first: 2, filter: { relationshipManagerId: $rm, kind: CORPORATE }) { edges { node { contacts(first: 2) { edges { node { name } } } } } } }`;
      // The resolver path (what serves reads the compiler does not support) batches the relationship.
      const { body, statements }: { body: any; statements: number } = await server.execute(query, { role: 'sales', sub: rep, variables: { rm: rep }, compiledReads: false });
      expect(body.errors).toBeUndefined();
      expect(body.extensions.privacy.fields.every((f: any) => f.decision === 'CLEAR')).toBe(true);
      // customers page + contacts of both + one batched customer lookup for the relationship
      expect(statements).toBe(3);
      // Compiled (permissions/engine/compiler): the relationship is a column of the contacts' page, in the one statement.
      const compiled = await server.execute(query, { role: 'sales', sub: rep, variables: { rm: rep } });
      expect(compiled.compiled).toBe(true);
      expect(withoutDayTotals(compiled.body)).toEqual(withoutDayTotals(body));
      expect(compiled.statements).toBe(1);
    });

    it('costs one statement for the open-complaint check of every customer on the page', async () => {
      const query = `query ($a: ID) { complaints(first: 5, filter: { assigneeId: $a }) { edges { node { customer { phone } } } } }`;
      const { body, statements }: { body: any; statements: number } = await server.execute(query, { role: 'service', sub: agent, variables: { a: agent }, compiledReads: false });
      expect(body.errors).toBeUndefined();
      // complaints page + their customers + one batched open-complaint lookup (the resolver path)
      expect(statements).toBe(3);
      // Compiled: the open-complaint check is a column of the customers' rows, in the one statement.
      const compiled = await server.execute(query, { role: 'service', sub: agent, variables: { a: agent } });
      expect(compiled.compiled).toBe(true);
      expect(withoutDayTotals(compiled.body)).toEqual(withoutDayTotals(body));
      expect(compiled.statements).toBe(1);
    });
  });

  describe('Writes (mass assignment, own records)', () => {
    it('refuses an input field the role may not set, naming it, before any SQL', async () => {
      const { body, statements }: { body: any; statements: number } = await server.execute(`mutation ($id: ID!) { updateCustomer(id: $id, input: { creditRating: AAA }) { id } }`, {
        role: 'sales',
        sub: rep,
        variables: { id: own.id },
      });
      expect(statements).toBe(0);
      expect(body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', fields: ['updateCustomer(input.creditRating)'] });
    });

    it("refuses a sales rep's change to another rep's customer and writes nothing", async () => {
      const before = await sql(`SELECT updated_at, tier FROM customers WHERE id = $1`, [other.id]);
      const { body }: { body: any } = await server.execute(`mutation ($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { id } }`, { role: 'sales', sub: rep, variables: { id: other.id } });
      expect(body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_CUSTOMER' });
      expect(await sql(`SELECT updated_at, tier FROM customers WHERE id = $1`, [other.id])).toEqual(before);
    });

    it('refuses customer writes to administrators (separation of duties)', async () => {
      const { body, statements }: { body: any; statements: number } = await server.execute(`mutation ($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { id } }`, { role: 'admin', variables: { id: own.id } });
      expect(statements).toBe(0);
      expect(body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', fields: ['Mutation.updateCustomer'] });
    });
  });
});
