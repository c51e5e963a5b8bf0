import { randomUUID } from 'node:crypto';
import { maskName, maskPhone } from '../../permissions/masks';
import { ROLE_POLICIES } from '../../permissions/policy';
import { RELATIONSHIP_GRANTS } from '../../permissions/relationship-grants';
import type { Role } from '../../src/auth/principal';
import { createTokenSigner } from '../../src/auth/token-issuer';
import { windows } from '../../src/budget/budget-plugin';
import { sealedValuesOf } from '../harness/sealed-values';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * Nobody grants themselves clear data (issue "No one grants themselves clear data"): each test is
 * one of the attacks, run against the real server. Relationship-manager changes and consents have
 * test files of their own (test/relationship, test/partners/consent-integrity).
 */
describe('Self-granted access', () => {
  let server: TestServer;
  const sql = async <T = any>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const staffOf = async (role: string, offset = 0) =>
    (await sql<{ id: string; username: string }>(`SELECT id, username FROM staff WHERE role = $1 AND active AND username NOT LIKE 'test-%' ORDER BY username OFFSET $2 LIMIT 1`, [role, offset]))[0];
  let agent: { id: string; username: string };
  let otherAgent: { id: string; username: string };
  let manager: { id: string; username: string };
  /** Customers with no complaint still being worked by either agent. */
  let strangers: { id: string; name: string; phone: string }[];

  const FILE = `mutation ($input: FileComplaintInput!) { fileComplaint(input: $input) { id status customer { id name phone birthDate } } }`;
  const fileInput = (customerId: string, extra: Record<string, unknown> = {}) => ({
    customerId, channel: 'HOTLINE', category: 'FEES', description: 'Charged twice for the annual fee', ...extra,
  });
  const CUSTOMER = `query ($id: ID!) { customer(id: $id) { name phone } }`;

  beforeAll(async () => {
    server = await startTestServer();
    agent = await staffOf('service', 0);
    otherAgent = await staffOf('service', 1);
    manager = await staffOf('manager', 0);
    // Ground truth with the sealed fields opened (the plaintext columns are NULL).
    strangers = await server.clearRows(
      'customers',
      `t.kind = 'INDIVIDUAL' AND t.phone_sealed IS NOT NULL AND t.status = 'ACTIVE'
       AND NOT EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = t.id AND k.assignee_id = ANY($1::uuid[]))`,
      [[agent.id, otherAgent.id]],
      'ORDER BY t.id LIMIT 12',
    );
    expect(strangers).toHaveLength(12);
    for (const c of strangers) expect(c.phone).toEqual(expect.any(String));
  });
  afterAll(() => server.stop());

  describe('complaint assignment', () => {
    it('refuses a service agent who assigns a complaint to themselves, writes nothing and shows nothing clear', async () => {
      const before = (await sql(`SELECT count(*)::int AS n FROM complaints`))[0].n;
      const { status, body } = await server.gql<any>(FILE, {
        role: 'service', sub: agent.id, variables: { input: fileInput(strangers[0].id, { assigneeId: agent.id }) }, headers: { 'x-purpose': 'identity_verification' },
      });
      expect(status).toBe(403);
      expect(body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', fields: ['fileComplaint(input.assigneeId)'] });
      expect(body.data ?? null).toBeNull();
      expect(JSON.stringify(body)).not.toContain(strangers[0].phone);
      expect((await sql(`SELECT count(*)::int AS n FROM complaints`))[0].n).toBe(before);
    });

    it('refuses ten aliased self-assignments as one: nothing written', async () => {
      const before = (await sql(`SELECT count(*)::int AS n FROM complaints`))[0].n;
      const aliases = strangers.slice(0, 10).map((c, i) => `f${i}: fileComplaint(input: { customerId: "${c.id}", channel: HOTLINE, category: FEES, description: "x", assigneeId: "${agent.id}" }) { customer { name phone } }`);
      const { status, body } = await server.gql<any>(`mutation { ${aliases.join(' ')} }`, { role: 'service', sub: agent.id });
      expect(status).toBe(403);
      expect(body.errors![0].extensions?.code).toBe('FORBIDDEN');
      for (const c of strangers.slice(0, 10)) expect(JSON.stringify(body)).not.toContain(c.phone);
      expect((await sql(`SELECT count(*)::int AS n FROM complaints`))[0].n).toBe(before);
    });

    it('lets an agent file a complaint unassigned: the answer carries masked contact data, and no access follows', async () => {
      const customer = strangers[1];
      const { body } = await server.gql<any>(FILE, { role: 'service', sub: agent.id, variables: { input: fileInput(customer.id) } });
      expect(body.errors).toBeUndefined();
      expect(body.data.fileComplaint).toMatchObject({ status: 'RECEIVED', customer: { name: maskName(customer.name), phone: maskPhone(customer.phone) } });
      const later = await server.gql<any>(CUSTOMER, { role: 'service', sub: agent.id, variables: { id: customer.id } });
      expect(later.body.data.customer).toEqual({ name: maskName(customer.name), phone: maskPhone(customer.phone) });
    });

    it('refuses assignComplaint to a service agent (only managers assign)', async () => {
      const [{ id }] = await sql(`SELECT id FROM complaints WHERE status = 'RECEIVED' ORDER BY id LIMIT 1`);
      const { status, body } = await server.gql<any>(`mutation ($input: AssignComplaintInput!) { assignComplaint(input: $input) { id } }`, {
        role: 'service', sub: agent.id, variables: { input: { complaintId: id, assigneeId: agent.id } },
      });
      expect(status).toBe(403);
      expect(body.errors![0].extensions?.code).toBe('FORBIDDEN');
      expect((await sql(`SELECT assignee_id FROM complaints WHERE id = $1`, [id]))[0].assignee_id).toBeNull();
    });

    it('refuses a manager who names themselves as the assignee (SELF_ASSIGNMENT)', async () => {
      const customer = strangers[2];
      const { status, body } = await server.gql<any>(FILE, { role: 'manager', sub: manager.id, variables: { input: fileInput(customer.id, { assigneeId: manager.id }) } });
      expect(status).toBe(403);
      expect(body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SELF_ASSIGNMENT' });
    });

    it('a manager assigns; the agent reads clear while the complaint is worked, not after reassignment, resolution or closing', async () => {
      const customer = strangers[3];
      const filed = await server.gql<any>(FILE, { role: 'service', sub: agent.id, variables: { input: fileInput(customer.id) } });
      const complaintId = filed.body.data.fileComplaint.id;
      const ASSIGN = `mutation ($input: AssignComplaintInput!) { assignComplaint(input: $input) { id status assignedAt assignee { id } } }`;
      const assigned = await server.gql<any>(ASSIGN, { role: 'manager', sub: manager.id, variables: { input: { complaintId, assigneeId: agent.id, note: 'hotline queue' } } });
      expect(assigned.body.errors).toBeUndefined();
      expect(assigned.body.data.assignComplaint).toMatchObject({ status: 'ASSIGNED', assignee: { id: agent.id } });
      const [row] = await sql(`SELECT assigned_by FROM complaints WHERE id = $1`, [complaintId]);
      expect(row.assigned_by).toBe(manager.id);

      const clear = { name: customer.name, phone: customer.phone };
      const masked = { name: maskName(customer.name), phone: maskPhone(customer.phone) };
      const read = async (sub: string) => (await server.gql<any>(CUSTOMER, { role: 'service', sub, variables: { id: customer.id } })).body.data.customer;
      expect(await read(agent.id)).toEqual(clear);

      // Reassigned: the first agent's access ends at once, the second agent's begins.
      await server.gql<any>(ASSIGN, { role: 'manager', sub: manager.id, variables: { input: { complaintId, assigneeId: otherAgent.id } } });
      expect(await read(agent.id)).toEqual(masked);
      expect(await read(otherAgent.id)).toEqual(clear);

      // Resolved (the workflow's step): access ends, though the complaint is not closed yet.
      await sql(`UPDATE complaints SET status = 'RESOLVED', resolved_at = now() WHERE id = $1`, [complaintId]);
      expect(await read(otherAgent.id)).toEqual(masked);
      const again = await server.gql<any>(ASSIGN, { role: 'manager', sub: manager.id, variables: { input: { complaintId, assigneeId: agent.id } } });
      // The workflow's typed refusal, naming the state it is in and the states assignment is taken from.
      expect(again.body.errors![0].extensions).toMatchObject({ code: 'STEP_NOT_ALLOWED', field: 'input.complaintId', step: 'assign', status: 'RESOLVED' });

      const history = await sql(`SELECT principal_sub, action FROM audit_changes WHERE entity = 'Complaint' AND entity_id = $1 ORDER BY seq`, [complaintId]);
      expect(history.map((h) => `${h.action}:${h.principal_sub}`)).toEqual([`CREATE:${agent.id}`, `UPDATE:${manager.id}`, `UPDATE:${manager.id}`]);
    });

    it('the database itself refuses a complaint assigned by its assignee', async () => {
      const [{ id }] = await sql(`SELECT id FROM complaints WHERE status = 'RECEIVED' ORDER BY id LIMIT 1`);
      await expect(sql(`UPDATE complaints SET assignee_id = $1, assigned_by = $1 WHERE id = $2`, [agent.id, id])).rejects.toThrow(/complaints_not_self_assigned_check/);
    });
  });

  describe("a mutation's answer is decided by the relationships as they were before it ran", () => {
    it('keeps a relationship created inside the mutation from showing clear values in its own answer', async () => {
      const rep = await staffOf('sales', 7);
      const customer = strangers[4];
      // A side effect standing for any mutation that creates a relationship: filing a complaint makes the caller its RM.
      await sql(`CREATE FUNCTION test_make_rm() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN UPDATE customers SET relationship_manager_id = '${rep.id}' WHERE id = NEW.customer_id; RETURN NEW; END $$`);
      await sql(`CREATE TRIGGER test_make_rm AFTER INSERT ON complaints FOR EACH ROW EXECUTE FUNCTION test_make_rm()`);
      try {
        const { body } = await server.gql<any>(FILE, { role: 'sales', sub: rep.id, variables: { input: fileInput(customer.id) } });
        expect(body.errors).toBeUndefined();
        expect(body.data.fileComplaint.customer).toMatchObject({ name: maskName(customer.name), phone: maskPhone(customer.phone) });
        // The next request sees the relationship as it now is.
        const later = await server.gql<any>(CUSTOMER, { role: 'sales', sub: rep.id, variables: { id: customer.id } });
        expect(later.body.data.customer).toEqual({ name: customer.name, phone: customer.phone });
      } finally {
        await sql(`DROP TRIGGER test_make_rm ON complaints`);
        await sql(`DROP FUNCTION test_make_rm()`);
      }
    });

    it('holds no connection for a mutation another plugin refuses (the snapshot is taken only once the request is admitted)', async () => {
      const rep = await staffOf('sales', 3);
      const [own] = await sql(`SELECT id FROM customers WHERE relationship_manager_id = $1 AND status = 'ACTIVE' LIMIT 1`, [rep.id]);
      // The rep's clear values of the day are spent (today and tomorrow): every mutation below is refused by the budget plugin.
      const { daily } = ROLE_POLICIES.sales.budgets;
      for (const at of [Date.now(), Date.now() + 86_400_000]) await server.budgets.reserve(`staff:${rep.id}`, windows(at).day, { clear: daily.clear, masked: 0, probes: 0 }, daily);
      const ADD = `mutation ($c: ID!) { addContact(customerId: $c, input: { name: "张三", phone: "13800000000" }) { name phone } }`;
      const answers = await Promise.all(Array.from({ length: 20 }, () => server.gql<any>(ADD, { role: 'sales', sub: rep.id, variables: { c: own.id } })));
      expect(new Set(answers.map((a) => a.body.errors?.[0]?.extensions?.code))).toEqual(new Set(['EXPOSURE_BUDGET_EXHAUSTED']));
      const stuck = await sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`);
      expect(stuck[0].n).toBe(0);
      expect((await server.gql<any>(`{ me { role } }`, { role: 'manager' })).status).toBe(200);
    });

    it('still shows the caller clear values of a relationship that held before (own customer updated by its rep)', async () => {
      const [own] = await sql(`SELECT id, relationship_manager_id AS rm, name FROM customers WHERE kind = 'INDIVIDUAL' AND relationship_manager_id IS NOT NULL AND status = 'ACTIVE' ORDER BY id LIMIT 1`);
      const { body } = await server.gql<any>(`mutation ($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { name tier } }`, { role: 'sales', sub: own.rm, variables: { id: own.id } });
      expect(body.errors).toBeUndefined();
      expect(body.data.updateCustomer).toEqual({ name: own.name, tier: 'KEY' });
    });
  });

  describe('staff identity comes from the directory', () => {
    const ME = `{ me { sub role staffMember { username } } }`;

    it('serves an active member under their directory id, whatever subject form the token used (id or username)', async () => {
      const byId = await server.gql<any>(ME, { role: 'service', sub: agent.id });
      const byName = await server.gql<any>(ME, { role: 'service', sub: agent.username });
      expect(byId.body.data.me).toEqual({ sub: agent.id, role: 'SERVICE', staffMember: { username: agent.username } });
      expect(byName.body.data.me).toEqual(byId.body.data.me);
    });

    it('refuses a subject that is not in the directory (the old shared dev-<role> subjects) with 401 UNKNOWN_STAFF_MEMBER', async () => {
      for (const sub of ['dev-sales', randomUUID()]) {
        const { status, body } = await server.gql<any>(ME, { role: 'sales', sub });
        expect(status).toBe(401);
        expect(body.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'UNKNOWN_STAFF_MEMBER' });
      }
    });

    it('refuses a token whose role disagrees with the directory: 403 ROLE_MISMATCH', async () => {
      const { status, body } = await server.gql<any>(CUSTOMER, { role: 'manager', sub: agent.id, variables: { id: strangers[0].id } });
      expect(status).toBe(403);
      expect(body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_MISMATCH' });
      expect(body.data ?? null).toBeNull();
    });

    it('refuses a staff token without a token id (jti)', async () => {
      const signer = createTokenSigner(server.config);
      const token = await signer({ role: 'service', sub: agent.id, jti: '', scopes: [], expires: '1h' });
      const { status } = await server.gql<any>(ME, { token });
      expect(status).toBe(401);
    });

    it('refuses a deactivated member on the very next request, with every token; reactivation serves new tokens only', async () => {
      const member = await staffOf('service', 4);
      const admin = await staffOf('admin', 0);
      const token = await server.token({ role: 'service', sub: member.id });
      const second = await server.token({ role: 'service', sub: member.username });
      const assignedToMember = strangers[5];
      // The description is free text, stored sealed under the customer's key with the row id as associated data.
      const complaintId = randomUUID();
      const { description_sealed, description_masked } = await sealedValuesOf(server.db.pool, server.keyring, 'complaints', complaintId, assignedToMember.id, { description: 'x' });
      await sql(
        `INSERT INTO complaints (id, customer_id, channel, category, description_sealed, description_masked, urgency, severity, status, assignee_id, assigned_by, assigned_at, received_at, due_at)
         VALUES ($1, $2, 'HOTLINE', 'FEES', $3, $4, 'NORMAL', 'MODERATE', 'ASSIGNED', $5, $6, now(), now(), now() + interval '7 days')`,
        [complaintId, assignedToMember.id, description_sealed, description_masked, member.id, manager.id],
      );
      expect((await server.gql<any>(CUSTOMER, { token, variables: { id: assignedToMember.id } })).body.data.customer.phone).toBe(assignedToMember.phone);

      const DEACTIVATE = `mutation ($id: ID!, $reason: String!) { deactivateStaffMember(id: $id, reason: $reason) { active statusReason } }`;
      const deactivated = await server.gql<any>(DEACTIVATE, { role: 'admin', sub: admin.id, variables: { id: member.username, reason: 'left the company' } });
      expect(deactivated.body.data.deactivateStaffMember).toEqual({ active: false, statusReason: 'left the company' });
      for (const t of [token, second]) {
        const refused = await server.gql<any>(CUSTOMER, { token: t, variables: { id: assignedToMember.id } });
        expect(refused.status).toBe(403);
        expect(refused.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'STAFF_INACTIVE' });
        expect(JSON.stringify(refused.body)).not.toContain(assignedToMember.phone);
      }

      await server.gql<any>(`mutation ($id: ID!) { activateStaffMember(id: $id, reason: "rehired") { active } }`, { role: 'admin', sub: admin.id, variables: { id: member.id } });
      const old = await server.gql<any>(ME, { token });
      expect(old.body.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
      const fresh = await server.token({ role: 'service', sub: member.id, issuedAt: new Date(Date.now() + 2000) });
      expect((await server.gql<any>(ME, { token: fresh })).body.data.me.sub).toBe(member.id);

      const history = await sql(`SELECT principal_sub, changes FROM audit_changes WHERE entity = 'StaffMember' AND entity_id = $1 ORDER BY seq`, [member.id]);
      expect(history).toHaveLength(2);
      expect(history.every((h) => h.principal_sub === admin.id)).toBe(true);
    });

    it('revokes every token a member holds, effective on the next request; later tokens work', async () => {
      const member = await staffOf('sales', 9);
      const admin = await staffOf('admin', 1);
      const token = await server.token({ role: 'sales', sub: member.id });
      expect((await server.gql<any>(ME, { token })).status).toBe(200);
      const revoked = await server.gql<any>(`mutation ($id: ID!) { revokeStaffTokens(id: $id, reason: "laptop stolen") { tokensValidAfter } }`, { role: 'admin', sub: admin.id, variables: { id: member.id } });
      expect(revoked.body.data.revokeStaffTokens.tokensValidAfter).toEqual(expect.any(String));
      const refused = await server.gql<any>(ME, { token });
      expect(refused.status).toBe(401);
      expect(refused.body.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
      const later = await server.token({ role: 'sales', sub: member.id, issuedAt: new Date(Date.now() + 2000) });
      expect((await server.gql<any>(ME, { token: later })).status).toBe(200);
    });

    it('lets only administrators change the directory; nobody reactivates themselves', async () => {
      for (const role of ['manager', 'sales', 'service', 'analyst', 'auditor'] as Role[]) {
        const { body } = await server.gql<any>(`mutation { revokeStaffTokens(id: "${agent.id}", reason: "testing") { id } }`, { role });
        expect(body.errors![0].extensions?.code).toBe('FORBIDDEN');
      }
      const admin = await staffOf('admin', 1);
      const token = await server.token({ role: 'admin', sub: admin.id });
      await server.gql<any>(`mutation ($id: ID!) { deactivateStaffMember(id: $id, reason: "self test") { active } }`, { token, variables: { id: admin.id } });
      const selfRevive = await server.gql<any>(`mutation ($id: ID!) { activateStaffMember(id: $id, reason: "let me in") { active } }`, { token, variables: { id: admin.id } });
      expect(selfRevive.status).toBe(403);
      expect((await sql(`SELECT active FROM staff WHERE id = $1`, [admin.id]))[0].active).toBe(false);
      await sql(`UPDATE staff SET active = true WHERE id = $1`, [admin.id]);
    });

    it('deactivates and reactivates a partner through the API: every token refused at once', async () => {
      const admin = await staffOf('admin', 0);
      const partner = `p-${randomUUID().slice(0, 8)}`;
      const token = await server.token({ role: 'partner', partner, scopes: ['customers:read'] });
      expect((await server.gql<any>(`{ me { partnerId } }`, { token })).status).toBe(200);
      await server.gql<any>(`mutation ($id: String!) { deactivatePartner(id: $id, reason: "breach reported") { active } }`, { role: 'admin', sub: admin.id, variables: { id: partner } });
      const refused = await server.gql<any>(`{ me { partnerId } }`, { token });
      expect(refused.status).toBe(403);
      expect(refused.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_INACTIVE' });
      await server.gql<any>(`mutation ($id: String!) { activatePartner(id: $id, reason: "assessed again") { active } }`, { role: 'admin', sub: admin.id, variables: { id: partner } });
      expect((await server.gql<any>(`{ me { partnerId } }`, { token })).status).toBe(200);
    });
  });

  describe('budgets belong to the accountable party', () => {
    const dayKeys = async () => (await sql<{ key: string }>(`SELECT DISTINCT key FROM usage_counters WHERE window_kind = 'day'`)).map((r) => r.key);

    it('counts every token of one partner against one budget', async () => {
      const partner = `p-${randomUUID().slice(0, 8)}`;
      const first = await server.token({ role: 'partner', partner, scopes: ['customers:read'] });
      const second = await server.token({ role: 'partner', partner, scopes: ['customers:read'] });
      for (const token of [first, second]) expect((await server.gql<any>(`{ me { partnerId } }`, { token })).status).toBe(200);
      if (server.config.redisUrl) return; // counters in Redis: the key is checked through the refusal test below
      const minuteRows = await sql(`SELECT key, requests FROM usage_counters WHERE window_kind = 'minute' AND key LIKE $1`, [`%${partner}%`]);
      expect(minuteRows.map((r) => r.key)).toEqual([`partner:${partner}`]);
      expect(minuteRows.reduce((n, r) => n + Number(r.requests), 0)).toBe(2);
      expect(await dayKeys()).not.toContain(expect.stringMatching(/^token:/));
    });

    it('refuses a token of a partner whose minute and day the partner has spent (through any of its tokens)', async () => {
      const partner = `p-${randomUUID().slice(0, 8)}`;
      const token = await server.token({ role: 'partner', partner, scopes: ['customers:read', 'customers.contact:read'] });
      const { requestsPerMinute, daily } = ROLE_POLICIES.partner.budgets;
      const store = server.budgets;
      {
        // This window and the next: a minute's edge between the two calls changes nothing.
        const now = Date.now();
        for (const at of [now, now + 60_000]) for (let i = 0; i < requestsPerMinute; i++) await store.countRequest(`partner:${partner}`, windows(at).minute);
        const limited = await server.gql<any>(`{ me { partnerId } }`, { token });
        expect(limited.status).toBe(429);
        expect(limited.body.errors![0].extensions?.code).toBe('RATE_LIMITED');

        const other = `p-${randomUUID().slice(0, 8)}`;
        const fresh = await server.token({ role: 'partner', partner: other, scopes: ['customers:read', 'customers.contact:read'] });
        for (const at of [now, now + 86_400_000]) await store.reserve(`partner:${other}`, windows(at).day, { clear: 0, masked: daily.masked, probes: 0 }, daily);
        const exhausted = await server.gql<any>(`{ customers(first: 5) { edges { node { phone } } } }`, { token: fresh });
        expect(exhausted.status).toBe(429);
        expect(exhausted.body.errors![0].extensions?.code).toBe('EXPOSURE_BUDGET_EXHAUSTED');
      }
    });

    it("counts a staff member's tokens against one budget", async () => {
      const member = await staffOf('sales', 11);
      const a = await server.token({ role: 'sales', sub: member.id });
      const b = await server.token({ role: 'sales', sub: member.username });
      for (const token of [a, b]) await server.gql<any>(`{ customers(first: 2) { edges { node { phone } } } }`, { token });
      if (server.config.redisUrl) return;
      const rows = await sql(`SELECT key FROM usage_counters WHERE key LIKE $1 GROUP BY key`, [`%${member.id}%`]);
      expect(rows.map((r) => r.key)).toEqual([`staff:${member.id}`]);
    });
  });

  describe('the policy declares who grants each relationship', () => {
    it('gives no beneficiary role an operation or input field that establishes its own relationship', () => {
      const leaks: string[] = [];
      for (const grant of Object.values(RELATIONSHIP_GRANTS)) {
        for (const role of grant.beneficiaries as Role[]) {
          const policy = ROLE_POLICIES[role];
          for (const way of grant.establishedBy) {
            const [type, operation, field] = way.split('.');
            if (field === undefined && policy.operations.includes(`${type}.${operation}`)) leaks.push(`${role}: ${way}`);
            if (field !== undefined && policy.writes[operation]?.fields.includes(field)) leaks.push(`${role}: ${way}`);
          }
        }
      }
      expect(leaks).toEqual([]);
    });

    it('lets only granting roles call the operations that establish a relationship', () => {
      for (const grant of Object.values(RELATIONSHIP_GRANTS)) {
        for (const way of grant.establishedBy) {
          const [type, operation, field] = way.split('.');
          const holders = (Object.keys(ROLE_POLICIES) as Role[]).filter((role) =>
            field === undefined ? ROLE_POLICIES[role].operations.includes(`${type}.${operation}`) : ROLE_POLICIES[role].writes[operation]?.fields.includes(field),
          );
          expect({ way, holders: holders.filter((r) => !grant.grantedBy.includes(r)) }).toEqual({ way, holders: [] });
        }
      }
    });

    it('no longer lets partners declare or be consented for marketing (seed 000 二(三)3)', () => {
      expect(ROLE_POLICIES.partner.purposes.allowed).not.toContain('marketing');
    });
  });
});
