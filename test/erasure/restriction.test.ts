/**
 * Erasure held back by a legal retention period (permissions/retention.ts): the customer becomes
 * RESTRICTED — no role reads anything personal of theirs, except managers and auditors under the
 * legal_hold purpose (and then masked, as ever) — and `npm run retention` erases them once the
 * period has ended. Time is moved with the server's clock, never waited for.
 */
import { maskName, maskPhone } from '../../permissions/masks';
import { TRANSACTION_RECORDS } from '../../permissions/retention';
import { createTokenSigner } from '../../src/auth/token-issuer';
import { createRequestContext, type RequestContext } from '../../src/context';
import { createLogger } from '../../src/logger';
import { RETENTION_PRINCIPAL, runRetention } from '../../schema/erasure/erasure.service';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const REQUEST = `mutation RequestErasure($input: RequestErasureInput!) { requestErasure(input: $input) { id status } }`;
const APPROVE = `mutation ApproveErasure($id: ID!) { approveErasure(id: $id) { id status } }`;
const APPROVE_HEAD = `mutation ApproveErasureAsHead($id: ID!) { approveErasureAsInformationHead(id: $id) { id status } }`;
const EXECUTE = `mutation ExecuteErasure($id: ID!) { executeErasure(id: $id) { id status restrictedUntil erasedAt } }`;
const DESIGNATE = `mutation Designate($id: ID!) { setStaffDesignations(id: $id, designations: [INFORMATION_MANAGEMENT_HEAD], reason: "appointed head of information management") { id } }`;
const CUSTOMER = `query Customer($id: ID!) { customer(id: $id) {
  id status restrictedUntil name idNumber phone email birthYear bankCardNumber
  transactions(first: 5) { edges { node { amount occurredAt description accountNumber counterpartyName } } }
} }`;
const RECORD = `query Records($customerId: ID) { deletionRecords(customerId: $customerId) { edges { node { requestId restrictedUntil erasedAt executedAt categories } } } }`;

/** When the erasures are executed: the seeded transactions (up to 2026-11) are all older. */
const EXECUTED_AT = new Date('2027-03-01T00:00:00Z');
const RESTRICTED_UNTIL = new Date(`${2027 + TRANSACTION_RECORDS.years}-03-01T00:00:00.000Z`);

describe('Restricted while a retention period runs, erased by npm run retention when it ends', () => {
  let server: TestServer;
  let agent: string;
  let departmentHead: string;
  let informationHead: string;
  let admin: string;
  let manager: string;
  let auditor: string;
  let rep: string;
  let customerId: string;
  let person: Record<string, any>;

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: CallOptions['role'], sub: string | undefined, variables: Record<string, unknown> = {}, purpose?: string): CallOptions => ({
    role, ...(sub ? { sub } : {}), variables, ...(purpose ? { purpose } : {}),
  });
  const ok = <T,>(result: GqlResult<T>): T => {
    expect(result.body.errors).toBeUndefined();
    return result.body.data as T;
  };

  const taken = new Set<string>();
  async function individual(): Promise<string> {
    const rows = await sql<{ id: string }>(
      `SELECT c.id FROM customers c WHERE c.status = 'ACTIVE' AND c.kind = 'INDIVIDUAL' AND c.phone_sealed IS NOT NULL
         AND EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id AND t.description_sealed IS NOT NULL)
       ORDER BY c.archive_number DESC LIMIT 20`,
    );
    const row = rows.find((r) => !taken.has(r.id))!;
    taken.add(row.id);
    return row.id;
  }

  /** Request, both approvals and execution, by four different people. */
  async function execute(id: string) {
    const { requestErasure } = ok(await server.gql<any>(REQUEST, as('service', agent, { input: { customerId: id, basis: 'END_OF_RELATIONSHIP', reason: 'accounts closed, customer asked for deletion' } })));
    ok(await server.gql(APPROVE, as('manager', departmentHead, { id: requestErasure.id })));
    ok(await server.gql(APPROVE_HEAD, as('manager', informationHead, { id: requestErasure.id })));
    return ok(await server.gql<any>(EXECUTE, as('admin', admin, { id: requestErasure.id }))).executeErasure as { id: string; status: string; restrictedUntil: string | null };
  }

  /** The context `npm run retention` runs in: the job, no person, on the server's pool, keyring and clock. */
  function retentionContext(): RequestContext {
    const principal = { sub: RETENTION_PRINCIPAL, role: 'admin' as const, scopes: [], partnerId: null, tokenId: null, staffId: null, issuedAt: null, expiresAt: new Date(Date.now() + 3_600_000) };
    return createRequestContext(server.pool, principal, { requestId: 'test-retention', clientAddress: null }, createLogger('silent'), {
      hashValue: server.audit.hashValue, signToken: createTokenSigner(server.config), consentBackdateDays: server.config.consentBackdateDays, clock: server.clock.now,
    });
  }

  beforeAll(async () => {
    server = await startTestServer();
    agent = await server.member('service', 'restriction-agent');
    departmentHead = await server.member('manager', 'restriction-department-head');
    informationHead = await server.member('manager', 'restriction-information-head');
    manager = await server.member('manager', 'restriction-reader');
    admin = await server.member('admin', 'restriction-admin');
    auditor = await server.member('auditor', 'restriction-auditor');
    rep = await server.member('sales', 'restriction-rep');
    ok(await server.gql(DESIGNATE, as('admin', await server.member('admin', 'restriction-directory-admin'), { id: informationHead })));
    server.clock.set(EXECUTED_AT);
    customerId = await individual();
    [person] = await server.clearRows('customers', 't.id = $1', [customerId]);
    await sql(`UPDATE customers SET relationship_manager_id = $2 WHERE id = $1`, [customerId, rep]);
    const executed = await execute(customerId);
    expect(executed).toMatchObject({ status: 'RESTRICTED', restrictedUntil: RESTRICTED_UNTIL.toISOString() });
  });

  afterAll(async () => {
    server.clock.set(null);
    await server.stop();
  });

  it('removes every personal field for every role, even the customer\'s own relationship manager (reason RESTRICTED)', async () => {
    for (const [role, sub] of [['manager', manager], ['auditor', auditor], ['sales', rep], ['service', agent], ['admin', admin], ['analyst', undefined]] as const) {
      const { body } = await server.gql<any>(CUSTOMER, as(role, sub, { id: customerId }));
      expect({ role, errors: body.errors }).toEqual({ role, errors: undefined });
      const { transactions, ...customer } = body.data.customer;
      expect({ role, customer }).toEqual({
        role,
        customer: { id: expect.any(String), status: 'RESTRICTED', restrictedUntil: RESTRICTED_UNTIL.toISOString(), name: null, idNumber: null, phone: null, email: null, birthYear: null, bankCardNumber: null },
      });
      for (const { node } of transactions.edges) expect(node).toMatchObject({ amount: expect.any(String), occurredAt: expect.any(String), description: null, accountNumber: null, counterpartyName: null });
      expect(body.extensions!.privacy.fields).toContainEqual(expect.objectContaining({ path: 'customer.phone', decision: 'REMOVE', reason: 'RESTRICTED' }));
      expect(JSON.stringify(body)).not.toContain(maskPhone(person.phone));
    }
  });

  it('finds the customer by no lookup: a service agent\'s exact match on the phone number comes back empty', async () => {
    const { body } = await server.gql<any>(`query ($phone: String!) { customers(filter: { phone: $phone }) { totalCount edges { node { id } } } }`, as('service', agent, { phone: person.phone }));
    expect(body.errors).toBeUndefined();
    expect(body.data.customers).toEqual({ totalCount: 0, edges: [] });
  });

  it('serves managers and auditors under legal_hold, masked as their role reads everyone, and registers the purpose', async () => {
    for (const [role, sub] of [['manager', manager], ['auditor', auditor]] as const) {
      const { body } = await server.gql<any>(CUSTOMER, { ...as(role, sub, { id: customerId }, 'legal_hold'), headers: { 'x-request-id': `legal-hold-${role}` } });
      expect(body.errors).toBeUndefined();
      expect(body.data.customer).toMatchObject({ status: 'RESTRICTED', name: maskName(person.name), phone: maskPhone(person.phone), birthYear: Number(person.birth_date.slice(0, 4)) });
      expect(body.data.customer.idNumber).not.toBe(person.id_number);
      const [record] = await sql(`SELECT purpose, customers_masked, customers_clear FROM audit_access WHERE request_id = $1`, [`legal-hold-${role}`]);
      expect(record).toEqual({ purpose: 'legal_hold', customers_masked: [customerId], customers_clear: [] });
    }
  });

  it('refuses legal_hold to every other role (FORBIDDEN naming the purpose)', async () => {
    for (const [role, sub] of [['service', agent], ['sales', rep], ['admin', admin], ['analyst', undefined]] as const) {
      const { body } = await server.gql<any>(CUSTOMER, as(role, sub, { id: customerId }, 'legal_hold'));
      expect({ role, code: body.errors?.[0].extensions?.code, fields: body.errors?.[0].extensions?.fields }).toEqual({ role, code: 'FORBIDDEN', fields: ['purpose'] });
      expect(body.data ?? null).toBeNull();
    }
  });

  it('keeps the keys and the ciphertexts while restricted, takes no new data, and records the restriction', async () => {
    expect(await sql(`SELECT 1 FROM keystore.customer_keys WHERE customer_id = $1`, [customerId])).toHaveLength(1);
    expect((await sql(`SELECT phone_sealed IS NOT NULL AS sealed FROM customers WHERE id = $1`, [customerId]))[0].sealed).toBe(true);
    const update = await server.gql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { id } }`, as('manager', manager, { id: customerId }));
    expect(update.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const complaint = await server.gql(`mutation ($input: FileComplaintInput!) { fileComplaint(input: $input) { id } }`,
      as('service', agent, { input: { customerId, channel: 'HOTLINE', category: 'OTHER', description: 'new complaint', urgency: 'LOW', severity: 'MINOR' } }));
    expect(complaint.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // Nothing is erased yet: the request says until when, and no deletion record exists (a restore would otherwise drop the keys).
    const { body } = await server.gql<any>(RECORD, as('auditor', auditor, { customerId }));
    expect(body.data.deletionRecords.edges).toEqual([]);
    const requests = await server.gql<any>(`query ($customerId: ID) { erasureRequests(customerId: $customerId) { edges { node { status executedBy executedAt restrictedUntil erasedAt } } } }`, as('auditor', auditor, { customerId }));
    expect(requests.body.data.erasureRequests.edges.map((e: any) => e.node)).toEqual([
      { status: 'RESTRICTED', executedBy: admin, executedAt: EXECUTED_AT.toISOString(), restrictedUntil: RESTRICTED_UNTIL.toISOString(), erasedAt: null },
    ]);
  });

  it('npm run retention leaves the customer restricted before the period ends, and erases them once it has', async () => {
    expect(await runRetention(retentionContext())).toEqual([]);
    server.clock.set(new Date(RESTRICTED_UNTIL.getTime() - 1000));
    expect(await runRetention(retentionContext())).toEqual([]);
    expect((await sql(`SELECT status FROM customers WHERE id = $1`, [customerId]))[0].status).toBe('RESTRICTED');

    server.clock.set(new Date(RESTRICTED_UNTIL.getTime() + 1000));
    expect(await runRetention(retentionContext())).toEqual([customerId]);
    expect(await sql(`SELECT 1 FROM keystore.customer_keys WHERE customer_id = $1`, [customerId])).toEqual([]);
    const [row] = await sql(`SELECT status, restricted_until, name, phone_sealed, phone_masked, phone_bidx, id_number_bidx FROM customers WHERE id = $1`, [customerId]);
    expect(row).toEqual({ status: 'ERASED', restricted_until: null, name: null, phone_sealed: null, phone_masked: null, phone_bidx: null, id_number_bidx: null });
    expect(await sql(`SELECT 1 FROM transactions WHERE customer_id = $1 AND (description_sealed IS NOT NULL OR description_masked IS NOT NULL OR account_number_sealed IS NOT NULL)`, [customerId])).toEqual([]);
    const { body } = await server.gql<any>(RECORD, as('auditor', auditor, { customerId }));
    expect(body.data.deletionRecords.edges.map((e: any) => e.node)).toEqual([expect.objectContaining({
      restrictedUntil: RESTRICTED_UNTIL.toISOString(), erasedAt: new Date(RESTRICTED_UNTIL.getTime() + 1000).toISOString(), executedAt: EXECUTED_AT.toISOString(),
      categories: expect.arrayContaining(['Customer.phone', 'Customer.name', 'Transaction.description']),
    })]);
    const [request] = await sql(`SELECT id, status, erased_at FROM erasure_requests WHERE customer_id = $1`, [customerId]);
    expect(request.status).toBe('ERASED');
    const history = await sql(`SELECT principal_sub, changes FROM audit_changes WHERE entity = 'ErasureRequest' AND entity_id = $1 ORDER BY seq`, [request.id]);
    expect(history.at(-1)).toMatchObject({ principal_sub: RETENTION_PRINCIPAL, changes: expect.arrayContaining([expect.objectContaining({ field: 'status', old: 'RESTRICTED', new: 'ERASED' })]) });
    // Legal hold has nothing left to lift.
    const held = await server.gql<any>(CUSTOMER, as('manager', manager, { id: customerId }, 'legal_hold'));
    expect(held.body.data.customer).toMatchObject({ status: 'ERASED', name: null, phone: null });
    expect(held.body.extensions!.privacy.fields).toContainEqual(expect.objectContaining({ path: 'customer.phone', reason: 'ERASED' }));
    // A second run finds nothing to do.
    expect(await runRetention(retentionContext())).toEqual([]);
  });

  it('is safe from several processes at once: each restricted customer erased exactly once', async () => {
    server.clock.set(EXECUTED_AT);
    const ids = [await individual(), await individual(), await individual()];
    for (const id of ids) expect((await execute(id)).status).toBe('RESTRICTED');
    server.clock.set(new Date(RESTRICTED_UNTIL.getTime() + 86_400_000));
    const runs = await Promise.all([runRetention(retentionContext()), runRetention(retentionContext()), runRetention(retentionContext())]);
    expect(runs.flat().sort()).toEqual([...ids].sort());
    expect(await sql(`SELECT id FROM customers WHERE id = ANY($1::uuid[]) AND status <> 'ERASED'`, [ids])).toEqual([]);
    const records = await sql(`SELECT count(*)::int AS n FROM deletion_records WHERE customer_id = ANY($1::uuid[])`, [ids]);
    expect(records[0].n).toBe(3);
  });

  it('ends a clear-access grant on the customer when the erasure is executed: under legal_hold the restricted customer is masked, not clear', async () => {
    server.clock.set(EXECUTED_AT);
    const id = await individual();
    const [c] = await server.clearRows<{ phone: string }>('customers', 't.id = $1', [id]);
    const { requestClearAccess: grant } = ok(await server.gql<any>(
      `mutation ($input: RequestClearAccessInput!) { requestClearAccess(input: $input) { id } }`,
      as('manager', manager, { input: { customerId: id, fields: ['phone'], purpose: 'legal_hold', reason: 'litigation hold on the accounts' } }),
    ));
    ok(await server.gql(`mutation ($id: ID!) { approveClearAccess(id: $id) { id } }`, as('manager', departmentHead, { id: grant.id })));
    const read = async () => (await server.gql<any>(`query ($id: ID!) { customer(id: $id) { status phone } }`, as('manager', manager, { id }, 'legal_hold'))).body.data.customer;
    expect(await read()).toEqual({ status: 'ACTIVE', phone: c.phone });

    expect(await execute(id)).toMatchObject({ status: 'RESTRICTED' });
    expect(await read()).toEqual({ status: 'RESTRICTED', phone: maskPhone(c.phone) });
    expect((await sql(`SELECT status, revoked_by FROM clear_access_grants WHERE id = $1`, [grant.id]))[0]).toEqual({ status: 'REVOKED', revoked_by: admin });
  });
});
