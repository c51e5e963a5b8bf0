import { buildCreditCode } from '../../src/domain/credit-code';
import { startTestServer, type CallOptions, type TestServer } from '../harness/server';

const CREATE = `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`;
const REQUEST = `mutation RequestErasure($input: RequestErasureInput!) { requestErasure(input: $input) { id } }`;
const APPROVE = `mutation ApproveErasure($id: ID!) { approveErasure(id: $id) { id } }`;
const APPROVE_HEAD = `mutation ApproveErasureAsHead($id: ID!) { approveErasureAsInformationHead(id: $id) { id } }`;
const EXECUTE = `mutation ExecuteErasure($id: ID!) { executeErasure(id: $id) { id status } }`;
const DESIGNATE = `mutation Designate($id: ID!, $designations: [StaffDesignation!]!, $reason: String!) { setStaffDesignations(id: $id, designations: $designations, reason: $reason) { id } }`;

// Review: after erasure, the change history and the erasure request still hold the person in clear.
/**
 * Found by review: what an erasure left readable outside the customer's rows — fields every role
 * reads but erasure clears (credit code, business scope) in clear in the change history, and the
 * erasure request's own free-text reason, which can name the person.
 */
describe('what an erasure leaves readable outside the customer rows', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(); });
  afterAll(() => server.stop());
  const ok = (r: { body: { errors?: unknown; data?: any } }) => { expect(r.body.errors).toBeUndefined(); return r.body.data; };
  const as = (role: CallOptions['role'], sub: string, variables: Record<string, unknown>): CallOptions => ({ role, sub, variables });

  it('the credit code, business scope and the request reason are gone once the customer is erased', async () => {
    const manager = await server.member('manager', 'rv-creator');
    const agent = await server.member('service', 'rv-agent');
    const head = await server.member('manager', 'rv-head');
    const info = await server.member('manager', 'rv-info');
    const admin = await server.member('admin', 'rv-admin');
    const dirAdmin = await server.member('admin', 'rv-dir-admin');
    ok(await server.gql(DESIGNATE, as('admin', dirAdmin, { id: info, designations: ['INFORMATION_MANAGEMENT_HEAD'], reason: 'appointed' })));
    const creditCode = buildCreditCode('310101', 99_000_777);
    const scope = 'Zhang Wei family bakery, 12 Example Road';
    const { createCustomer: { id } } = ok(await server.gql(CREATE, as('manager', manager, { input: { kind: 'CORPORATE', name: '张伟烘焙有限公司', creditCode, businessScope: scope, legalRepresentative: '张伟' } })));
    const reason = 'Zhang Wei asked in person at the Pudong branch to be forgotten';
    const { requestErasure: { id: rid } } = ok(await server.gql(REQUEST, as('service', agent, { input: { customerId: id, basis: 'CUSTOMER_REQUEST', reason } })));
    ok(await server.gql(APPROVE, as('manager', head, { id: rid })));
    ok(await server.gql(APPROVE_HEAD, as('manager', info, { id: rid })));
    expect(ok(await server.gql(EXECUTE, as('admin', admin, { id: rid }))).executeErasure.status).toBe('ERASED');

    const [{ history }] = (await server.db.pool.query(`SELECT string_agg(changes::text, ' ') AS history FROM audit_changes WHERE customer_id = $1`, [id])).rows;
    const [{ request }] = (await server.db.pool.query(`SELECT to_jsonb(r)::text AS request FROM erasure_requests r WHERE id = $1`, [rid])).rows;
    expect({ creditCodeInHistory: history.includes(creditCode), scopeInHistory: history.includes(scope), reasonInRequest: request.includes('Zhang Wei') })
      .toEqual({ creditCodeInHistory: false, scopeInHistory: false, reasonInRequest: false });
  }, 60_000);
});
