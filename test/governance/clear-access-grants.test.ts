/**
 * Clear access by grant (break-glass), written as the attacks on it and as a manager and an
 * approver would use it: requested, approved by a second person, used (every value registered
 * with the grant's id), expired by the clock, revoked; self-approval refused; the emergency path.
 */
import { maskIdNumber, maskName, maskPhone } from '../../permissions/masks';
import { CLEAR_ACCESS_GRANTS } from '../../permissions/clear-access-grants';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const GRANT_FIELDS = 'id status granteeId customerId fields purpose minutes emergency decidedBy startsAt expiresAt inForce reviewedBy reviewOutcome';
const REQUEST = `mutation Req($input: RequestClearAccessInput!) { requestClearAccess(input: $input) { ${GRANT_FIELDS} } }`;
const APPROVE = `mutation Approve($id: ID!) { approveClearAccess(id: $id) { ${GRANT_FIELDS} } }`;
const REJECT = `mutation Reject($id: ID!, $note: String!) { rejectClearAccess(id: $id, note: $note) { ${GRANT_FIELDS} } }`;
const REVOKE = `mutation Revoke($id: ID!, $reason: String!) { revokeClearAccess(id: $id, reason: $reason) { ${GRANT_FIELDS} } }`;
const EMERGENCY = `mutation Em($input: EmergencyClearAccessInput!) { openEmergencyClearAccess(input: $input) { ${GRANT_FIELDS} } }`;
const REVIEW = `mutation Review($id: ID!, $outcome: EmergencyReviewOutcome!, $note: String!) { reviewEmergencyClearAccess(id: $id, outcome: $outcome, note: $note) { ${GRANT_FIELDS} } }`;
const CUSTOMER = `query One($id: ID!) { customer(id: $id) { id name phone idNumber } }`;

describe('Clear access by grant (break-glass)', () => {
  let server: TestServer;
  let managers: string[];
  let sales: string;
  let t0: Date;

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: 'manager' | 'sales' | 'auditor', sub: string, variables: Record<string, unknown> = {}, purpose?: string): CallOptions => ({ role, sub, variables, ...(purpose ? { purpose } : {}) });
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

  const taken = new Set<string>();
  async function freeCustomer(): Promise<{ id: string; name: string; phone: string; id_number: string }> {
    const rows = await server.clearRows<{ id: string; name: string; phone: string; id_number: string }>('customers', `t.status = 'ACTIVE' AND t.kind = 'INDIVIDUAL' AND t.phone_sealed IS NOT NULL`, [], 'ORDER BY t.id LIMIT 100');
    const row = rows.find((r) => !taken.has(r.id))!;
    taken.add(row.id);
    return row;
  }

  function errorOf(result: GqlResult): Record<string, unknown> {
    expect(result.body.errors?.length).toBeGreaterThan(0);
    return result.body.errors![0].extensions ?? {};
  }

  async function ok<T = any>(document: string, options: CallOptions): Promise<T> {
    const result = await server.gql<any>(document, options);
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data)[0] as T;
  }

  const request = (manager: string, customerId: string, fields = ['phone'], extra: Record<string, unknown> = {}) =>
    ok(REQUEST, as('manager', manager, { input: { customerId, fields, purpose: 'supervision', reason: 'customer disputes a transfer on the phone line', ...extra } }));

  const read = (manager: string, customerId: string, purpose?: string) => server.gql<any>(CUSTOMER, as('manager', manager, { id: customerId }, purpose));
  const fieldEntry = (result: GqlResult, field: string) => (result.body.extensions?.privacy.fields as any[]).filter((f) => f.field === field);

  beforeAll(async () => {
    server = await startTestServer();
    managers = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' AND active ORDER BY username`)).map((r) => r.id);
    [{ id: sales }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'sales' AND active ORDER BY username LIMIT 1`);
    expect(managers.length).toBeGreaterThanOrEqual(3);
    t0 = new Date(Date.now() + 60_000);
    server.clock.set(t0);
  });

  afterEach(async () => {
    server.clock.set(t0);
    await server.resetBreadth();
  });

  afterAll(() => server.stop());

  describe('without an approved grant a manager sees masks', () => {
    it('masks every field of a customer for a manager with no grant (reason NOT_GRANT)', async () => {
      const c = await freeCustomer();
      const result = await read(managers[0], c.id);
      expect(result.body.data.customer).toMatchObject({ name: maskName(c.name), phone: maskPhone(c.phone), idNumber: maskIdNumber(c.id_number) });
      expect(fieldEntry(result, 'Customer.phone')).toEqual([expect.objectContaining({ decision: 'MASK', reason: 'NOT_GRANT' })]);
    });

    it('a request alone opens nothing, and its answer carries no customer data', async () => {
      const c = await freeCustomer();
      const grant = await request(managers[0], c.id);
      expect(grant).toMatchObject({ status: 'PENDING', granteeId: managers[0], customerId: c.id, fields: ['Customer.phone'], inForce: false, startsAt: null });
      expect(JSON.stringify(grant)).not.toContain(c.phone);
      expect((await read(managers[0], c.id)).body.data.customer.phone).toBe(maskPhone(c.phone));
    });

    it('refuses the requester approving their own request: FORBIDDEN, reason SAME_PERSON, nothing opened', async () => {
      const c = await freeCustomer();
      const grant = await request(managers[0], c.id);
      for (const [document, variables] of [[APPROVE, { id: grant.id }], [REJECT, { id: grant.id, note: 'not needed after all' }]] as const) {
        expect(errorOf(await server.gql(document, as('manager', managers[0], variables)))).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
      }
      const [row] = await sql(`SELECT status, decided_by FROM clear_access_grants WHERE id = $1`, [grant.id]);
      expect(row).toEqual({ status: 'PENDING', decided_by: null });
      expect((await read(managers[0], c.id)).body.data.customer.phone).toBe(maskPhone(c.phone));
    });

    it('the database refuses a grant decided by its grantee too (CHECK)', async () => {
      const c = await freeCustomer();
      const grant = await request(managers[0], c.id);
      await expect(sql(`UPDATE clear_access_grants SET status = 'APPROVED', decided_by = grantee_id, starts_at = now(), expires_at = now() + interval '1 hour' WHERE id = $1`, [grant.id])).rejects.toThrow(/clear_access_grants_decider_check/);
    });

    it('refuses sales: no grant operations at all', async () => {
      const c = await freeCustomer();
      const result = await server.gql(REQUEST, as('sales', sales, { input: { customerId: c.id, fields: ['phone'], purpose: 'relationship_management', reason: 'curious' } }));
      expect(errorOf(result)).toMatchObject({ code: 'FORBIDDEN', fields: ['Mutation.requestClearAccess'] });
    });

    it('refuses fields the policy does not let the role request, a longer time than the policy, and a reason with numbers in it', async () => {
      const c = await freeCustomer();
      const cases: [Record<string, unknown>, string][] = [
        [{ fields: ['Contact.phone'] }, 'input.fields'],
        [{ fields: ['archiveNumber'] }, 'input.fields'],
        [{ fields: ['name', 'phone', 'email', 'idNumber'] }, 'input.fields'],
        [{ minutes: CLEAR_ACCESS_GRANTS.maxMinutes + 1 }, 'input.minutes'],
        [{ purpose: 'relationship_management' }, 'input.purpose'],
        [{ reason: `customer ${c.phone} called` }, 'input.reason'],
      ];
      for (const [extra, field] of cases) {
        const result = await server.gql(REQUEST, as('manager', managers[0], { input: { customerId: c.id, fields: ['phone'], purpose: 'supervision', reason: 'customer disputes a transfer', ...extra } }));
        expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(JSON.stringify(result.body)).not.toContain(c.phone);
      }
    });
  });

  describe('approved by a second person, used, expired, revoked', () => {
    it('serves the granted field clear to the grantee only, for that customer and purpose, registered with the grant id; the approval answer carries no data', async () => {
      const c = await freeCustomer();
      const other = await freeCustomer();
      const grant = await request(managers[0], c.id, ['phone']);
      const approved = await ok(APPROVE, as('manager', managers[1], { id: grant.id }));
      expect(approved).toMatchObject({ status: 'APPROVED', decidedBy: managers[1], inForce: true, minutes: CLEAR_ACCESS_GRANTS.maxMinutes });
      expect(new Date(approved.expiresAt).getTime() - new Date(approved.startsAt).getTime()).toBe(CLEAR_ACCESS_GRANTS.maxMinutes * 60_000);
      expect(JSON.stringify(approved)).not.toContain(c.phone);

      const used = await read(managers[0], c.id);
      expect(used.body.data.customer).toMatchObject({ phone: c.phone, name: maskName(c.name), idNumber: maskIdNumber(c.id_number) });
      expect(fieldEntry(used, 'Customer.phone')).toEqual([expect.objectContaining({ decision: 'CLEAR', reason: 'GRANT', grantId: grant.id, count: 1 })]);
      expect(fieldEntry(used, 'Customer.idNumber')).toEqual([expect.objectContaining({ decision: 'MASK', reason: 'NOT_GRANT' })]);

      // The register names the grant for the value it released.
      await server.audit.writer.idle();
      const [record] = await sql(`SELECT fields, customers_clear FROM audit_access WHERE request_id = $1`, [used.headers.get('x-request-id')]);
      expect(record.customers_clear).toEqual([c.id]);
      expect(record.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'Customer.phone', decision: 'CLEAR', reason: 'GRANT', grantId: grant.id })]));

      const [listed] = (await ok(`query G($c: ID) { clearAccessGrants(customerId: $c) { edges { node { id valuesReleased } } } }`, as('auditor', (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'auditor' AND active ORDER BY username LIMIT 1`))[0].id, { c: c.id }))).edges;
      expect(listed.node).toEqual({ id: grant.id, valuesReleased: 1 });

      // Not the approver, not another customer, not another purpose.
      expect((await read(managers[1], c.id)).body.data.customer.phone).toBe(maskPhone(c.phone));
      expect((await read(managers[0], other.id)).body.data.customer.phone).toBe(maskPhone(other.phone));
      expect((await read(managers[0], c.id, 'legal_hold')).body.data.customer.phone).toBe(maskPhone(c.phone));
    });

    it('ends by itself when its time is up (the clock moved, nobody slept)', async () => {
      const c = await freeCustomer();
      const grant = await request(managers[0], c.id, ['phone'], { minutes: 60 });
      await ok(APPROVE, as('manager', managers[2], { id: grant.id }));
      server.clock.set(at(59));
      expect((await read(managers[0], c.id)).body.data.customer.phone).toBe(c.phone);
      server.clock.set(at(60));
      const expired = await read(managers[0], c.id);
      expect(expired.body.data.customer.phone).toBe(maskPhone(c.phone));
      expect(fieldEntry(expired, 'Customer.phone')).toEqual([expect.objectContaining({ reason: 'NOT_GRANT' })]);
      const [listed] = (await ok(`query G($c: ID) { clearAccessGrants(customerId: $c) { edges { node { id inForce } } } }`, as('manager', managers[1], { c: c.id }))).edges;
      expect(listed.node).toEqual({ id: grant.id, inForce: false });
    });

    it('ends at once when revoked, and a revoked grant cannot be revoked again', async () => {
      const c = await freeCustomer();
      const grant = await request(managers[0], c.id, ['phone']);
      await ok(APPROVE, as('manager', managers[1], { id: grant.id }));
      expect((await read(managers[0], c.id)).body.data.customer.phone).toBe(c.phone);
      const revoked = await ok(REVOKE, as('manager', managers[1], { id: grant.id, reason: 'the dispute is settled' }));
      expect(revoked).toMatchObject({ status: 'REVOKED', inForce: false });
      expect((await read(managers[0], c.id)).body.data.customer.phone).toBe(maskPhone(c.phone));
      expect(errorOf(await server.gql(REVOKE, as('manager', managers[1], { id: grant.id, reason: 'again' })))).toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('a pending request lapses when nobody decides it in time', async () => {
      const c = await freeCustomer();
      const grant = await request(managers[0], c.id);
      server.clock.set(at(CLEAR_ACCESS_GRANTS.pendingMinutes));
      expect(errorOf(await server.gql(APPROVE, as('manager', managers[1], { id: grant.id })))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    });

    it('records every step in the change history', async () => {
      const c = await freeCustomer();
      const grant = await request(managers[0], c.id);
      await ok(APPROVE, as('manager', managers[1], { id: grant.id }));
      await ok(REVOKE, as('manager', managers[0], { id: grant.id, reason: 'no longer needed' }));
      const rows = await sql(`SELECT action, principal_sub FROM audit_changes WHERE entity = 'ClearAccessGrant' AND entity_id = $1 ORDER BY seq`, [grant.id]);
      expect(rows).toEqual([
        { action: 'CREATE', principal_sub: managers[0] },
        { action: 'UPDATE', principal_sub: managers[1] },
        { action: 'UPDATE', principal_sub: managers[0] },
      ]);
    });
  });

  describe('the request that opens a grant never answers with clear data', () => {
    it('an emergency grant opened and the customer read back in the same mutation document: masked (the answer is decided by the grants as they were before)', async () => {
      const c = await freeCustomer();
      const d = await freeCustomer();
      // The manager already holds a grant elsewhere, so the plan looks grants up per record.
      const earlier = await request(managers[2], c.id, ['phone']);
      await ok(APPROVE, as('manager', managers[1], { id: earlier.id }));
      const both = await server.gql<any>(
        `mutation Both($input: EmergencyClearAccessInput!, $id: ID!) {
           openEmergencyClearAccess(input: $input) { id inForce }
           updateCustomer(id: $id, input: { tier: KEY }) { id phone }
         }`,
        as('manager', managers[2], { input: { customerId: d.id, fields: ['phone'], purpose: 'supervision', reason: 'card stolen, customer on the line' }, id: d.id }),
      );
      expect(both.body.errors).toBeUndefined();
      expect(both.body.data.openEmergencyClearAccess.inForce).toBe(true);
      expect(both.body.data.updateCustomer.phone).toBe(maskPhone(d.phone));
      // The next request is served under it.
      expect((await read(managers[2], d.id)).body.data.customer.phone).toBe(d.phone);
    });
  });

  describe('what it costs', () => {
    it('no grant lookup for a manager holding no grant (the plan settles it; masked forms served unopened: test/crypto/sealed-storage); one batched lookup for a page when they hold one', async () => {
      const page = `{ customers(first: 10) { edges { node { id phone } } } }`;
      const holder = managers[0];
      const without = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' AND active ORDER BY username DESC LIMIT 1`))[0].id;
      expect(await sql(`SELECT 1 FROM clear_access_grants WHERE grantee_id = $1`, [without])).toEqual([]);
      const plain = await server.execute<any>(page, { role: 'manager', sub: without });
      expect(plain.body.errors).toBeUndefined();
      const c = await freeCustomer();
      const grant = await request(holder, c.id, ['phone']);
      await ok(APPROVE, as('manager', managers[1], { id: grant.id }));
      const granted = await server.execute<any>(page, { role: 'manager', sub: holder });
      expect(granted.body.errors).toBeUndefined();
      // Same page, same statements, plus one lookup of the holder's grants for all ten customers.
      expect(granted.statements).toBe(plain.statements + 1);
      expect(plain.body.extensions?.privacy.fields).toEqual([expect.objectContaining({ field: 'Customer.phone', decision: 'MASK', reason: 'NOT_GRANT', count: 10 })]);
    });
  });

  describe('emergency grants', () => {
    it('opens at once for the short time, alerts every approver but the grantee, blocks the next until reviewed, and is reviewed by someone else', async () => {
      const c = await freeCustomer();
      const d = await freeCustomer();
      const input = (customerId: string) => ({ input: { customerId, fields: ['phone', 'name'], purpose: 'supervision', reason: 'customer locked out while a fraud is under way' } });
      const grant = await ok(EMERGENCY, as('manager', managers[0], input(c.id)));
      expect(grant).toMatchObject({ status: 'APPROVED', emergency: true, inForce: true, minutes: CLEAR_ACCESS_GRANTS.emergency.maxMinutes, decidedBy: null });
      expect(JSON.stringify(grant)).not.toContain(c.phone);
      const used = await read(managers[0], c.id);
      expect(used.body.data.customer).toMatchObject({ phone: c.phone, name: c.name });
      expect(fieldEntry(used, 'Customer.phone')).toEqual([expect.objectContaining({ reason: 'GRANT', grantId: grant.id })]);

      const [alert] = await sql(`SELECT rule, subject, recipients FROM alerts WHERE subject = $1`, [grant.id]);
      expect(alert.rule).toBe('EMERGENCY_GRANT');
      expect(alert.recipients).toEqual(expect.arrayContaining([managers[1], managers[2]]));
      expect(alert.recipients).not.toContain(managers[0]);

      // The next emergency grant waits for the review of this one.
      expect(errorOf(await server.gql(EMERGENCY, as('manager', managers[0], input(d.id))))).toMatchObject({ code: 'FORBIDDEN', reason: 'UNREVIEWED_EMERGENCY', grantId: grant.id });
      // Nobody reviews their own.
      expect(errorOf(await server.gql(REVIEW, as('manager', managers[0], { id: grant.id, outcome: 'JUSTIFIED', note: 'it was urgent' })))).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });

      server.clock.set(at(CLEAR_ACCESS_GRANTS.emergency.maxMinutes));
      expect((await read(managers[0], c.id)).body.data.customer.phone).toBe(maskPhone(c.phone));

      const reviewed = await ok(REVIEW, as('manager', managers[1], { id: grant.id, outcome: 'JUSTIFIED', note: 'fraud case confirmed by the branch' }));
      expect(reviewed).toMatchObject({ reviewedBy: managers[1], reviewOutcome: 'JUSTIFIED' });
      const next = await ok(EMERGENCY, as('manager', managers[0], input(d.id)));
      expect(next).toMatchObject({ emergency: true, inForce: true });
      // NOT_JUSTIFIED ends one still in force.
      const ended = await ok(REVIEW, as('manager', managers[2], { id: next.id, outcome: 'NOT_JUSTIFIED', note: 'no harm from waiting' }));
      expect(ended).toMatchObject({ status: 'REVOKED', inForce: false, reviewOutcome: 'NOT_JUSTIFIED' });
      expect((await read(managers[0], d.id)).body.data.customer.phone).toBe(maskPhone(d.phone));
    });
  });
});
