/**
 * Incident response, as an auditor would run it: declare an incident about a principal and a
 * window; its credentials stop working at once; the notification list names exactly the customers
 * the register says it received (clear and masked), as GraphQL and CSV; the timeline records each
 * step. A PRIVACY complaint opens an incident for triage.
 */
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const INCIDENT_FIELDS = 'id status source complaintId principalKind principalRef declaredBy containedAt notifiedAt timeline { kind actor detail }';
const DECLARE = `mutation D($input: DeclareIncidentInput!) { declareIncident(input: $input) { ${INCIDENT_FIELDS} } }`;
const CONTAIN = `mutation C($id: ID!, $input: DeclareIncidentInput!) { containIncident(id: $id, input: $input) { ${INCIDENT_FIELDS} } }`;
const LIST = `query L($id: ID!) { incidentNotificationList(id: $id) { incidentId csv customers { customerId archiveNumber receivedClear requests } } }`;
const NOTIFIED = `mutation N($id: ID!, $ref: String!) { recordIncidentNotified(id: $id, reference: $ref) { ${INCIDENT_FIELDS} } }`;

describe('Incident response', () => {
  let server: TestServer;
  let auditor: string;
  let admin: string;
  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();

  function errorOf(result: GqlResult): Record<string, unknown> {
    expect(result.body.errors?.length).toBeGreaterThan(0);
    return result.body.errors![0].extensions ?? {};
  }
  async function ok<T = any>(document: string, options: CallOptions): Promise<T> {
    const result = await server.gql<any>(document, options);
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data)[0] as T;
  }
  /** A seeded rep with customers of their own, not used by another test of this file. */
  const used = new Set<string>();
  async function repWithCustomers(): Promise<{ rep: string; own: string[] }> {
    const rows = await sql<{ rep: string; own: string[] }>(
      `SELECT relationship_manager_id AS rep, array_agg(id ORDER BY id) AS own FROM customers WHERE status = 'ACTIVE' AND relationship_manager_id IS NOT NULL
       GROUP BY 1 HAVING count(*) >= 2 ORDER BY 1`,
    );
    const row = rows.find((r) => !used.has(r.rep))!;
    used.add(row.rep);
    return row;
  }

  beforeAll(async () => {
    server = await startTestServer();
    [{ id: auditor }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'auditor' AND active ORDER BY username LIMIT 1`);
    [{ id: admin }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'admin' AND active ORDER BY username LIMIT 1`);
  });
  afterAll(() => server.stop());

  it('contains a staff member at once and lists exactly the customers they received, clear and masked, as GraphQL and CSV', async () => {
    const { rep, own } = await repWithCustomers();
    const other = await repWithCustomers();
    // What the rep saw: one own customer (clear), and a page of customers (masked but for their own).
    const seen = new Set<string>();
    const clear = new Set<string>();
    const one = await server.gql<any>(`query One($id: ID!) { customer(id: $id) { id phone } }`, { role: 'sales', sub: rep, variables: { id: own[0] } });
    expect(one.body.errors).toBeUndefined();
    seen.add(own[0]);
    if (one.body.data.customer.phone) clear.add(own[0]);
    const page = await server.gql<any>(`{ customers(first: 4) { edges { node { id name relationshipManager { id } } } } }`, { role: 'sales', sub: rep });
    for (const { node } of page.body.data.customers.edges) {
      seen.add(node.id);
      if (node.relationshipManager?.id === rep) clear.add(node.id);
    }
    // Someone else's reads are not the rep's.
    await server.gql(`query One($id: ID!) { customer(id: $id) { id phone } }`, { role: 'sales', sub: other.rep, variables: { id: other.own[0] } });
    await server.audit.writer.idle();

    const incident = await ok(DECLARE, { role: 'auditor', sub: auditor, variables: { input: { principalKind: 'STAFF', principal: rep, from: hourAgo(), summary: 'laptop of a relationship manager reported stolen' } } });
    expect(incident).toMatchObject({ status: 'CONTAINED', source: 'DECLARED', principalKind: 'STAFF', principalRef: rep, declaredBy: auditor });
    expect(incident.timeline.map((e: { kind: string }) => e.kind)).toEqual(['DECLARED', 'CONTAINED', 'AFFECTED_LISTED']);
    expect(JSON.parse(incident.timeline[2].detail)).toEqual({ customers: seen.size, receivedClear: clear.size });

    // Contained: the rep's very next request is refused.
    const after = await server.gql(`{ me { sub } }`, { role: 'sales', sub: rep });
    expect(after.status).toBe(403);
    expect(after.body.data ?? null).toBeNull();
    expect((await sql(`SELECT active FROM staff WHERE id = $1`, [rep]))[0].active).toBe(false);

    const list = await ok(LIST, { role: 'auditor', sub: auditor, variables: { id: incident.id } });
    expect(new Set(list.customers.map((c: { customerId: string }) => c.customerId))).toEqual(seen);
    expect(new Set(list.customers.filter((c: { receivedClear: boolean }) => c.receivedClear).map((c: { customerId: string }) => c.customerId))).toEqual(clear);
    expect(list.customers.map((c: { customerId: string }) => c.customerId)).not.toContain(other.own[0]);
    const lines = list.csv.trim().split('\n');
    expect(lines[0]).toBe('customer_id,archive_number,received_clear,requests,first_at,last_at');
    expect(lines.length).toBe(seen.size + 1);

    const notified = await ok(NOTIFIED, { role: 'auditor', sub: auditor, variables: { id: incident.id, ref: 'letters sent by the branch, batch A' } });
    expect(notified.status).toBe('NOTIFIED');
    expect(notified.timeline.map((e: { kind: string }) => e.kind)).toEqual(['DECLARED', 'CONTAINED', 'AFFECTED_LISTED', 'NOTIFICATION_EXPORTED', 'CUSTOMERS_NOTIFIED']);
    const history = await sql(`SELECT entity, action FROM audit_changes WHERE entity_id = $1 ORDER BY seq`, [rep]);
    expect(history).toEqual(expect.arrayContaining([{ entity: 'StaffMember', action: 'UPDATE' }]));
  });

  it('revokes the clear-access grants in force of a staff member it contains', async () => {
    const managers = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' AND active ORDER BY username`)).map((r) => r.id);
    const [{ id: customerId }] = await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY id DESC LIMIT 1`);
    const grant = await ok(`mutation R($input: RequestClearAccessInput!) { requestClearAccess(input: $input) { id } }`, { role: 'manager', sub: managers[0], variables: { input: { customerId, fields: ['phone'], purpose: 'supervision', reason: 'dispute about a transfer' } } });
    await ok(`mutation A($id: ID!) { approveClearAccess(id: $id) { id } }`, { role: 'manager', sub: managers[1], variables: { id: grant.id } });
    const incident = await ok(DECLARE, { role: 'admin', sub: admin, variables: { input: { principalKind: 'STAFF', principal: managers[0], from: hourAgo() } } });
    expect(JSON.parse(incident.timeline[1].detail)).toEqual({ staffDeactivated: managers[0], grantsRevoked: [grant.id] });
    expect((await sql(`SELECT status, revoked_by FROM clear_access_grants WHERE id = $1`, [grant.id]))[0]).toEqual({ status: 'REVOKED', revoked_by: admin });
  });

  it('contains a partner: every token revoked, the next request refused', async () => {
    const token = await server.token({ role: 'partner', partner: 'incident-partner', scopes: ['customers:read'] });
    expect((await server.gql(`{ me { sub } }`, { token })).status).toBe(200);
    const incident = await ok(DECLARE, { role: 'auditor', sub: auditor, variables: { input: { principalKind: 'PARTNER', principal: 'incident-partner', from: hourAgo() } } });
    expect(incident.status).toBe('CONTAINED');
    expect((await server.gql(`{ me { sub } }`, { token })).status).toBe(401);
    expect(await sql(`SELECT count(*)::int AS n FROM partner_tokens WHERE partner_id = 'incident-partner' AND revoked_at IS NULL`)).toEqual([{ n: 0 }]);
  });

  it('refuses an incident about oneself, and refuses roles that do not handle incidents', async () => {
    expect(errorOf(await server.gql(DECLARE, { role: 'auditor', sub: auditor, variables: { input: { principalKind: 'STAFF', principal: auditor, from: hourAgo() } } }))).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
    expect((await sql(`SELECT active FROM staff WHERE id = $1`, [auditor]))[0].active).toBe(true);
    const [{ id: manager }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' AND active ORDER BY username DESC LIMIT 1`);
    expect(errorOf(await server.gql(DECLARE, { role: 'manager', sub: manager, variables: { input: { principalKind: 'STAFF', principal: auditor, from: hourAgo() } } }))).toMatchObject({ code: 'FORBIDDEN', fields: ['Mutation.declareIncident'] });
  });

  it('opens an incident for triage when a PRIVACY complaint is filed, contained once its principal is named', async () => {
    const [{ id: customerId }] = await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY id LIMIT 1`);
    const [{ id: service }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'service' AND active ORDER BY username LIMIT 1`);
    const filed = await ok(`mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { id } }`, {
      role: 'service', sub: service, variables: { input: { customerId, channel: 'HOTLINE', category: 'PRIVACY', description: 'a stranger knew my balance', urgency: 'HIGH', severity: 'MAJOR' } },
    });
    const [incident] = await ok<any[]>(`{ incidents(status: TRIAGE) { ${INCIDENT_FIELDS} } }`, { role: 'auditor', sub: auditor }).then((all) => all.filter((i) => i.complaintId === filed.id));
    expect(incident).toMatchObject({ status: 'TRIAGE', source: 'COMPLAINT', principalKind: null });
    expect(incident.timeline.map((e: { kind: string }) => e.kind)).toEqual(['OPENED_FOR_TRIAGE']);
    // An ordinary complaint opens none.
    const fees = await ok(`mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { id } }`, {
      role: 'service', sub: service, variables: { input: { customerId, channel: 'HOTLINE', category: 'FEES', description: 'fee too high', urgency: 'LOW', severity: 'MINOR' } },
    });
    expect(await sql(`SELECT id FROM incidents WHERE complaint_id = $1`, [fees.id])).toEqual([]);

    const { rep } = await repWithCustomers();
    const contained = await ok(CONTAIN, { role: 'auditor', sub: auditor, variables: { id: incident.id, input: { principalKind: 'STAFF', principal: rep, from: hourAgo() } } });
    expect(contained).toMatchObject({ status: 'CONTAINED', principalRef: rep, declaredBy: auditor });
  });
});
