/**
 * Change history (issue "Accountability", item 2): every mutation appends one record to
 * audit_changes in its own transaction — who changed which fields of which record — with
 * sensitive values only masked and as keyed hashes; the change and its history commit or roll
 * back together; auditors (and only auditors) read it back through `changeHistory`.
 */
import { randomUUID } from 'node:crypto';
import { loadValueHasher, type ValueHasher } from '../../src/audit/keys';
import { withLuhnDigit } from '../../src/domain/bank-card';
import { buildNationalId } from '../../src/domain/national-id';
import { maskCard, maskEmail, maskFreeText, maskIdNumber, maskName, maskPhone } from '../../permissions/masks';
import type { Role } from '../../src/auth/principal';
import { example } from '../harness/examples';
import { openedChanges } from '../harness/history';
import { startTestServer, type CallOptions, type TestServer } from '../harness/server';

interface FieldChangeRow {
  field: string;
  sensitive: boolean;
  old: string | null;
  new: string | null;
  oldHash?: string | null;
  newHash?: string | null;
}

interface ChangeRow {
  seq: string;
  entity: string;
  entity_id: string;
  customer_id: string | null;
  action: string;
  principal_sub: string;
  principal_role: string;
  request_id: string;
  operation_name: string | null;
  changes: FieldChangeRow[];
}

describe('Change history', () => {
  let server: TestServer;
  let hash: ValueHasher;
  let salesRepId: string;
  let otherSalesRepId: string;
  let serviceAgentId: string;
  /** Clear sensitive values these tests wrote: none may appear in the change history. */
  const written: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    hash = loadValueHasher(server.config);
    salesRepId = (await server.db.pool.query(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows[0].id;
    otherSalesRepId = (await server.db.pool.query(`SELECT id FROM staff WHERE role = 'sales' AND active AND id <> $1 LIMIT 1`, [salesRepId])).rows[0].id;
    serviceAgentId = (await server.db.pool.query(`SELECT id FROM staff WHERE role = 'service' AND active LIMIT 1`)).rows[0].id;
  });

  afterAll(() => server.stop());

  /** Calls the API with a fresh request id (sales rep of the customers by default) and returns that id with the result. */
  async function call<T = any>(query: string, options: CallOptions = {}) {
    const requestId = `ch-${randomUUID()}`;
    // Sales calls are the rep's; another role named alone acts as its test member.
    const sub = options.sub ?? ((options.role ?? 'sales') === 'sales' ? salesRepId : undefined);
    const result = await server.gql<T>(query, { role: 'sales', ...options, sub, headers: { 'x-request-id': requestId, ...options.headers } });
    return { ...result, requestId };
  }

  /** A request's change records as stored, the entries sealed under the customer's history key opened (ground truth). */
  const recordsOf = async (requestId: string): Promise<ChangeRow[]> =>
    openedChanges(
      server.db.pool,
      server.keyring,
      (
        await server.db.pool.query<ChangeRow>(
          `SELECT seq, entity, entity_id, customer_id, action, principal_sub, principal_role, request_id, operation_name, changes
           FROM audit_changes WHERE request_id = $1 ORDER BY seq`,
          [requestId],
        )
      ).rows as never,
    ) as Promise<ChangeRow[]>;

  const changeCount = async () => Number((await server.db.pool.query(`SELECT count(*) AS n FROM audit_changes`)).rows[0].n);
  const changeHead = async () => (await server.db.pool.query<{ seq: string }>(`SELECT seq FROM audit_chain_heads WHERE stream = 'change'`)).rows[0].seq;
  const count = async (table: string) => Number((await server.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  const byField = (changes: FieldChangeRow[]) => Object.fromEntries(changes.map((c) => [c.field, c]));

  /** What a sensitive field's change must look like: masks and keyed hashes, never the clear value. */
  const sensitive = (field: string, old: string | null, next: string | null, mask: (v: string) => string) => ({
    field,
    sensitive: true,
    old: old === null ? null : mask(old),
    new: next === null ? null : mask(next),
    oldHash: old === null ? null : hash(old),
    newHash: next === null ? null : hash(next),
  });

  const clear = (field: string, old: string | null, next: string | null) => ({ field, sensitive: false, old, new: next });

  let uniqueCounter = 0;
  /** Values unique to this run, so "never appears" cannot be confused with seed data. */
  function uniquePhone(): string {
    uniqueCounter += 1;
    return `1390${String(Date.now() % 10_000).padStart(4, '0')}${String(uniqueCounter).padStart(3, '0')}`;
  }

  function individual(overrides: Record<string, unknown> = {}) {
    uniqueCounter += 1;
    const input = {
      kind: 'INDIVIDUAL',
      name: '审计测试',
      idNumber: buildNationalId('310101', '1990-07-15', 100 + uniqueCounter, 'MALE'),
      phone: uniquePhone(),
      email: `audit.${uniqueCounter}.${Date.now()}@example.com`,
      bankCardNumber: withLuhnDigit(`62220200${String(Date.now() % 1_000_000).padStart(6, '0')}${String(uniqueCounter).padStart(4, '0')}`),
      annualIncome: '250000.00',
      ...overrides,
    };
    for (const field of ['idNumber', 'phone', 'email', 'bankCardNumber'] as const) {
      if (typeof input[field] === 'string') written.push(input[field] as string);
    }
    return input;
  }

  /** A new customer the rep may then change: made the rep's own by SQL (naming an RM only opens a request a second manager decides). */
  async function createCustomer(overrides: Record<string, unknown> = {}) {
    const input = individual(overrides);
    const result = await call(example('CreateIndividualCustomer'), { variables: { input } });
    expect(result.body.errors).toBeUndefined();
    const id = result.body.data.createCustomer.id as string;
    await server.db.pool.query(`UPDATE customers SET relationship_manager_id = $2 WHERE id = $1`, [id, salesRepId]);
    return { input, id, requestId: result.requestId };
  }

  describe('each mutation writes exactly one change record', () => {
    it('createCustomer: CREATE with every field that was set, sensitive ones masked and hashed', async () => {
      const { input, id, requestId } = await createCustomer({ relationshipManagerId: salesRepId });
      const records = await recordsOf(requestId);
      // The customer, its de-duplication review (a rep's new individual awaits a manager), and the
      // relationship-manager request naming the rep opened (the customer has no RM yet).
      expect(records.map((r) => [r.entity, r.action, r.customer_id])).toEqual([['Customer', 'CREATE', id], ['CustomerDuplicateReview', 'CREATE', id], ['RelationshipManagerChange', 'CREATE', id]]);
      const [record, review, rmRequest] = records;
      expect(byField(review.changes)).toMatchObject({ createdBy: clear('createdBy', null, salesRepId), status: clear('status', null, 'OPEN') });
      expect(byField(rmRequest.changes)).toMatchObject({ requestedBy: clear('requestedBy', null, salesRepId), toManagerId: clear('toManagerId', null, salesRepId), status: clear('status', null, 'PENDING') });
      expect(record).toMatchObject({
        entity: 'Customer',
        entity_id: id,
        customer_id: id,
        action: 'CREATE',
        principal_sub: salesRepId,
        principal_role: 'sales',
        request_id: requestId,
      });

      const stored = (await server.db.pool.query(`SELECT archive_number, created_at FROM customers WHERE id = $1`, [id])).rows[0];
      const changes = byField(record.changes);
      // Every field set on the new row (book-keeping id/updatedAt aside), and nothing that stayed null.
      expect(Object.keys(changes).sort()).toEqual(
        ['annualIncome', 'archiveNumber', 'bankCardNumber', 'birthDate', 'createdAt', 'email', 'gender', 'idNumber', 'kind', 'name', 'phone', 'status', 'tier'].sort(),
      );
      // Fields come sorted by name: a stable shape for auditors.
      expect(record.changes.map((c) => c.field)).toEqual([...record.changes.map((c) => c.field)].sort());
      expect(changes.idNumber).toEqual(sensitive('idNumber', null, input.idNumber, maskIdNumber));
      expect(changes.bankCardNumber).toEqual(sensitive('bankCardNumber', null, input.bankCardNumber, maskCard));
      expect(changes.phone).toEqual(sensitive('phone', null, input.phone, maskPhone));
      expect(changes.email).toEqual(sensitive('email', null, input.email, maskEmail));
      expect(changes.name).toEqual(sensitive('name', null, input.name, maskName));
      expect(changes.birthDate).toEqual(sensitive('birthDate', null, '1990-07-15', () => '1990-**-**'));
      expect(changes.annualIncome).toMatchObject({ sensitive: true, old: null, new: '100000-500000', oldHash: null, newHash: hash('250000.00') });
      expect(changes.kind).toEqual(clear('kind', null, 'INDIVIDUAL'));
      expect(changes.tier).toEqual(clear('tier', null, 'GENERAL'));
      expect(changes.status).toEqual(clear('status', null, 'PENDING_REVIEW'));
      expect(changes.gender).toEqual(clear('gender', null, 'MALE'));
      expect(changes.archiveNumber).toEqual(clear('archiveNumber', null, stored.archive_number));
      expect(changes.createdAt).toEqual(clear('createdAt', null, stored.created_at.toISOString()));
      expect(changes.relationshipManagerId).toBeUndefined();
    });

    it('updateCustomer: UPDATE naming only the changed fields, phone masked with keyed hashes, tier clear', async () => {
      const rows = await server.clearRows(
        'customers',
        `t.kind = 'INDIVIDUAL' AND t.tier = 'GENERAL' AND t.status = 'ACTIVE' AND t.phone_sealed IS NOT NULL AND t.relationship_manager_id = $1`,
        [salesRepId],
        'LIMIT 1',
      );
      const customer = rows[0];
      const phone = uniquePhone();
      written.push(phone);
      const { body, requestId } = await call(
        `mutation UpdatePhoneAndTier($id: ID!, $phone: String!) { updateCustomer(id: $id, input: { phone: $phone, tier: KEY, email: ${JSON.stringify(customer.email)} }) { id phone tier } }`,
        { variables: { id: customer.id, phone } },
      );
      expect(body.errors).toBeUndefined();

      const records = await recordsOf(requestId);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        entity: 'Customer',
        entity_id: customer.id,
        customer_id: customer.id,
        action: 'UPDATE',
        principal_sub: salesRepId,
        principal_role: 'sales',
      });
      // The e-mail was given but did not change; updatedAt is book-keeping: neither is named.
      expect(records[0].changes).toEqual([
        { field: 'phone', sensitive: true, old: maskPhone(customer.phone), new: maskPhone(phone), oldHash: hash(customer.phone), newHash: hash(phone) },
        { field: 'tier', sensitive: false, old: 'GENERAL', new: 'KEY' },
      ]);
      // The keyed hash answers "was it changed to X?" for whoever holds the key, and only that.
      expect(records[0].changes[0].newHash).not.toBe(hash(customer.phone));
    });

    it('addContact, updateContact and removeContact: CREATE, UPDATE and DELETE of the Contact, the DELETE keeping the old values', async () => {
      const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE kind = 'CORPORATE' AND status <> 'ERASED' AND relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
      const customerId = rows[0].id;
      const phone = uniquePhone();
      const email = `contact.${Date.now()}@example.com`;
      written.push(phone, email);

      const added = await call(`mutation AddContact($c: ID!, $phone: String!) { addContact(customerId: $c, input: { name: "李娜", position: "财务经理", phone: $phone }) { id } }`, {
        variables: { c: customerId, phone },
      });
      expect(added.body.errors).toBeUndefined();
      const contactId = added.body.data.addContact.id;
      const [create, ...moreCreates] = await recordsOf(added.requestId);
      expect(moreCreates).toEqual([]);
      expect(create).toMatchObject({ entity: 'Contact', entity_id: contactId, customer_id: customerId, action: 'CREATE', principal_sub: salesRepId, principal_role: 'sales' });
      const created = byField(create.changes);
      expect(created.name).toEqual(sensitive('name', null, '李娜', maskName));
      expect(created.phone).toEqual(sensitive('phone', null, phone, maskPhone));
      expect(created.position).toEqual(clear('position', null, '财务经理'));
      expect(created.email).toBeUndefined(); // never set

      // A manager may change any customer's contacts: the principal is the manager.
      const updated = await call(`mutation UpdateContact($id: ID!, $email: String!) { updateContact(id: $id, input: { email: $email, position: null, name: "李娜" }) { id } }`, {
        role: 'manager',
        sub: await server.member('manager', 'manager-on-duty'),
        variables: { id: contactId, email },
      });
      expect(updated.body.errors).toBeUndefined();
      const [update, ...moreUpdates] = await recordsOf(updated.requestId);
      expect(moreUpdates).toEqual([]);
      expect(update).toMatchObject({ entity: 'Contact', entity_id: contactId, customer_id: customerId, action: 'UPDATE', principal_sub: await server.member('manager', 'manager-on-duty'), principal_role: 'manager' });
      expect(update.changes).toEqual([
        { field: 'email', sensitive: true, old: null, new: maskEmail(email), oldHash: null, newHash: hash(email) },
        { field: 'position', sensitive: false, old: '财务经理', new: null },
      ]);

      const removed = await call(`mutation RemoveContact($id: ID!) { removeContact(id: $id) }`, { variables: { id: contactId } });
      expect(removed.body.errors).toBeUndefined();
      const [remove, ...moreRemoves] = await recordsOf(removed.requestId);
      expect(moreRemoves).toEqual([]);
      expect(remove).toMatchObject({ entity: 'Contact', entity_id: contactId, customer_id: customerId, action: 'DELETE', principal_sub: salesRepId, principal_role: 'sales' });
      const gone = byField(remove.changes);
      expect(gone.name).toEqual(sensitive('name', '李娜', null, maskName));
      expect(gone.phone).toEqual(sensitive('phone', phone, null, maskPhone));
      expect(gone.email).toEqual(sensitive('email', email, null, maskEmail));
      expect(gone.position).toBeUndefined(); // null before and after: nothing to say
      for (const change of remove.changes) expect(change.new).toBeNull();
    });

    it('recordTransaction: CREATE of the Transaction, the account number masked', async () => {
      const rows = await server.clearRows(
        'customers',
        `t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.bank_card_number_sealed IS NOT NULL AND t.relationship_manager_id = $1`,
        [salesRepId],
        'LIMIT 1',
      );
      const customer = rows[0];
      const { body, requestId } = await call(example('RecordTransaction'), {
        variables: { input: { customerId: customer.id, amount: '1234.56', direction: 'DEBIT', channel: 'MOBILE', product: '转账汇出' } },
      });
      expect(body.errors).toBeUndefined();
      const transactionId = body.data.recordTransaction.id;
      const records = await recordsOf(requestId);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ entity: 'Transaction', entity_id: transactionId, customer_id: customer.id, action: 'CREATE', principal_sub: salesRepId, principal_role: 'sales' });
      const changes = byField(records[0].changes);
      expect(changes.amount).toEqual(clear('amount', null, '1234.56'));
      expect(changes.direction).toEqual(clear('direction', null, 'DEBIT'));
      expect(changes.channel).toEqual(clear('channel', null, 'MOBILE'));
      expect(changes.product).toEqual(clear('product', null, '转账汇出'));
      expect(changes.currency).toEqual(clear('currency', null, 'CNY'));
      expect(changes.accountNumber).toEqual(sensitive('accountNumber', null, customer.bank_card_number, maskCard));
      expect(changes.counterpartyName).toBeUndefined();
    });

    it('fileComplaint: CREATE of the Complaint by a manager assigning it to an agent, the description masked', async () => {
      const managerId = await server.member('manager', 'test-manager');
      const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE status <> 'ERASED' AND relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
      const customerId = rows[0].id;
      const callback = uniquePhone();
      written.push(callback);
      // Customers write numbers into complaints: the description's free-text mask hides them.
      const description = `年费扣除有误，请回电 ${callback}`;
      const { body, requestId } = await call(example('FileComplaint'), {
        role: 'manager',
        sub: managerId,
        variables: { input: { customerId, channel: 'HOTLINE', category: 'FEES', description, assigneeId: serviceAgentId } },
      });
      expect(body.errors).toBeUndefined();
      const complaintId = body.data.fileComplaint.id;
      const records = await recordsOf(requestId);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ entity: 'Complaint', entity_id: complaintId, customer_id: customerId, action: 'CREATE', principal_sub: managerId, principal_role: 'manager' });
      const changes = byField(records[0].changes);
      expect(changes.channel).toEqual(clear('channel', null, 'HOTLINE'));
      expect(changes.category).toEqual(clear('category', null, 'FEES'));
      expect(changes.status).toEqual(clear('status', null, 'ASSIGNED'));
      expect(changes.assigneeId).toEqual(clear('assigneeId', null, serviceAgentId));
      expect(changes.description).toEqual(sensitive('description', null, description, maskFreeText));
      expect(changes.description.new).not.toContain(callback);
      expect(changes.description.new).toContain('年费扣除有误');
    });

    it('names the GraphQL operation that made the change', async () => {
      // Each mutation above was sent as a named operation: its record must say which one.
      const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND status = 'ACTIVE' AND relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
      const { body, requestId } = await call(`mutation RaiseTier($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { id } }`, { variables: { id: rows[0].id } });
      expect(body.errors).toBeUndefined();
      const [record] = await recordsOf(requestId);
      const { body: created, requestId: createdBy } = await call(example('CreateIndividualCustomer'), { variables: { input: individual() } });
      expect(created.errors).toBeUndefined();
      const [creation] = await recordsOf(createdBy);
      // The auditor sees it through the API too.
      const history = await server.gql<any>(`query ($id: ID!) { changeHistory(entity: CUSTOMER, id: $id, first: 1) { edges { node { requestId operationName } } } }`, {
        role: 'auditor',
        variables: { id: rows[0].id },
      });
      expect(history.body.errors).toBeUndefined();
      expect({
        update: record.operation_name,
        create: creation.operation_name,
        api: history.body.data.changeHistory.edges[0].node,
      }).toEqual({
        update: 'RaiseTier',
        create: 'CreateIndividualCustomer',
        api: { requestId, operationName: 'RaiseTier' },
      });
    });

    it('a request with several mutations writes one record per changed record, all under its request id', async () => {
      const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND status = 'ACTIVE' AND bank_card_number_sealed IS NOT NULL AND relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
      const record = `recordTransaction(input: { customerId: $id, amount: "1.00", direction: CREDIT, channel: ATM, product: "现金存入" }) { id }`;
      const { body, requestId } = await call(`mutation Two($id: ID!) { a: ${record} b: ${record} }`, { variables: { id: rows[0].id } });
      expect(body.errors).toBeUndefined();
      const records = await recordsOf(requestId);
      expect(records.map((r) => r.entity_id).sort()).toEqual([body.data.a.id, body.data.b.id].sort());
      expect(records.map((r) => r.action)).toEqual(['CREATE', 'CREATE']);
    });
  });

  it('holds no clear sensitive value: what the tests wrote appears only masked and hashed', async () => {
    // More writes of sensitive values, so this holds on its own too.
    const { id } = await createCustomer();
    const phone = uniquePhone();
    const card = withLuhnDigit(`62258800${String(Date.now() % 1_000_000).padStart(6, '0')}9876`);
    const email = `changed.${Date.now()}@example.org`;
    written.push(phone, card, email);
    const { body } = await call(`mutation ($id: ID!, $p: String!, $c: String!, $e: String!) { updateCustomer(id: $id, input: { phone: $p, bankCardNumber: $c, email: $e, address: "浙江省杭州市西湖区文三路 90 号" }) { id } }`, {
      variables: { id, p: phone, c: card, e: email },
    });
    expect(body.errors).toBeUndefined();
    written.push('文三路 90 号');

    const texts = (await server.db.pool.query<{ text: string }>(`SELECT changes::text AS text FROM audit_changes`)).rows.map((r) => r.text);
    expect(texts.length).toBeGreaterThan(5);
    const all = texts.join('\n');
    expect(written.length).toBeGreaterThan(10);
    for (const value of written) expect(all).not.toContain(value);
    // Nor in any other column of the record.
    const whole = (await server.db.pool.query<{ text: string }>(`SELECT string_agg(r::text, E'\\n') AS text FROM audit_changes r`)).rows[0].text;
    for (const value of written) expect(whole).not.toContain(value);
  });

  describe('the change and its history commit or roll back together', () => {
    it('a failure midway leaves neither the change nor its history, and the chain head where it was', async () => {
      await server.db.pool.query(`CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$`);
      await server.db.pool.query(`CREATE TRIGGER fail_event BEFORE INSERT ON complaint_events FOR EACH ROW EXECUTE FUNCTION fail_event()`);
      try {
        const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
        const complaints = await count('complaints');
        const changes = await changeCount();
        const head = await changeHead();
        const { body, requestId } = await call(example('FileComplaint'), {
          role: 'manager',
          variables: { input: { customerId: rows[0].id, channel: 'ONLINE', category: 'OTHER', description: '排队时间过长' } },
        });
        expect(body.errors![0]).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.stringMatching(/^[A-Za-z0-9._-]+$/) } });
        expect(await count('complaints')).toBe(complaints);
        expect(await changeCount()).toBe(changes);
        expect(await recordsOf(requestId)).toEqual([]);
        expect(await changeHead()).toBe(head);
      } finally {
        await server.db.pool.query(`DROP TRIGGER fail_event ON complaint_events; DROP FUNCTION fail_event()`);
      }
    });

    it('a change whose history cannot be written is not made', async () => {
      const pick = ({ id, phone, tier, updated_at }: Record<string, any>) => ({ id, phone, tier, updated_at });
      const rows = await server.clearRows('customers', `t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.tier = 'GENERAL' AND t.relationship_manager_id = $1`, [salesRepId], 'LIMIT 1');
      const before = pick(rows[0]);
      const changes = await changeCount();
      const head = await changeHead();
      await server.db.pool.query(`REVOKE INSERT ON audit_changes FROM customer_records_app`);
      let result;
      try {
        result = await call(`mutation ($id: ID!) { updateCustomer(id: $id, input: { phone: "13800009999", tier: KEY }) { id phone tier } }`, { variables: { id: before.id } });
      } finally {
        await server.db.pool.query(`GRANT INSERT ON audit_changes TO customer_records_app`);
      }
      expect(result.body.errors).toBeDefined();
      expect(result.body.errors![0].extensions!.code).toBe('INTERNAL_SERVER_ERROR');
      expect(result.body.data?.updateCustomer ?? null).toBeNull();
      const after = pick((await server.clearRows('customers', 't.id = $1', [before.id]))[0]);
      expect(after).toEqual(before);
      expect(await changeCount()).toBe(changes);
      expect(await changeHead()).toBe(head);

      // With the grant back, the same change goes through with its history.
      const retry = await call(`mutation ($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { tier } }`, { variables: { id: before.id } });
      expect(retry.body.errors).toBeUndefined();
      expect(await recordsOf(retry.requestId)).toHaveLength(1);
    });
  });

  describe('validation failures write no change record', () => {
    it.each<[string, () => Promise<{ query: string; variables: Record<string, unknown>; role?: Role; sub?: string }>]>([
      ['createCustomer', async () => ({ query: example('CreateIndividualCustomer'), variables: { input: individual({ phone: '1234567' }) } })],
      [
        'updateCustomer',
        async () => {
          const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
          return { query: `mutation ($id: ID!) { updateCustomer(id: $id, input: { phone: "555-0100", tier: KEY }) { id } }`, variables: { id: rows[0].id } };
        },
      ],
      [
        'updateCustomer (a field of the other kind, found inside the transaction)',
        async () => {
          const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
          return { query: `mutation ($id: ID!) { updateCustomer(id: $id, input: { industry: "制造业", tier: KEY }) { id } }`, variables: { id: rows[0].id } };
        },
      ],
      [
        'addContact',
        async () => {
          const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
          return { query: `mutation ($c: ID!) { addContact(customerId: $c, input: { name: "x", phone: "555-0100" }) { id } }`, variables: { c: rows[0].id } };
        },
      ],
      [
        'recordTransaction',
        async () => {
          const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE status = 'ACTIVE' AND relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
          return { query: example('RecordTransaction'), variables: { input: { customerId: rows[0].id, amount: '0', direction: 'CREDIT', channel: 'ATM', product: '现金存入' } } };
        },
      ],
      [
        'fileComplaint (assignee checked inside the transaction)',
        async () => {
          const { rows } = await server.db.pool.query(`SELECT id FROM customers WHERE relationship_manager_id = $1 LIMIT 1`, [salesRepId]);
          return {
            query: example('FileComplaint'),
            role: 'manager',
            sub: 'test-manager',
            variables: { input: { customerId: rows[0].id, channel: 'EMAIL', category: 'CARD', description: 'x', assigneeId: otherSalesRepId } },
          };
        },
      ],
    ])('%s', async (_name, make) => {
      const { query, variables, role, sub } = await make();
      const changes = await changeCount();
      const head = await changeHead();
      const { body, requestId } = await call(query, { variables, ...(role ? { role, sub } : {}) });
      expect(body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(await recordsOf(requestId)).toEqual([]);
      expect(await changeCount()).toBe(changes);
      expect(await changeHead()).toBe(head);
    });
  });

  describe('changeHistory (auditor API)', () => {
    const HISTORY = `query History($id: ID!, $first: Int, $after: String) {
      changeHistory(entity: CUSTOMER, id: $id, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { seq occurredAt requestId principal { sub role } operationName entity entityId customerId action changes { field sensitive old new oldHash newHash } hash } }
      }
    }`;

    it("returns a record's changes newest first, with principal, action and changes", async () => {
      const created = await createCustomer();
      const phone = uniquePhone();
      written.push(phone);
      const first = await call(`mutation First($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { id } }`, { variables: { id: created.id } });
      const second = await call(`mutation Second($id: ID!, $p: String!) { updateCustomer(id: $id, input: { phone: $p }) { id } }`, {
        role: 'manager',
        sub: await server.member('manager', 'manager-7'),
        variables: { id: created.id, p: phone },
      });
      expect(first.body.errors).toBeUndefined();
      expect(second.body.errors).toBeUndefined();

      const { body } = await server.gql<any>(HISTORY, { role: 'auditor', sub: await server.member('auditor', 'auditor-1'), variables: { id: created.id } });
      expect(body.errors).toBeUndefined();
      const history = body.data.changeHistory;
      expect(history.totalCount).toBe(3);
      const nodes = history.edges.map((e: any) => e.node);
      expect(nodes.map((n: any) => [n.action, n.requestId])).toEqual([
        ['UPDATE', second.requestId],
        ['UPDATE', first.requestId],
        ['CREATE', created.requestId],
      ]);
      const seqs = nodes.map((n: any) => BigInt(n.seq));
      expect(seqs[0] > seqs[1] && seqs[1] > seqs[2]).toBe(true);
      for (const node of nodes) expect(node).toMatchObject({ entity: 'CUSTOMER', entityId: created.id, customerId: created.id });
      expect(nodes[0].principal).toEqual({ sub: await server.member('manager', 'manager-7'), role: 'MANAGER' });
      expect(nodes[1].principal).toEqual({ sub: salesRepId, role: 'SALES' });
      expect(nodes[0].changes).toEqual([
        { field: 'phone', sensitive: true, old: maskPhone(created.input.phone), new: maskPhone(phone), oldHash: hash(created.input.phone), newHash: hash(phone) },
      ]);
      expect(nodes[1].changes).toEqual([{ field: 'tier', sensitive: false, old: 'GENERAL', new: 'KEY', oldHash: null, newHash: null }]);
      expect(nodes[2].changes.find((c: any) => c.field === 'idNumber')).toEqual({
        field: 'idNumber',
        sensitive: true,
        old: null,
        new: maskIdNumber(created.input.idNumber),
        oldHash: null,
        newHash: hash(created.input.idNumber),
      });
      // The stored hash is the one the API shows.
      const stored = (await server.db.pool.query(`SELECT encode(hash, 'hex') AS hash FROM audit_changes WHERE seq = $1`, [nodes[0].seq])).rows[0].hash;
      expect(nodes[0].hash).toBe(stored);
      // Nothing clear reaches the auditor either.
      for (const value of [created.input.phone, created.input.idNumber, created.input.bankCardNumber, created.input.email, phone]) {
        expect(JSON.stringify(body)).not.toContain(value);
      }

      // Pages follow on from the cursor, still newest first.
      const page1 = await server.gql<any>(HISTORY, { role: 'auditor', variables: { id: created.id, first: 2 } });
      expect(page1.body.data.changeHistory.pageInfo.hasNextPage).toBe(true);
      const page2 = await server.gql<any>(HISTORY, { role: 'auditor', variables: { id: created.id, first: 2, after: page1.body.data.changeHistory.pageInfo.endCursor } });
      expect(page2.body.data.changeHistory.edges.map((e: any) => e.node.action)).toEqual(['CREATE']);
      expect(page2.body.data.changeHistory.pageInfo.hasNextPage).toBe(false);

    });

    it('answers an empty history for a record never changed through the API', async () => {
      const { rows } = await server.db.pool.query(`SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM audit_changes a WHERE a.entity_id = c.id::text) LIMIT 1`);
      const { body } = await server.gql<any>(HISTORY, { role: 'auditor', variables: { id: rows[0].id } });
      expect(body.errors).toBeUndefined();
      expect(body.data.changeHistory).toMatchObject({ totalCount: 0, edges: [] });
    });

    it.each<Role>(['admin', 'manager', 'sales', 'service', 'analyst', 'partner'])('is FORBIDDEN to %s', async (role) => {
      const { rows } = await server.db.pool.query(`SELECT entity_id AS id FROM audit_changes WHERE entity = 'Customer' LIMIT 1`);
      const token = role === 'partner' ? await server.token({ role: 'partner', partner: 'acme' }) : await server.token({ role, sub: role === 'sales' ? salesRepId : undefined });
      const { body } = await server.gql<any>(HISTORY, { token, variables: { id: rows[0].id } });
      expect(body.errors?.length).toBeGreaterThan(0);
      expect(body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect(body.data?.changeHistory ?? null).toBeNull();
      expect(JSON.stringify(body)).not.toContain('"changes"');
    });
  });
});
