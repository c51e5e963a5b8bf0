import { withLuhnDigit } from '../../src/domain/bank-card';
import { buildCreditCode } from '../../src/domain/credit-code';
import { buildNationalId } from '../../src/domain/national-id';
import { maskBirthDate, maskCard, maskName } from '../../permissions/masks';
import { example } from '../harness/examples';
import { startTestServer, type TestServer } from '../harness/server';

describe('Mutations', () => {
  let server: TestServer;
  let salesRepId: string;
  let serviceAgentId: string;

  beforeAll(async () => {
    server = await startTestServer();
    // The busiest rep: has individuals, corporates and customers without contacts among their own.
    salesRepId = (await server.pool.query(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows[0].id;
    serviceAgentId = (await server.pool.query(`SELECT id FROM staff WHERE role = 'service' LIMIT 1`)).rows[0].id;
  });

  afterAll(() => server.stop());

  // Customers these tests create have no relationship manager (naming one only opens a request a
  // second manager decides: test/relationship), so their data reads back masked to the rep.
  const gql: TestServer['gql'] = (query, options = {}) => server.gql(query, { role: 'sales', sub: salesRepId, ...options });

  const count = async (table: string) => Number((await server.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  const individual = (overrides: Record<string, unknown> = {}) => ({
    kind: 'INDIVIDUAL',
    name: '测试用户',
    idNumber: buildNationalId('310101', '1990-07-15', 123, 'MALE'),
    phone: '13912345678',
    email: 'test.user@example.com',
    bankCardNumber: withLuhnDigit('622202000011112222'),
    annualIncome: '250000.00',
    ...overrides,
  });

  describe('createCustomer', () => {
    it('creates an individual awaiting review, deriving birth date and gender and coding the archive number', async () => {
      const { body } = await gql<any>(example('CreateIndividualCustomer'), { variables: { input: individual() } });
      expect(body.errors).toBeUndefined();
      // A rep may not read ID numbers clear: every individual they create awaits a manager's de-duplication review.
      expect(body.data.createCustomer).toMatchObject({ kind: 'INDIVIDUAL', name: maskName('测试用户'), birthDate: null, gender: 'MALE', tier: 'GENERAL', status: 'PENDING_REVIEW' });
      expect(body.data.createCustomer.archiveNumber).toMatch(/^P\d{15}$/);
      const [stored] = await server.clearRows('customers', 't.id = $1', [body.data.createCustomer.id]);
      expect({ name: stored.name, birth_date: stored.birth_date, relationship_manager_id: stored.relationship_manager_id }).toEqual({ name: '测试用户', birth_date: '1990-07-15', relationship_manager_id: null });
    });

    it('creates a corporate customer with a valid credit code', async () => {
      const { body } = await gql<any>(
        `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { archiveNumber creditCode legalRepresentative } }`,
        { variables: { input: { kind: 'CORPORATE', name: '上海测试科技有限公司', creditCode: buildCreditCode('310101', 99_000_001), legalRepresentative: '王伟', tier: 'KEY' } } },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.createCustomer.archiveNumber).toMatch(/^E\d{15}$/);
    });

    it.each([
      ['idNumber', { idNumber: '110105194912310021' }],
      ['idNumber', { idNumber: undefined }],
      ['phone', { phone: '1234567' }],
      ['email', { email: 'not-an-email' }],
      ['bankCardNumber', { bankCardNumber: '6222020000111122223' }],
      ['birthDate', { birthDate: '1991-01-01' }],
      ['gender', { gender: 'FEMALE' }],
      ['annualIncome', { annualIncome: '-5' }],
      ['annualIncome', { annualIncome: '99999999999999999' }],
      ['annualIncome', { annualIncome: '1.2399' }],
      ['creditCode', { creditCode: '91350100M000100Y43' }],
      ['name', { name: '   ' }],
      ['relationshipManagerId', { relationshipManagerId: '00000000-0000-4000-8000-000000000000' }],
    ])('refuses an invalid %s with BAD_USER_INPUT naming it, never echoing the value, writing nothing', async (field, overrides) => {
      const before = await count('customers');
      const input = individual({ idNumber: buildNationalId('310101', '1985-03-03', 7, 'MALE'), ...overrides });
      const response = await gql(example('CreateIndividualCustomer'), { variables: { input } });
      const error = response.body.errors![0];
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      for (const value of Object.values(overrides)) {
        if (typeof value === 'string' && value.trim().length > 4) expect(JSON.stringify(response.body)).not.toContain(value);
      }
      expect(await count('customers')).toBe(before);
    });

    it('refuses a corporate credit code with a wrong check character', async () => {
      const before = await count('customers');
      const { body } = await gql(`mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, {
        variables: { input: { kind: 'CORPORATE', name: '校验测试有限公司', creditCode: '91350100M000100Y44', legalRepresentative: '王伟' } },
      });
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'creditCode' });
      expect(JSON.stringify(body)).not.toContain('91350100M000100Y44');
      expect(await count('customers')).toBe(before);
    });

    it('reports every invalid field at once', async () => {
      const { body } = await gql(example('CreateIndividualCustomer'), {
        variables: { input: individual({ phone: 'x', email: 'y', idNumber: buildNationalId('310101', '1970-01-01', 1, 'MALE') }) },
      });
      expect(body.errors![0].extensions!.fields).toEqual(['phone', 'email']);
    });

    it('does not say whether an ID number is taken: a second customer with it awaits review like the first (test/schema/duplicate-review.test.ts)', async () => {
      const idNumber = buildNationalId('440305', '1979-11-11', 55, 'FEMALE');
      const first = await gql<any>(example('CreateIndividualCustomer'), { variables: { input: individual({ idNumber }) } });
      expect(first.body.errors).toBeUndefined();
      const second = await gql<any>(example('CreateIndividualCustomer'), { variables: { input: individual({ idNumber }) } });
      expect(second.body.errors).toBeUndefined();
      expect(second.body.data.createCustomer.status).toBe('PENDING_REVIEW');
      expect(JSON.stringify(second.body)).not.toContain(idNumber);
    });

    it('still refuses a second corporate customer with the same (public) credit code', async () => {
      const creditCode = buildCreditCode('310101', 99_000_002);
      const input = { kind: 'CORPORATE', name: '重复测试有限公司', creditCode, legalRepresentative: '王伟' };
      const first = await gql(`mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id status } }`, { variables: { input } });
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data).toMatchObject({ createCustomer: { status: 'ACTIVE' } });
      const second = await gql(`mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, { variables: { input } });
      expect(second.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'creditCode' });
    });

    it('refuses a malformed decimal without echoing it', async () => {
      const { body } = await gql(example('CreateIndividualCustomer'), { variables: { input: individual({ annualIncome: '12,345.67' }) } });
      expect(body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(body)).not.toContain('12,345.67');
    });
  });

  describe('updateCustomer', () => {
    it('changes only the given fields and moves updatedAt', async () => {
      const rows = await server.clearRows('customers', `t.kind = 'INDIVIDUAL' AND t.relationship_manager_id = $1 AND t.email_sealed IS NOT NULL`, [salesRepId], 'LIMIT 1');
      expect(rows[0].email).toMatch(/@/);
      const { body } = await gql<any>(
        `mutation ($id: ID!) { updateCustomer(id: $id, input: { phone: "13700001111", tier: KEY }) { phone tier email updatedAt } }`,
        { variables: { id: rows[0].id } },
      );
      expect(body.data.updateCustomer).toMatchObject({ phone: '13700001111', tier: 'KEY', email: rows[0].email });
      expect(new Date(body.data.updateCustomer.updatedAt).getTime()).toBeGreaterThan(rows[0].updated_at.getTime());
    });

    it('refuses to set ERASED (only the deletion flow may) and to clear the name', async () => {
      const { rows } = await server.pool.query(`SELECT id FROM customers WHERE relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const erased = await gql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { status: ERASED }) { id } }`, { role: 'manager', sub: 'test-manager', variables: { id: rows[0].id } });
      expect(erased.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status' });
      const unnamed = await gql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { name: null }) { id } }`, { variables: { id: rows[0].id } });
      expect(unnamed.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    });

    it("refuses to give a customer the other kind's fields or to clear a corporate's legal representative", async () => {
      const { rows } = await server.pool.query(`SELECT id FROM customers WHERE kind = 'CORPORATE' AND relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const update = (input: string) => gql(`mutation ($id: ID!) { updateCustomer(id: $id, input: ${input}) { id } }`, { variables: { id: rows[0].id } });
      const before = (await server.pool.query(`SELECT updated_at FROM customers WHERE id = $1`, [rows[0].id])).rows[0].updated_at;
      expect((await update('{ annualIncome: "5" }')).body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'annualIncome' });
      expect((await update('{ bankCardNumber: "4111111111111111" }')).body.errors![0].extensions).toMatchObject({ field: 'bankCardNumber' });
      expect((await update('{ legalRepresentative: null }')).body.errors![0].extensions).toMatchObject({ field: 'legalRepresentative' });
      expect((await server.pool.query(`SELECT updated_at FROM customers WHERE id = $1`, [rows[0].id])).rows[0].updated_at).toEqual(before);
      const { rows: people } = await server.pool.query(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const individual = await gql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { industry: "制造业" }) { id } }`, { variables: { id: people[0].id } });
      expect(individual.body.errors![0].extensions).toMatchObject({ field: 'industry' });
    });

    it('is seen by later fields of the same request (no stale loader cache)', async () => {
      const { rows } = await server.pool.query(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND status = 'ACTIVE' AND relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const record = `recordTransaction(input: { customerId: $id, amount: "1.00", direction: CREDIT, channel: ATM, product: "现金存入" })`;
      const { body } = await gql<any>(
        `mutation ($id: ID!) {
           t1: ${record} { customer { phone transactions(first: 1) { totalCount } } }
           u: updateCustomer(id: $id, input: { phone: "13911112222" }) { phone }
           t2: ${record} { customer { phone transactions(first: 1) { totalCount } } }
         }`,
        { variables: { id: rows[0].id } },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.t2.customer.phone).toBe('13911112222');
      expect(body.data.t2.customer.transactions.totalCount).toBe(body.data.t1.customer.transactions.totalCount + 1);
    });

    it('answers NOT_FOUND for an unknown customer', async () => {
      const { body } = await gql(`mutation { updateCustomer(id: "00000000-0000-4000-8000-000000000000", input: { tier: KEY }) { id } }`);
      expect(body.errors![0].extensions!.code).toBe('NOT_FOUND');
    });
  });

  describe('contacts', () => {
    it('adds, updates and removes a contact', async () => {
      const { rows } = await server.pool.query(`SELECT id FROM customers WHERE kind = 'CORPORATE' AND relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const added = await gql<any>(
        `mutation ($c: ID!) { addContact(customerId: $c, input: { name: "李娜", position: "财务经理", phone: "13512345678" }) { id name phone } }`,
        { variables: { c: rows[0].id } },
      );
      const contactId = added.body.data.addContact.id;
      const updated = await gql<any>(`mutation ($id: ID!) { updateContact(id: $id, input: { email: "li.na@example.com", position: null }) { email position name } }`, {
        variables: { id: contactId },
      });
      expect(updated.body.data.updateContact).toEqual({ email: 'li.na@example.com', position: null, name: '李娜' });
      const removed = await gql<any>(`mutation ($id: ID!) { removeContact(id: $id) }`, { variables: { id: contactId } });
      expect(removed.body.data.removeContact).toBe(contactId);
      expect((await server.pool.query(`SELECT 1 FROM contacts WHERE id = $1`, [contactId])).rowCount).toBe(0);
    });

    it('holds the 20-contact limit under concurrent additions', async () => {
      const { rows } = await server.pool.query(
        `SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM contacts ct WHERE ct.customer_id = c.id) AND relationship_manager_id = '${salesRepId}' LIMIT 1`,
      );
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          gql(`mutation ($c: ID!, $n: String!) { addContact(customerId: $c, input: { name: $n }) { id } }`, { variables: { c: rows[0].id, n: `联系人${i}` } }),
        ),
      );
      expect(results.filter((r) => !r.body.errors).length).toBe(20);
      expect(results.filter((r) => r.body.errors?.[0].extensions?.field === 'customerId').length).toBe(10);
      const { rows: counted } = await server.pool.query(`SELECT count(*)::int AS n FROM contacts WHERE customer_id = $1`, [rows[0].id]);
      expect(counted[0].n).toBe(20);
    });

    it('refuses an invalid phone on a contact, naming the field', async () => {
      const { rows } = await server.pool.query(`SELECT id FROM customers WHERE relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const { body } = await gql(`mutation ($c: ID!) { addContact(customerId: $c, input: { name: "x", phone: "555-0100" }) { id } }`, { variables: { c: rows[0].id } });
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'phone' });
    });
  });

  describe('recordTransaction', () => {
    it('records a transaction on the customer card by default, amount as an exact decimal', async () => {
      const rows = await server.clearRows('customers', `t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.relationship_manager_id = $1 AND t.bank_card_number_sealed IS NOT NULL`, [salesRepId], 'LIMIT 1');
      expect(rows[0].bank_card_number).toMatch(/^62\d+$/);
      const { body } = await gql<any>(example('RecordTransaction'), {
        variables: { input: { customerId: rows[0].id, amount: '1234567.89', direction: 'DEBIT', channel: 'MOBILE', product: '转账汇出' } },
      });
      expect(body.errors).toBeUndefined();
      // Sales read card numbers masked (L3), so the stored row is checked too.
      expect(body.data.recordTransaction).toMatchObject({ amount: '1234567.89', currency: 'CNY', accountNumber: maskCard(rows[0].bank_card_number), customer: { id: rows[0].id } });
      const [stored] = await server.clearRows('transactions', 't.id = $1', [body.data.recordTransaction.id]);
      expect(stored.account_number).toBe(rows[0].bank_card_number);
    });

    it.each([
      ['amount', { amount: '0' }],
      ['amount', { amount: '-10.00' }],
      ['amount', { amount: '1.005' }],
      ['amount', { amount: '99999999999999999' }],
      ['currency', { currency: 'yuan' }],
      ['accountNumber', { accountNumber: '6222020000111122223' }],
      ['customerId', { customerId: '00000000-0000-4000-8000-000000000000' }],
    ])('refuses an invalid %s and writes nothing', async (field, overrides) => {
      const { rows } = await server.pool.query(`SELECT id FROM customers WHERE status = 'ACTIVE' AND kind = 'INDIVIDUAL' AND relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const before = await count('transactions');
      const input = { customerId: rows[0].id, amount: '10.00', direction: 'CREDIT', channel: 'ATM', product: '现金存入', ...overrides };
      const { body } = await gql(example('RecordTransaction'), { variables: { input } });
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(await count('transactions')).toBe(before);
    });
  });

  describe('fileComplaint', () => {
    it('files a complaint due in 7 days, assigned (by a manager), with its acknowledgement on the timeline', async () => {
      const { rows } = await server.pool.query(`SELECT id FROM customers WHERE relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const { body } = await gql<any>(example('FileComplaint'), {
        role: 'manager',
        sub: 'test-manager',
        variables: { input: { customerId: rows[0].id, channel: 'HOTLINE', category: 'FEES', description: '年费扣除有误', assigneeId: serviceAgentId } },
      });
      expect(body.errors).toBeUndefined();
      const complaint = body.data.fileComplaint;
      expect(complaint.status).toBe('ASSIGNED');
      expect(new Date(complaint.dueAt).getTime() - new Date(complaint.receivedAt).getTime()).toBe(7 * 86_400_000);
      expect(complaint.overdue).toBe(false);
      expect(complaint.timeline.map((e: any) => e.status)).toEqual(['RECEIVED', 'ASSIGNED']);
      expect(complaint.timeline[0].note).toMatch(/7 days/);
    });

    it('refuses an assignee who is not a service agent, writing nothing', async () => {
      const { rows } = await server.pool.query(`SELECT id FROM customers WHERE relationship_manager_id = '${salesRepId}' LIMIT 1`);
      const before = await count('complaints');
      const { body } = await gql(example('FileComplaint'), {
        role: 'manager',
        sub: 'test-manager',
        variables: { input: { customerId: rows[0].id, channel: 'EMAIL', category: 'CARD', description: 'x', assigneeId: salesRepId } },
      });
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'assigneeId' });
      expect(await count('complaints')).toBe(before);
    });

    it('leaves nothing half-written when a later statement of the mutation fails', async () => {
      // Make the timeline insert (the second write) fail after the complaint row was inserted.
      await server.db.pool.query(`CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$`);
      await server.db.pool.query(`CREATE TRIGGER fail_event BEFORE INSERT ON complaint_events FOR EACH ROW EXECUTE FUNCTION fail_event()`);
      try {
        const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE relationship_manager_id = '${salesRepId}' LIMIT 1`);
        const before = await count('complaints');
        const { body } = await gql(example('FileComplaint'), {
          variables: { input: { customerId: rows[0].id, channel: 'ONLINE', category: 'OTHER', description: '排队时间过长' } },
        });
        expect(body.errors![0]).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.stringMatching(/^[A-Za-z0-9._-]+$/) } });
        expect(await count('complaints')).toBe(before);
      } finally {
        await server.db.pool.query(`DROP TRIGGER fail_event ON complaint_events; DROP FUNCTION fail_event()`);
      }
    });
  });
});
