import { randomInt } from 'node:crypto';
import type { Role } from '../../src/auth/principal';
import { checkpointHeads } from '../../src/audit/checkpoints';
import { loadSigningKey } from '../../src/audit/keys';
import { withLuhnDigit } from '../../src/domain/bank-card';
import { buildNationalId } from '../../src/domain/national-id';
import { example } from '../harness/examples';
import { startTestServer, type GqlResult, type TestServer } from '../harness/server';

/**
 * "A scan of the register finds no clear sensitive value from the seeded data": broad traffic by
 * every role — the example operations, ad-hoc reads of every sensitive field, exact lookups by
 * ID number and phone, writes of new sensitive values, refusals — and then the whole register
 * (access records, change records, checkpoints) as text must hold none of the L2/L3 values.
 */

/** Values shorter than this are too common to mean anything when found (and are skipped). */
const MIN_LENGTH = 6;

/** The values of `values` that occur in `text` (substring search; null and short values skipped). */
function clearValuesIn(text: string, values: Iterable<string | null | undefined>): string[] {
  const found: string[] = [];
  for (const value of new Set(values)) {
    if (typeof value !== 'string' || value.length < MIN_LENGTH) continue;
    if (text.includes(value)) found.push(value);
  }
  return found;
}

/** A finding names the kind and a hint of the value, never the whole value (test output is a log too). */
const hint = (value: string) => `${value.slice(0, 2)}…(${value.length} chars)`;

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
const newMobile = () => `1${randomInt(3, 10)}${digits(9)}`;
const newCard = () => withLuhnDigit(`62284${digits(13)}`);

describe('The access register holds no clear sensitive value', () => {
  let server: TestServer;
  let rep: string;
  let manager: string;
  let serviceAgent: string;
  /** Individual customers of the rep with contact data, transactions and contacts where possible. */
  let own: { id: string; id_number: string; phone: string }[];
  let foreign: { id: string; id_number: string; phone: string }[];
  /** A customer with an open complaint assigned to `serviceAgent`. */
  let assigned: { id: string; id_number: string | null; phone: string | null };
  let ownCorporate: string;

  /** Seeded L2/L3 values, by kind, read before any traffic changes them. */
  const seeded = new Map<string, string[]>();
  /** Sensitive values this test wrote (or tried to write) through the API. */
  const written = new Map<string, string>();
  const responses: { role: Role; label: string; requestId: string; result: GqlResult<any> }[] = [];
  const rolesDriven = new Set<Role>();
  let register = '';

  async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.db.pool.query(text, values)).rows as T[];
  }

  function subOf(role: Role): string {
    if (role === 'sales') return rep;
    if (role === 'manager') return manager;
    if (role === 'service') return serviceAgent;
    return `test-${role}`;
  }

  async function call(role: Role, label: string, query: string, options: { variables?: Record<string, unknown>; headers?: Record<string, string>; token?: string } = {}) {
    const token = options.token ?? (role === 'partner' ? await server.token({ role, partner: 'acme', sub: 'acme-scan' }) : undefined);
    const requestId = `scan-${responses.length}-${role}`;
    const headers = { 'x-request-id': requestId, ...options.headers };
    const result = await server.gql<any>(query, { role, sub: subOf(role), variables: options.variables, headers, ...(token ? { token } : {}) });
    responses.push({ role, label, requestId, result });
    rolesDriven.add(role);
    return result;
  }

  const ALL_FIELDS = `query AllSensitive($id: ID!) {
    customer(id: $id) {
      id name idNumber phone email address bankCardNumber birthDate annualIncome totalAssets employer legalRepresentative creditRating
      contacts(first: 10) { edges { node { id name phone email position } } }
      transactions(first: 10) { edges { node { id accountNumber counterpartyName counterpartyAccount description amount } } }
      complaints(first: 10) { edges { node { id description resolution delayReason timeline { note } } } }
    }
  }`;
  const CONTACT_FIELDS = `query ContactFields($id: ID!) { customer(id: $id) { name phone email address } }`;
  const TRANSACTIONS = `query TransactionFields($id: ID!) {
    transactions(first: 20, filter: { customerId: $id }) { edges { node { accountNumber counterpartyName counterpartyAccount description customer { name phone } } } }
  }`;
  const COMPLAINTS = `query ComplaintTexts { complaints(first: 20) { edges { node { description resolution delayReason customer { name phone idNumber } timeline { note } } } } }`;
  const LOOKUP_ID = `query LookupById($idNumber: String!) { customers(first: 5, filter: { idNumber: $idNumber }) { totalCount edges { node { id name phone idNumber bankCardNumber } } } }`;
  const LOOKUP_PHONE = `query LookupByPhone($phone: String!) { customers(first: 5, filter: { phone: $phone }) { totalCount edges { node { id name phone email } } } }`;
  const BULK = `query Bulk { customers(first: 50) { edges { node { id name idNumber phone email address bankCardNumber birthDate annualIncome totalAssets } } } }`;

  beforeAll(async () => {
    server = await startTestServer();
    rep = (await sql<{ id: string }>(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`))[0].id;
    manager = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' ORDER BY username LIMIT 1`))[0].id;
    // Ground truth through the test keys: the plaintext columns are NULL since sealing.
    own = await server.clearRows(
      'customers',
      `t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.relationship_manager_id = $1 AND t.phone_sealed IS NOT NULL AND t.id_number_sealed IS NOT NULL
         AND t.bank_card_number_sealed IS NOT NULL`,
      [rep],
      `ORDER BY EXISTS (SELECT 1 FROM transactions x WHERE x.customer_id = t.id AND x.counterparty_account_sealed IS NOT NULL) DESC, t.archive_number LIMIT 3`,
    );
    foreign = await server.clearRows(
      'customers',
      `t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.relationship_manager_id <> $1 AND t.phone_sealed IS NOT NULL AND t.id_number_sealed IS NOT NULL`,
      [rep],
      'ORDER BY t.archive_number LIMIT 2',
    );
    ownCorporate = (await sql<{ id: string }>(`SELECT id FROM customers WHERE kind = 'CORPORATE' AND status = 'ACTIVE' AND relationship_manager_id = $1 ORDER BY archive_number LIMIT 1`, [rep]))[0].id;
    const [open] = await sql<{ assignee_id: string; customer_id: string }>(
      `SELECT k.assignee_id, k.customer_id FROM complaints k JOIN staff s ON s.id = k.assignee_id
       WHERE k.status IN ('RECEIVED', 'ASSIGNED', 'INVESTIGATING') AND s.role = 'service' ORDER BY k.received_at LIMIT 1`,
    );
    serviceAgent = open.assignee_id;
    [assigned] = await server.clearRows('customers', 't.id = $1', [open.customer_id]);
    expect(own).toHaveLength(3);
    expect(foreign).toHaveLength(2);
    expect(ownCorporate).toBeDefined();

    // The seeded L2/L3 values, before any write changes some of them.
    const column = async (kind: string) => {
      const [table, name] = kind.split('.');
      const values = (await server.clearRows(table)).map((r) => r[name] as string | null);
      seeded.set(kind, values.filter((v): v is string => v !== null));
    };
    for (const kind of ['customers.id_number', 'customers.phone', 'customers.email', 'customers.address', 'customers.bank_card_number', 'contacts.phone', 'contacts.email', 'transactions.account_number', 'transactions.counterparty_account']) {
      await column(kind);
    }

    // --- Reads: the example operations for every role that reads customer data.
    const readers: Role[] = ['sales', 'service', 'manager', 'analyst', 'auditor', 'admin'];
    for (const role of readers) {
      await call(role, 'FirstCustomers', example('FirstCustomers'));
      await call(role, 'CustomerDetail own', example('CustomerDetail'), { variables: { id: own[0].id } });
      await call(role, 'CustomerDetail foreign', example('CustomerDetail'), { variables: { id: foreign[0].id } });
      await call(role, 'CustomerDetail assigned', example('CustomerDetail'), { variables: { id: assigned.id } });
      await call(role, 'CustomerDetail corporate', example('CustomerDetail'), { variables: { id: ownCorporate } });
      await call(role, 'CustomersWithContactsAndTransactions', example('CustomersWithContactsAndTransactions'), { variables: { first: 20 } });
      await call(role, 'CustomersWithContactsAndTransactions (default 100)', example('CustomersWithContactsAndTransactions'));
      await call(role, 'KeyCustomersOfManager', example('KeyCustomersOfManager'), { variables: { managerId: rep } });
      await call(role, 'LargeTransactionsOfCustomer', example('LargeTransactionsOfCustomer'), { variables: { customerId: own[0].id, minAmount: '1.00' } });
      await call(role, 'OverdueComplaints', example('OverdueComplaints'));
      await call(role, 'Me', example('Me'));
      // Ad-hoc: every sensitive field, own / foreign / assigned customers, transactions, complaints, bulk.
      for (const customer of [own[0], own[1], foreign[0], assigned]) {
        await call(role, 'AllSensitive', ALL_FIELDS, { variables: { id: customer.id } });
        await call(role, 'ContactFields', CONTACT_FIELDS, { variables: { id: customer.id } });
      }
      await call(role, 'TransactionFields', TRANSACTIONS, { variables: { id: own[0].id } });
      await call(role, 'ComplaintTexts', COMPLAINTS);
      await call(role, 'Bulk', BULK);
    }
    // Service: exact lookups by ID number and phone (values as variables), identity verification.
    await call('service', 'LookupById', LOOKUP_ID, { variables: { idNumber: foreign[1].id_number } });
    await call('service', 'LookupByPhone', LOOKUP_PHONE, { variables: { phone: own[2].phone } });
    await call('service', 'LookupById assigned', LOOKUP_ID, { variables: { idNumber: assigned.id_number } });
    await call('service', 'IdentityVerification', `query Verify($id: ID!) { customer(id: $id) { name phone birthDate idNumber } }`, {
      variables: { id: assigned.id },
      headers: { 'x-purpose': 'identity_verification' },
    });
    // Refusals: lookups without the grant, a purpose not allowed, a partner asking for customers, an oversized page.
    await call('sales', 'LookupById refused', LOOKUP_ID, { variables: { idNumber: foreign[1].id_number } });
    await call('manager', 'LookupByPhone refused', LOOKUP_PHONE, { variables: { phone: foreign[1].phone } });
    await call('sales', 'purpose refused', CONTACT_FIELDS, { variables: { id: own[0].id }, headers: { 'x-purpose': 'statistics' } });
    const oversized = await call('admin', 'exposure refused', `{ customers(first: 100) { edges { node { idNumber phone email address bankCardNumber name birthDate annualIncome totalAssets c2: phone c3: email } } } }`);
    expect(oversized.body.errors?.[0].extensions?.code).toBe('EXPOSURE_LIMIT');
    await call('partner', 'partner customers', `{ customers(first: 5) { edges { node { name phone bankCardNumber } } } }`);
    await call('partner', 'partner customer', `query ($id: ID!) { customer(id: $id) { name phone idNumber bankCardNumber } }`, { variables: { id: own[0].id } });
    await call('partner', 'partner transactions', `{ transactions(first: 5) { edges { node { accountNumber counterpartyAccount } } } }`);
    const partnerMe = await call('partner', 'partner me', `{ me { sub role partnerId } }`);
    expect(partnerMe.body.data?.me.partnerId).toBe('acme');
    // The auditor's own examples.
    await call('auditor', 'CustomerAccessHistory', example('CustomerAccessHistory'), { variables: { customerId: own[0].id } });
    await call('auditor', 'AuditLogOfPrincipal', example('AuditLogOfPrincipal'), { variables: { principal: rep } });
    await call('auditor', 'AccessReport', example('AccessReport'));

    // --- Writes of new sensitive values.
    written.set('updateCustomer.phone', newMobile());
    written.set('updateCustomer.email', `scan.${digits(8)}@example.com`);
    written.set('updateCustomer.address', `上海市徐汇区审计路${digits(4)}号${digits(3)}室`);
    written.set('updateCustomer.inline.phone', newMobile());
    written.set('updateCustomer.bankCardNumber', newCard());
    written.set('addContact.phone', newMobile());
    written.set('addContact.email', `contact.${digits(8)}@example.com`);
    written.set('updateContact.phone', newMobile());
    written.set('recordTransaction.accountNumber', newCard());
    written.set('recordTransaction.counterpartyAccount', newCard());
    written.set('recordTransaction.counterpartyName', `审计测试对手方${digits(4)}有限公司`);
    written.set('recordTransaction.description.phone', newMobile());
    written.set('createCustomer.idNumber', buildNationalId('310104', '1988-04-12', randomInt(100, 999), 'FEMALE'));
    written.set('createCustomer.phone', newMobile());
    written.set('createCustomer.email', `new.${digits(8)}@example.com`);
    written.set('createCustomer.address', `北京市海淀区扫描街${digits(4)}号`);
    written.set('createCustomer.bankCardNumber', newCard());
    written.set('fileComplaint.description.idNumber', buildNationalId('440305', '1975-09-30', randomInt(100, 999), 'MALE'));
    written.set('fileComplaint.description.phone', newMobile());
    written.set('managerUpdate.email', `mgr.${digits(8)}@example.com`);
    written.set('refusedUpdate.phone', newMobile());
    const w = (key: string) => written.get(key)!;

    const target = own[1];
    const updated = await call('sales', 'updateCustomer', `mutation UpdateContactData($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id phone email address bankCardNumber } }`, {
      variables: { id: target.id, input: { phone: w('updateCustomer.phone'), email: w('updateCustomer.email'), address: w('updateCustomer.address'), bankCardNumber: w('updateCustomer.bankCardNumber') } },
    });
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data.updateCustomer.phone).toBe(w('updateCustomer.phone')); // served clear to the rep
    const inline = await call('sales', 'updateCustomer inline', `mutation { updateCustomer(id: "${target.id}", input: { phone: "${w('updateCustomer.inline.phone')}" }) { phone } }`);
    expect(inline.body.errors).toBeUndefined();
    const contact = await call('sales', 'addContact', `mutation AddContact($c: ID!, $input: ContactInput!) { addContact(customerId: $c, input: $input) { id name phone email } }`, {
      variables: { c: ownCorporate, input: { name: '审计扫描联系人', position: '财务', phone: w('addContact.phone'), email: w('addContact.email') } },
    });
    expect(contact.body.errors).toBeUndefined();
    const contactUpdate = await call('sales', 'updateContact', `mutation ($id: ID!, $phone: String) { updateContact(id: $id, input: { phone: $phone }) { phone } }`, {
      variables: { id: contact.body.data.addContact.id, phone: w('updateContact.phone') },
    });
    expect(contactUpdate.body.errors).toBeUndefined();
    const transaction = await call('sales', 'recordTransaction', example('RecordTransaction'), {
      variables: {
        input: {
          customerId: own[0].id,
          amount: '8888.00',
          direction: 'DEBIT',
          channel: 'TRANSFER',
          product: '转账汇出',
          accountNumber: w('recordTransaction.accountNumber'),
          counterpartyName: w('recordTransaction.counterpartyName'),
          counterpartyAccount: w('recordTransaction.counterpartyAccount'),
          description: `转账备注 联系电话 ${w('recordTransaction.description.phone')}`,
        },
      },
    });
    expect(transaction.body.errors).toBeUndefined();
    const created = await call('sales', 'createCustomer', example('CreateIndividualCustomer'), {
      variables: {
        input: {
          kind: 'INDIVIDUAL',
          name: '扫描测试客户',
          idNumber: w('createCustomer.idNumber'),
          phone: w('createCustomer.phone'),
          email: w('createCustomer.email'),
          address: w('createCustomer.address'),
          bankCardNumber: w('createCustomer.bankCardNumber'),
          annualIncome: '320000.00',
          relationshipManagerId: rep,
        },
      },
    });
    expect(created.body.errors).toBeUndefined();
    // Naming the rep only opened a request: a manager approves it (no sensitive field: not part of the
    // scanned traffic), so the reads below carry the new customer's values clear to the rep.
    const [pending] = await sql<{ id: string }>(`SELECT id FROM relationship_manager_changes WHERE customer_id = $1 AND status = 'PENDING'`, [created.body.data.createCustomer.id]);
    const approved = await server.gql<any>(example('ApproveRelationshipManagerChange'), { role: 'manager', sub: manager, variables: { id: pending.id } });
    expect(approved.body.errors).toBeUndefined();
    const complaint = await call('sales', 'fileComplaint', example('FileComplaint'), {
      variables: {
        input: {
          customerId: own[0].id,
          channel: 'HOTLINE',
          category: 'CARD',
          description: `客户来电称身份证号${w('fileComplaint.description.idNumber')}的卡被盗刷，回电${w('fileComplaint.description.phone')}`,
        },
      },
    });
    expect(complaint.body.errors).toBeUndefined();
    const managerUpdate = await call('manager', 'manager updateCustomer', `mutation ($id: ID!, $email: String) { updateCustomer(id: $id, input: { email: $email }) { email } }`, {
      variables: { id: foreign[0].id, email: w('managerUpdate.email') },
    });
    expect(managerUpdate.body.errors).toBeUndefined();
    const refused = await call('sales', 'refused updateCustomer', `mutation ($id: ID!, $phone: String) { updateCustomer(id: $id, input: { phone: $phone }) { phone } }`, {
      variables: { id: foreign[1].id, phone: w('refusedUpdate.phone') },
    });
    expect(refused.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    // Reads of what was written: the new values go out (clear to the rep), the register must not keep them.
    await call('sales', 'AllSensitive after writes', ALL_FIELDS, { variables: { id: target.id } });
    await call('sales', 'created customer', ALL_FIELDS, { variables: { id: created.body.data.createCustomer.id } });
    await call('service', 'LookupByPhone new', LOOKUP_PHONE, { variables: { phone: w('createCustomer.phone') } });
    await call('service', 'LookupById new', LOOKUP_ID, { variables: { idNumber: w('createCustomer.idNumber') } });
    await call('manager', 'TransactionFields after writes', TRANSACTIONS, { variables: { id: own[0].id } });
    await call('auditor', 'ChangeHistoryOfCustomer', example('ChangeHistoryOfCustomer'), { variables: { id: target.id } });
    await call('auditor', 'AuditLog after writes', `{ auditLog(first: 100) { edges { node { requestId fields { path decision reason } customersClear customersMasked outcome } } } }`);

    // Every record is committed before its response is released; sign the heads so checkpoints exist too.
    await server.audit.writer.idle();
    await checkpointHeads(server.pool, loadSigningKey(server.config), server.config.audit.checkpointFile);

    const dump = async (table: string) => (await sql<{ t: string }>(`SELECT row_to_json(a)::text AS t FROM ${table} a`)).map((r) => r.t);
    const parts = [...(await dump('audit_access')), ...(await dump('audit_changes')), ...(await dump('audit_checkpoints'))];
    register = parts.join('\n');
  }, 240_000);

  afterAll(() => server?.stop());

  it('the traffic went through: no response was withheld or failed, and clear values did go out', () => {
    const broken = responses.filter((r) => (r.result.body.errors ?? []).some((e) => ['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE'].includes(String(e.extensions?.code))));
    expect(broken.map((r) => `${r.role} ${r.label}`)).toEqual([]);
    // Some responses really carried seeded clear values (own customers to the rep, assigned ones to service)…
    const served = JSON.stringify(responses.map((r) => r.result.body));
    const seededValues = [...seeded.values()].flat();
    expect(clearValuesIn(served, seededValues).length).toBeGreaterThan(0);
    expect(served).toContain(written.get('updateCustomer.phone'));
    // …and some were refused.
    const codes = new Set(responses.flatMap((r) => (r.result.body.errors ?? []).map((e) => String(e.extensions?.code))));
    expect(codes).toContain('FORBIDDEN');
    expect(codes).toContain('EXPOSURE_LIMIT');
    // Exact lookups found their customer.
    const lookups = responses.filter((r) => r.label.startsWith('Lookup') && !r.label.endsWith('refused'));
    for (const lookup of lookups) expect(lookup.result.body.data?.customers.totalCount).toBe(1);
  });

  it('the register is not empty and covers every role driven, with clear, masked, removed and refused records', async () => {
    expect(register.length).toBeGreaterThan(0);
    const [counts] = await sql<{ access: number; changes: number; checkpoints: number }>(
      `SELECT (SELECT count(*)::int FROM audit_access) AS access, (SELECT count(*)::int FROM audit_changes) AS changes, (SELECT count(*)::int FROM audit_checkpoints) AS checkpoints`,
    );
    expect(counts.access).toBeGreaterThan(100);
    expect(counts.changes).toBeGreaterThanOrEqual(7);
    expect(counts.checkpoints).toBeGreaterThan(0);
    const roles = (await sql<{ r: string }>(`SELECT DISTINCT principal_role AS r FROM audit_access ORDER BY 1`)).map((r) => r.r);
    expect(rolesDriven.size).toBe(7);
    expect(roles).toEqual([...rolesDriven].sort());
    const [kinds] = await sql<{ clear: number; masked: number; removed: number; refused: number }>(
      `SELECT count(*) FILTER (WHERE clear_values > 0)::int AS clear, count(*) FILTER (WHERE masked_values > 0)::int AS masked,
              count(*) FILTER (WHERE removed_values > 0)::int AS removed, count(*) FILTER (WHERE outcome <> 'OK')::int AS refused
       FROM audit_access`,
    );
    expect(kinds.clear).toBeGreaterThan(0);
    expect(kinds.masked).toBeGreaterThan(0);
    expect(kinds.removed).toBeGreaterThan(0);
    expect(kinds.refused).toBeGreaterThan(0);
    const partner = await sql<{ outcome: string }>(`SELECT outcome FROM audit_access WHERE principal_role = 'partner'`);
    expect(partner.length).toBeGreaterThanOrEqual(3);
    expect(partner.every((r) => r.outcome === 'FORBIDDEN')).toBe(true);
  });

  it('every operation that touched sensitive data or was refused left exactly one record; `me` left none', async () => {
    const rows = await sql<{ request_id: string; n: number }>(`SELECT request_id, count(*)::int AS n FROM audit_access WHERE request_id LIKE 'scan-%' GROUP BY 1`);
    const recorded = new Map(rows.map((r) => [r.request_id, r.n]));
    const notMe = responses.filter((r) => !/\bme\b|^Me$/.test(r.label));
    expect(notMe.length).toBeGreaterThan(100);
    expect(notMe.filter((r) => recorded.get(r.requestId) !== 1).map((r) => `${r.role} ${r.label}: ${recorded.get(r.requestId) ?? 0}`)).toEqual([]);
    const me = responses.filter((r) => !notMe.includes(r));
    expect(me.length).toBe(7);
    expect(me.filter((r) => recorded.has(r.requestId)).map((r) => `${r.role} ${r.label}`)).toEqual([]);
  });

  it('the scanner catches a value planted in the register text', () => {
    const values = [...seeded.get('customers.id_number')!];
    const planted = values[Math.floor(values.length / 2)];
    const middle = Math.floor(register.length / 2);
    const tampered = `${register.slice(0, middle)}"note":"${planted}"${register.slice(middle)}`;
    expect(clearValuesIn(tampered, values)).toEqual([planted]);
    expect(clearValuesIn(`x${written.get('createCustomer.email')}y`, written.values())).toEqual([written.get('createCustomer.email')]);
    // Short values are skipped, not matched everywhere.
    expect(clearValuesIn('12345', ['12345', null, undefined])).toEqual([]);
  });

  it.each([
    'customers.id_number',
    'customers.phone',
    'customers.email',
    'customers.address',
    'customers.bank_card_number',
    'contacts.phone',
    'contacts.email',
    'transactions.account_number',
    'transactions.counterparty_account',
  ])('no seeded %s occurs in the register', (kind) => {
    const values = seeded.get(kind)!;
    expect(values.filter((v) => v.length >= MIN_LENGTH).length).toBeGreaterThan(0);
    expect(clearValuesIn(register, values).map(hint)).toEqual([]);
  });

  it('no value written through the API occurs in the register', () => {
    expect(written.size).toBeGreaterThan(15);
    const found = [...written.entries()].filter(([, value]) => register.includes(value)).map(([kind, value]) => `${kind}: ${hint(value)}`);
    expect(found).toEqual([]);
  });
});
