/**
 * Erasure (issue 15, item 4; seeds 000 二(五), 003 二(四), 001 五(四)), written as its users act
 * and as the attacks on it: a service agent files the customer's request, a department head
 * (manager) approves, the designated information-management head approves — three different
 * people — and an administrator executes. Afterwards nothing of the person can be read by anyone,
 * their keys are gone, every sealed, masked and blind-index column of theirs is NULL, and a
 * deletion record names who, when and which categories, never a value of the person.
 */
import { maskName, maskPhone } from '../../permissions/masks';
import { SEALED_TABLES } from '../../src/crypto/sealed-fields';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const REQUEST = `mutation RequestErasure($input: RequestErasureInput!) { requestErasure(input: $input) { id status customerId basis reason requestedBy requestedAt } }`;
const APPROVE = `mutation ApproveErasure($id: ID!) { approveErasure(id: $id) { id status departmentApprovedBy departmentApprovedAt } }`;
const APPROVE_HEAD = `mutation ApproveErasureAsHead($id: ID!) { approveErasureAsInformationHead(id: $id) { id status informationHeadApprovedBy informationHeadApprovedAt } }`;
const REJECT = `mutation RejectErasure($id: ID!, $reason: String!) { rejectErasure(id: $id, reason: $reason) { id status rejectedBy rejectionReason } }`;
const CANCEL = `mutation CancelErasure($id: ID!) { cancelErasure(id: $id) { id status cancelledAt } }`;
const EXECUTE = `mutation ExecuteErasure($id: ID!) { executeErasure(id: $id) { id status executedBy executedAt restrictedUntil erasedAt } }`;
const DESIGNATE = `mutation Designate($id: ID!, $designations: [StaffDesignation!]!, $reason: String!) { setStaffDesignations(id: $id, designations: $designations, reason: $reason) { id designations } }`;
const RECORDS = `query Records($customerId: ID) { deletionRecords(customerId: $customerId, first: 10) { edges { node {
  id requestId customerId basis requestedBy requestedAt departmentApprovedBy departmentApprovedAt informationHeadApprovedBy informationHeadApprovedAt
  executedBy executedAt restrictedUntil erasedAt categories } } } }`;

/** Every personal field of a customer and of the records hanging off it, and the facts the law keeps. */
const CUSTOMER = `query Customer($id: ID!) { customer(id: $id) {
  id status kind name idNumber birthDate birthYear gender phone email address employer annualIncome annualIncomeRange { min max } totalAssets totalAssetsRange { min max }
  bankCardNumber creditCode legalRepresentative creditRating
  contacts { edges { node { id name position phone email } } }
  transactions(first: 100) { totalCount edges { node { id amount currency occurredAt channel direction description accountNumber counterpartyName counterpartyAccount } } }
  complaints(first: 20) { edges { node { id category description resolution delayReason timeline { status note } } } }
} }`;

/** Fields of CUSTOMER that are the person's (everything but ids, enumerations of the bank and the transaction facts). */
const PERSONAL = new Set(['name', 'idNumber', 'birthDate', 'birthYear', 'gender', 'phone', 'email', 'address', 'employer', 'annualIncome', 'annualIncomeRange', 'totalAssets',
  'totalAssetsRange', 'bankCardNumber', 'creditCode', 'legalRepresentative', 'creditRating', 'position', 'description', 'accountNumber', 'counterpartyName',
  'counterpartyAccount', 'resolution', 'delayReason', 'note']);

/** Every (path, value) of a response whose key is a personal field and whose value is not null. */
function personalValues(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => {
    const here = path ? `${path}.${key}` : key;
    if (PERSONAL.has(key)) return v === null ? [] : [here];
    return personalValues(v, here);
  });
}

describe('Erasure: request → department head → information-management head → administrator', () => {
  let server: TestServer;
  let agent: string;
  let requestingManager: string;
  let departmentHead: string;
  let informationHead: string;
  let otherManager: string;
  let admin: string;
  let designatingAdmin: string;
  let auditor: string;
  let rep: string;

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: CallOptions['role'], sub: string, variables: Record<string, unknown> = {}, extra: Partial<CallOptions> = {}): CallOptions => ({ role, sub, variables, ...extra });
  const ok = <T,>(result: GqlResult<T>): T => {
    expect(result.body.errors).toBeUndefined();
    return result.body.data as T;
  };
  const errorOf = (result: GqlResult): Record<string, unknown> => {
    expect(result.body.errors?.length).toBeGreaterThan(0);
    return result.body.errors![0].extensions ?? {};
  };

  const taken = new Set<string>();
  /** A seeded individual no other test touches, with transactions and a complaint whose text holds a number. */
  async function individual(): Promise<string> {
    const rows = await sql<{ id: string }>(
      `SELECT c.id FROM customers c WHERE c.status = 'ACTIVE' AND c.kind = 'INDIVIDUAL' AND c.phone_sealed IS NOT NULL AND c.id_number_sealed IS NOT NULL
         AND EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id)
       ORDER BY (SELECT count(*) FROM complaints k WHERE k.customer_id = c.id) DESC, c.archive_number LIMIT 50`,
    );
    const row = rows.find((r) => !taken.has(r.id));
    if (!row) throw new Error('no free customer left in the seed');
    taken.add(row.id);
    return row.id;
  }

  async function request(customerId: string, by: CallOptions, reason = 'customer asked in writing at the branch, form on file') {
    return ok(await server.gql<any>(REQUEST, { ...by, variables: { input: { customerId, basis: 'CUSTOMER_REQUEST', reason } } })).requestErasure as { id: string; status: string };
  }

  /** Through both approvals: a department head, then the information-management head. */
  async function approved(customerId: string): Promise<string> {
    const { id } = await request(customerId, as('service', agent));
    ok(await server.gql(APPROVE, as('manager', departmentHead, { id })));
    ok(await server.gql(APPROVE_HEAD, as('manager', informationHead, { id })));
    return id;
  }

  const historyOf = (entity: string, entityId: string) =>
    sql<{ action: string; principal_sub: string; principal_role: string; operation_name: string | null; changes: { field: string; old: string | null; new: string | null }[] }>(
      `SELECT action, principal_sub, principal_role, operation_name, changes FROM audit_changes WHERE entity = $1 AND entity_id = $2 ORDER BY seq`,
      [entity, entityId],
    );

  beforeAll(async () => {
    server = await startTestServer();
    agent = await server.member('service', 'erasure-agent');
    requestingManager = await server.member('manager', 'erasure-requesting-manager');
    departmentHead = await server.member('manager', 'erasure-department-head');
    informationHead = await server.member('manager', 'erasure-information-head');
    otherManager = await server.member('manager', 'erasure-other-manager');
    admin = await server.member('admin', 'erasure-admin');
    designatingAdmin = await server.member('admin', 'erasure-directory-admin');
    auditor = await server.member('auditor', 'erasure-auditor');
    rep = await server.member('sales', 'erasure-rep');
    // The information-management head is a designation an administrator gives a manager.
    ok(await server.gql(DESIGNATE, as('admin', designatingAdmin, { id: informationHead, designations: ['INFORMATION_MANAGEMENT_HEAD'], reason: 'appointed head of information management' })));
  });

  afterAll(() => server.stop());

  describe('nobody widens their part in an erasure', () => {
    it('refuses the designation to the person themselves and to anyone but an administrator', async () => {
      const self = await server.gql(DESIGNATE, as('manager', otherManager, { id: otherManager, designations: ['INFORMATION_MANAGEMENT_HEAD'], reason: 'I will approve erasures' }));
      expect(errorOf(self)).toMatchObject({ code: 'FORBIDDEN' });
      const ownAdmin = await server.gql(DESIGNATE, as('admin', designatingAdmin, { id: designatingAdmin, designations: ['INFORMATION_MANAGEMENT_HEAD'], reason: 'covering the head' }));
      expect(errorOf(ownAdmin)).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
      const aRep = await server.gql(DESIGNATE, as('admin', designatingAdmin, { id: rep, designations: ['INFORMATION_MANAGEMENT_HEAD'], reason: 'covering the head' }));
      expect(errorOf(aRep)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'designations' });
      expect((await sql(`SELECT designations FROM staff WHERE id = ANY($1::uuid[])`, [[otherManager, designatingAdmin, rep]])).every((r) => r.designations.length === 0)).toBe(true);
      const [head] = await sql(`SELECT designations FROM staff WHERE id = $1`, [informationHead]);
      expect(head.designations).toEqual(['INFORMATION_MANAGEMENT_HEAD']);
      // Who designated whom, and why, is in the change history.
      const history = await historyOf('StaffMember', informationHead);
      expect(history.at(-1)).toMatchObject({ principal_sub: designatingAdmin, changes: expect.arrayContaining([expect.objectContaining({ field: 'reason', new: 'appointed head of information management' })]) });
    });

    it('refuses self-approval: the requester approving their own request is FORBIDDEN (SAME_PERSON), and nothing changes', async () => {
      const customerId = await individual();
      const { id } = await request(customerId, as('manager', requestingManager));
      const result = await server.gql(APPROVE, as('manager', requestingManager, { id }));
      expect(errorOf(result)).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON', actor: 'requester' });
      const rejecting = await server.gql(REJECT, as('manager', requestingManager, { id, reason: 'changed my mind' }));
      expect(errorOf(rejecting)).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
      expect((await sql(`SELECT status FROM erasure_requests WHERE id = $1`, [id]))[0].status).toBe('REQUESTED');
      ok(await server.gql(CANCEL, as('manager', requestingManager, { id })));
    });

    it('refuses the same manager twice: a designated head who approved as department head may not approve again', async () => {
      const customerId = await individual();
      const { id } = await request(customerId, as('service', agent));
      // The head takes the first approval …
      ok(await server.gql(APPROVE, as('manager', informationHead, { id })));
      // … and may then not take the second: two steps of one request.
      const twice = await server.gql(APPROVE_HEAD, as('manager', informationHead, { id }));
      expect(errorOf(twice)).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON', actor: 'departmentApprover' });
      // Nor the first one again: that step is behind the request already.
      const again = await server.gql(APPROVE, as('manager', informationHead, { id }));
      expect(errorOf(again)).toMatchObject({ code: 'STEP_NOT_ALLOWED', status: 'DEPARTMENT_APPROVED', allowedFrom: ['REQUESTED'] });
      // The database holds it too, whoever writes.
      await expect(sql(`UPDATE erasure_requests SET status = 'APPROVED', information_head_approved_by = department_approved_by, information_head_approved_at = now() WHERE id = $1`, [id]))
        .rejects.toMatchObject({ constraint: 'erasure_requests_information_head_check' });
      expect((await sql(`SELECT status FROM erasure_requests WHERE id = $1`, [id]))[0].status).toBe('DEPARTMENT_APPROVED');
      ok(await server.gql(CANCEL, as('service', agent, { id })));
    });

    it('refuses approvals out of order: STEP_NOT_ALLOWED naming the state the request is in and the one the step needs', async () => {
      const customerId = await individual();
      const { id } = await request(customerId, as('service', agent));
      const early = await server.gql(APPROVE_HEAD, as('manager', informationHead, { id }));
      expect(errorOf(early)).toMatchObject({ code: 'STEP_NOT_ALLOWED', field: 'id', step: 'approveAsInformationHead', status: 'REQUESTED', allowedFrom: ['DEPARTMENT_APPROVED'] });
      expect(early.body.errors![0].message).toMatch(/REQUESTED.*DEPARTMENT_APPROVED/);
      const execute = await server.gql(EXECUTE, as('admin', admin, { id }));
      expect(errorOf(execute)).toMatchObject({ code: 'STEP_NOT_ALLOWED', status: 'REQUESTED', allowedFrom: ['APPROVED'] });
      ok(await server.gql(APPROVE, as('manager', departmentHead, { id })));
      const executeTooEarly = await server.gql(EXECUTE, as('admin', admin, { id }));
      expect(errorOf(executeTooEarly)).toMatchObject({ code: 'STEP_NOT_ALLOWED', status: 'DEPARTMENT_APPROVED', allowedFrom: ['APPROVED'] });
      expect((await sql(`SELECT count(*)::int AS n FROM keystore.customer_keys WHERE customer_id = $1`, [customerId]))[0].n).toBe(1);
      ok(await server.gql(CANCEL, as('service', agent, { id })));
    });

    it('refuses the second approval to a manager without the designation, and each step to the roles it is not theirs', async () => {
      const customerId = await individual();
      const { id } = await request(customerId, as('service', agent));
      ok(await server.gql(APPROVE, as('manager', departmentHead, { id })));
      const undesignated = await server.gql(APPROVE_HEAD, as('manager', otherManager, { id }));
      expect(errorOf(undesignated)).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_DESIGNATED', designation: 'INFORMATION_MANAGEMENT_HEAD' });
      // A rejection stands in for the approval pending: the undesignated manager may not reject it either.
      expect(errorOf(await server.gql(REJECT, as('manager', otherManager, { id, reason: 'not convinced' })))).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_DESIGNATED' });
      expect(errorOf(await server.gql(APPROVE_HEAD, as('service', agent, { id })))).toMatchObject({ code: 'FORBIDDEN' });
      expect(errorOf(await server.gql(EXECUTE, as('manager', informationHead, { id })))).toMatchObject({ code: 'FORBIDDEN' });
      expect(errorOf(await server.gql(REQUEST, as('admin', admin, { input: { customerId, basis: 'CUSTOMER_REQUEST', reason: 'x' } })))).toMatchObject({ code: 'FORBIDDEN' });
      expect(errorOf(await server.gql(REQUEST, as('sales', rep, { input: { customerId, basis: 'CUSTOMER_REQUEST', reason: 'x' } })))).toMatchObject({ code: 'FORBIDDEN' });
      // Only the requester withdraws it.
      expect(errorOf(await server.gql(CANCEL, as('manager', departmentHead, { id })))).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_REQUESTER' });
      const rejected = ok(await server.gql<any>(REJECT, as('manager', informationHead, { id, reason: 'a court order holds the records' }))).rejectErasure;
      expect(rejected).toMatchObject({ status: 'REJECTED', rejectedBy: informationHead });
      expect(errorOf(await server.gql(EXECUTE, as('admin', admin, { id })))).toMatchObject({ code: 'STEP_NOT_ALLOWED', status: 'REJECTED' });
    });

    it('refuses a reason holding an ID, phone or card number (BAD_USER_INPUT naming the field): the reason outlives the person', async () => {
      const customerId = await individual();
      const [person] = await server.clearRows('customers', 't.id = $1', [customerId]);
      for (const reason of [`ID ${person.id_number} asked`, `call back on ${person.phone}`, `card ${person.bank_card_number ?? '6222021234567890123'} closed`, '电话 一三八 〇〇一三 八〇〇〇']) {
        const result = await server.gql(REQUEST, as('service', agent, { input: { customerId, basis: 'CUSTOMER_REQUEST', reason } }));
        expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.reason' });
        expect(JSON.stringify(result.body)).not.toContain(person.id_number);
      }
      expect((await sql(`SELECT count(*)::int AS n FROM erasure_requests WHERE customer_id = $1`, [customerId]))[0].n).toBe(0);
      const { id } = await request(customerId, as('service', agent));
      const reject = await server.gql(REJECT, as('manager', departmentHead, { id, reason: `duplicate of ${person.phone}` }));
      expect(errorOf(reject)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
      ok(await server.gql(CANCEL, as('service', agent, { id })));
    });
  });

  describe('the whole flow, no retention period left: erased', () => {
    let customerId: string;
    let requestId: string;
    let before: Record<string, any>;
    let keyReference: string;
    let transactionsBefore: { id: string; amount: string; occurred_at: Date; channel: string; currency: string }[];

    beforeAll(async () => {
      customerId = await individual();
      [before] = await server.clearRows('customers', 't.id = $1', [customerId]);
      transactionsBefore = await sql(`SELECT id, amount, occurred_at, channel, currency FROM transactions WHERE customer_id = $1 ORDER BY id`, [customerId]);
      // The relationship ended (a manager closes the customer), and years later no retention period runs any more.
      ok(await server.gql(`mutation Close($id: ID!) { updateCustomer(id: $id, input: { status: CLOSED }) { id status } }`, as('manager', otherManager, { id: customerId })));
      server.clock.set(new Date('2040-01-01T00:00:00Z'));
      // A read before: the server holds the customer's data key unwrapped in its cache.
      ok(await server.gql(CUSTOMER, as('manager', otherManager, { id: customerId })));
      [{ reference: keyReference }] = await sql(`SELECT customer_id::text || ' ' || kek_id || ' ' || encode(data_key, 'hex') AS reference FROM keystore.customer_keys WHERE customer_id = $1`, [customerId]);
      expect(server.keyring.cached(keyReference)).toBeDefined();

      const requested = await request(customerId, as('service', agent));
      requestId = requested.id;
      expect(requested).toMatchObject({ status: 'REQUESTED' });
      expect(ok(await server.gql<any>(APPROVE, as('manager', departmentHead, { id: requestId }))).approveErasure).toMatchObject({ status: 'DEPARTMENT_APPROVED', departmentApprovedBy: departmentHead });
      expect(ok(await server.gql<any>(APPROVE_HEAD, as('manager', informationHead, { id: requestId }))).approveErasureAsInformationHead).toMatchObject({ status: 'APPROVED', informationHeadApprovedBy: informationHead });
      const executed = ok(await server.gql<any>(EXECUTE, as('admin', admin, { id: requestId }))).executeErasure;
      expect(executed).toMatchObject({ status: 'ERASED', executedBy: admin, restrictedUntil: null, executedAt: '2040-01-01T00:00:00.000Z', erasedAt: '2040-01-01T00:00:00.000Z' });
    });

    afterAll(() => server.clock.set(null));

    it('leaves no role anything personal to read: every personal field null, status ERASED, the transaction facts still there', async () => {
      const roles: [CallOptions['role'], string | undefined][] = [['admin', admin], ['manager', otherManager], ['auditor', auditor], ['service', agent], ['sales', rep], ['analyst', undefined]];
      // Even the customer's own relationship manager, with the relationship that opens clear contact data.
      await sql(`UPDATE customers SET relationship_manager_id = $2 WHERE id = $1`, [customerId, rep]);
      for (const [role, sub] of roles) {
        const { body } = await server.gql<any>(CUSTOMER, { role, ...(sub ? { sub } : {}), variables: { id: customerId } });
        expect({ role, errors: body.errors }).toEqual({ role, errors: undefined });
        expect({ role, personal: personalValues(body.data.customer) }).toEqual({ role, personal: [] });
        expect(body.data.customer.status).toBe('ERASED');
        expect(body.data.customer.transactions.totalCount).toBe(transactionsBefore.length);
        if (role === 'analyst' || role === 'auditor') {
          const amounts = body.data.customer.transactions.edges.map((e: any) => e.node.amount).sort();
          expect(amounts).toEqual(transactionsBefore.slice(0, 100).map((t) => t.amount).sort().slice(0, amounts.length));
          expect(body.data.customer.transactions.edges.every((e: any) => e.node.occurredAt && e.node.channel && e.node.currency)).toBe(true);
        }
        const text = JSON.stringify(body);
        for (const value of [before.id_number, before.phone, before.name, before.email]) if (value) expect(text).not.toContain(value);
      }
    });

    it('destroys the keys (data and history) and clears every sealed, masked and blind-index column of every row of theirs', async () => {
      expect(await sql(`SELECT 1 FROM keystore.customer_keys WHERE customer_id = $1`, [customerId])).toEqual([]);
      for (const [table, spec] of Object.entries(SEALED_TABLES)) {
        const { rows: columns } = await server.db.pool.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name ~ '_(sealed|masked|bidx)$'`,
          [table],
        );
        expect(columns.length).toBeGreaterThanOrEqual(spec.fields.length * 2);
        const rowsOf = table === 'customers' ? 't.id = $1' : table === 'complaint_events' ? 't.complaint_id IN (SELECT id FROM complaints WHERE customer_id = $1)' : 't.customer_id = $1';
        const [left] = await sql(`SELECT count(*)::int AS rows, ${columns.map((c) => `count(t.${c.column_name})::int AS "${c.column_name}"`).join(', ')} FROM ${table} t WHERE ${rowsOf}`, [customerId]);
        const { rows: n, ...filled } = left;
        expect({ table, filled: Object.entries(filled).filter(([, count]) => count !== 0) }).toEqual({ table, filled: [] });
        if (table === 'transactions') expect(n).toBe(transactionsBefore.length);
      }
      const [customer] = await sql(`SELECT name, gender, employer, legal_representative, credit_code, status FROM customers WHERE id = $1`, [customerId]);
      expect(customer).toEqual({ name: null, gender: null, employer: null, legal_representative: null, credit_code: null, status: 'ERASED' });
      expect(await sql(`SELECT 1 FROM transactions WHERE customer_id = $1 AND counterparty_name IS NOT NULL`, [customerId])).toEqual([]);
      expect(await sql(`SELECT 1 FROM contacts WHERE customer_id = $1`, [customerId])).toEqual([]);
      // The facts the law keeps stay, on the empty customer row.
      expect(await sql(`SELECT id, amount, occurred_at, channel, currency FROM transactions WHERE customer_id = $1 ORDER BY id`, [customerId])).toEqual(transactionsBefore);
      // No unwrapped key of theirs left in the server's memory.
      expect(server.keyring.cached(keyReference)).toBeUndefined();
    });

    it('keeps a deletion record: who requested, approved (both) and executed, when, which categories — no value of the person', async () => {
      const { body } = await server.gql<any>(RECORDS, as('auditor', auditor, { customerId }));
      expect(body.errors).toBeUndefined();
      const [{ node: record }] = body.data.deletionRecords.edges;
      expect(record).toMatchObject({
        requestId, customerId, basis: 'CUSTOMER_REQUEST', requestedBy: agent, departmentApprovedBy: departmentHead, informationHeadApprovedBy: informationHead,
        executedBy: admin, restrictedUntil: null, erasedAt: '2040-01-01T00:00:00.000Z',
      });
      expect(record.categories).toEqual(expect.arrayContaining(['Customer.name', 'Customer.idNumber', 'Customer.phone', 'Customer.birthDate', 'Transaction.accountNumber']));
      expect(record.categories).not.toContain('Transaction.amount');
      // Scanned as stored, and as served: nothing of the person.
      const [stored] = await sql(`SELECT to_jsonb(d)::text AS row FROM deletion_records d WHERE request_id = $1`, [requestId]);
      const [requestRow] = await sql(`SELECT to_jsonb(r)::text AS row FROM erasure_requests r WHERE id = $1`, [requestId]);
      for (const text of [stored.row, requestRow.row, JSON.stringify(body)]) {
        for (const value of [before.id_number, before.phone, before.name, before.bank_card_number, before.email]) if (value) expect(text).not.toContain(value);
        expect(text).not.toContain(maskPhone(before.phone));
        expect(text).not.toContain(maskName(before.name));
      }
      // Only auditors read the records.
      expect(errorOf(await server.gql(RECORDS, as('manager', otherManager, { customerId })))).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('registers every step in the change history and the access register', async () => {
      const steps = await historyOf('ErasureRequest', requestId);
      expect(steps.map((s) => `${s.action}:${s.principal_sub}`)).toEqual([`CREATE:${agent}`, `UPDATE:${departmentHead}`, `UPDATE:${informationHead}`, `UPDATE:${admin}`]);
      expect(steps.map((s) => s.changes.find((c) => c.field === 'status')?.new)).toEqual(['REQUESTED', 'DEPARTMENT_APPROVED', 'APPROVED', 'ERASED']);
      const customerHistory = await historyOf('Customer', customerId);
      expect(customerHistory.at(-1)).toMatchObject({ principal_sub: admin, changes: [{ field: 'status', old: 'CLOSED', new: 'ERASED' }] });
      const [{ id: recordId }] = await sql(`SELECT id FROM deletion_records WHERE request_id = $1`, [requestId]);
      expect((await historyOf('DeletionRecord', recordId)).map((s) => s.action)).toEqual(['CREATE']);
      // The history of the erasure names no value of the person either.
      const [{ text }] = await sql(`SELECT string_agg(changes::text, ' ') AS text FROM audit_changes WHERE entity IN ('ErasureRequest', 'DeletionRecord') AND customer_id = $1`, [customerId]);
      for (const value of [before.id_number, before.phone, before.name]) expect(text).not.toContain(value);
      const access = await sql(`SELECT operation_name, principal_sub, outcome FROM audit_access WHERE operation_name IN ('RequestErasure', 'ApproveErasure', 'ApproveErasureAsHead', 'ExecuteErasure') AND principal_sub = ANY($1::text[]) ORDER BY seq`, [[agent, departmentHead, informationHead, admin]]);
      for (const [operation, who] of [['RequestErasure', agent], ['ApproveErasure', departmentHead], ['ApproveErasureAsHead', informationHead], ['ExecuteErasure', admin]]) {
        expect(access).toContainEqual({ operation_name: operation, principal_sub: who, outcome: 'OK' });
      }
    });

    it('takes no new data and no second request for the erased customer', async () => {
      const again = await server.gql(REQUEST, as('service', agent, { input: { customerId, basis: 'CUSTOMER_REQUEST', reason: 'again' } }));
      expect(errorOf(again)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.customerId' });
      const update = await server.gql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { id } }`, as('manager', otherManager, { id: customerId }));
      expect(errorOf(update)).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('lets the erased ID number be used again for a new customer (no blind index holds it any more)', async () => {
      const create = await server.gql<any>(`mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id status } }`,
        as('sales', rep, { input: { kind: 'INDIVIDUAL', name: '重新开户', idNumber: before.id_number, phone: '13700002222' } }));
      const created = ok(create).createCustomer;
      expect(created.status).toBe('PENDING_REVIEW');
      const [review] = await sql(`SELECT id, duplicate_of FROM customer_duplicate_reviews WHERE customer_id = $1`, [created.id]);
      expect(review.duplicate_of).toBeNull();
      const kept = await server.gql<any>(`mutation ($id: ID!) { resolveCustomerReview(id: $id, decision: KEEP) { status } }`, as('manager', departmentHead, { id: review.id }));
      expect(ok(kept).resolveCustomerReview.status).toBe('KEPT');
      expect((await sql(`SELECT status FROM customers WHERE id = $1`, [created.id]))[0].status).toBe('ACTIVE');
    });
  });
});
