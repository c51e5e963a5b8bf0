/**
 * Attacks on the governance of issue 18 found in review, each written as the attacker would try it:
 * a grant that survives its grantee's deactivation (and comes back on reactivation), a request
 * approved for a member who is no longer served, and a lookup whose matches never reach an
 * incident's notification list.
 */
import { randomUUID } from 'node:crypto';
import { maskPhone } from '../../permissions/masks';
import { issueRegisteredPartnerToken } from '../../src/auth/partner-dev-token';
import { startTestServer, type CallOptions, type TestServer } from '../harness/server';

const REQUEST = `mutation Req($input: RequestClearAccessInput!) { requestClearAccess(input: $input) { id status } }`;
const APPROVE = `mutation Approve($id: ID!) { approveClearAccess(id: $id) { id status } }`;
const CUSTOMER = `query One($id: ID!) { customer(id: $id) { id phone } }`;

describe('Governance review: attacks', () => {
  let server: TestServer;
  let managers: string[];
  let admin: string;
  let auditor: string;
  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: 'manager' | 'admin' | 'auditor' | 'service', sub: string, variables: Record<string, unknown> = {}): CallOptions => ({ role, sub, variables });

  async function ok<T = any>(document: string, options: CallOptions): Promise<T> {
    const result = await server.gql<any>(document, options);
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data)[0] as T;
  }

  const taken = new Set<string>();
  async function freeCustomer(): Promise<{ id: string; phone: string }> {
    const rows = await server.clearRows<{ id: string; phone: string }>('customers', `t.status = 'ACTIVE' AND t.kind = 'INDIVIDUAL' AND t.phone_sealed IS NOT NULL`, [], 'ORDER BY t.id DESC LIMIT 100');
    const row = rows.find((r) => !taken.has(r.id))!;
    taken.add(row.id);
    return row;
  }

  /** A manager of its own (a member nobody else's test touches). */
  const freshManager = () => server.member('manager', `review-mgr-${randomUUID().slice(0, 8)}`);

  /** Tokens issued from now on are served again (the revocation instant moved back, as time passing would). */
  const laterTokensServed = (id: string) => sql(`UPDATE staff SET tokens_valid_after = now() - interval '1 minute' WHERE id = $1`, [id]);

  beforeAll(async () => {
    server = await startTestServer();
    managers = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' AND active ORDER BY username`)).map((r) => r.id);
    [{ id: admin }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'admin' AND active ORDER BY username LIMIT 1`);
    [{ id: auditor }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'auditor' AND active ORDER BY username LIMIT 1`);
  });
  afterAll(() => server.stop());

  it('a grant in force does not survive its grantee’s deactivation: reactivated, the manager sees the customer masked', async () => {
    const grantee = await freshManager();
    const c = await freeCustomer();
    const grant = await ok(REQUEST, as('manager', grantee, { input: { customerId: c.id, fields: ['phone'], purpose: 'supervision', reason: 'customer disputes a transfer' } }));
    await ok(APPROVE, as('manager', managers[0], { id: grant.id }));
    expect((await server.gql<any>(CUSTOMER, as('manager', grantee, { id: c.id }))).body.data.customer.phone).toBe(c.phone);

    await ok(`mutation D($id: ID!) { deactivateStaffMember(id: $id, reason: "account compromised") { active } }`, as('admin', admin, { id: grantee }));
    await ok(`mutation A($id: ID!) { activateStaffMember(id: $id, reason: "password reset, back at work") { active } }`, as('admin', admin, { id: grantee }));
    await laterTokensServed(grantee);

    const [row] = await sql(`SELECT status, revoked_by FROM clear_access_grants WHERE id = $1`, [grant.id]);
    expect(row).toEqual({ status: 'REVOKED', revoked_by: admin });
    const after = await server.gql<any>(CUSTOMER, as('manager', grantee, { id: c.id }));
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data.customer.phone).toBe(maskPhone(c.phone));
  });

  it('a pending request of a deactivated member cannot be approved (it would open on reactivation)', async () => {
    const grantee = await freshManager();
    const c = await freeCustomer();
    const grant = await ok(REQUEST, as('manager', grantee, { input: { customerId: c.id, fields: ['phone'], purpose: 'supervision', reason: 'customer disputes a transfer' } }));
    await ok(`mutation D($id: ID!) { deactivateStaffMember(id: $id, reason: "left the branch") { active } }`, as('admin', admin, { id: grantee }));

    const approval = await server.gql<any>(APPROVE, as('manager', managers[0], { id: grant.id }));
    expect(approval.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect((await sql(`SELECT status FROM clear_access_grants WHERE id = $1`, [grant.id]))[0].status).toBe('PENDING');
  });

  it('an approval racing the grantee’s deactivation waits for it, and is refused (no grant approved for a member deactivated meanwhile)', async () => {
    const grantee = await freshManager();
    const c = await freeCustomer();
    const grant = await ok(REQUEST, as('manager', grantee, { input: { customerId: c.id, fields: ['phone'], purpose: 'supervision', reason: 'customer disputes a transfer' } }));
    // A deactivation under way: the member's row locked, not yet committed.
    const deactivation = await server.db.pool.connect();
    try {
      await deactivation.query('BEGIN');
      await deactivation.query(`SELECT 1 FROM staff WHERE id = $1 FOR UPDATE`, [grantee]);
      let settled = false;
      const approval = server.gql<any>(APPROVE, as('manager', managers[0], { id: grant.id })).finally(() => (settled = true));
      // Until the approval either finishes or waits on the member's row (statements counted, no sleeping).
      for (let i = 0; i < 2000 && !settled; i++) {
        const [{ n }] = (await server.db.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%FROM staff WHERE id = $1 AND active%'`)).rows;
        if (n > 0) break;
      }
      await deactivation.query(`UPDATE staff SET active = false, tokens_valid_after = now() WHERE id = $1`, [grantee]);
      await deactivation.query('COMMIT');
      const result = await approval;
      expect(result.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    } finally {
      deactivation.release();
    }
    expect((await sql(`SELECT status FROM clear_access_grants WHERE id = $1`, [grant.id]))[0].status).toBe('PENDING');
  });

  it('an incident’s notification list names the customers a lookup matched, even when the answer carried only their ids', async () => {
    const agent = await server.member('service', `review-agent-${randomUUID().slice(0, 8)}`);
    const c = await freeCustomer();
    const probe = await server.gql<any>(`query P($p: String) { customers(first: 1, filter: { phone: $p }) { edges { node { id archiveNumber } } } }`, as('service', agent, { p: c.phone }));
    expect(probe.body.errors).toBeUndefined();
    expect(probe.body.data.customers.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([c.id]);
    await server.audit.writer.idle();

    const incident = await ok(
      `mutation D($input: DeclareIncidentInput!) { declareIncident(input: $input) { id } }`,
      as('auditor', auditor, { input: { principalKind: 'STAFF', principal: agent, from: new Date(Date.now() - 3_600_000).toISOString(), summary: 'service credentials phished' } }),
    );
    const list = await ok(`query L($id: ID!) { incidentNotificationList(id: $id) { customers { customerId } csv } }`, as('auditor', auditor, { id: incident.id }));
    expect(list.customers.map((x: { customerId: string }) => x.customerId)).toEqual([c.id]);
    expect(list.csv).not.toContain(c.phone);
  });
  it('npm run token makes up no agreement for a partner an administrator registered: refused without an approved one, and none recorded', async () => {
    const partner = `review-co-${randomUUID().slice(0, 8)}`;
    const registered = await server.gql<any>(`mutation ($input: RegisterPartnerInput!) { registerPartner(input: $input) { id } }`, as('admin', admin, { input: { id: partner, name: 'Review Co', purposes: ['partner_service'] } }));
    expect(registered.body.errors).toBeUndefined();
    await expect(issueRegisteredPartnerToken(server.db.pool, server.config, { partner, scopes: ['customers:read'], registeredPartnersGoverned: true })).rejects.toThrow(/no approved agreement/);
    expect(await sql(`SELECT status FROM partner_agreements WHERE partner_id = $1`, [partner])).toEqual([]);
    expect(await sql(`SELECT id FROM partner_tokens WHERE partner_id = $1`, [partner])).toEqual([]);
    // A partner the tool creates itself (development) still gets its development agreement.
    const own = `review-dev-${randomUUID().slice(0, 8)}`;
    await issueRegisteredPartnerToken(server.db.pool, server.config, { partner: own, scopes: ['customers:read'], registeredPartnersGoverned: true });
    expect(await sql(`SELECT status FROM partner_agreements WHERE partner_id = $1`, [own])).toEqual([{ status: 'APPROVED' }]);
  });
});
