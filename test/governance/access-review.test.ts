/**
 * The periodic access review as an auditor reads it and an administrator decides it: unused members
 * first; a REVOKE deactivates the member at once, a CHANGE moves them to another role, each decision
 * recorded with its line; nobody reviews themselves.
 */
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const REVIEW = `{ accessReview { kind principal name role active unused lastUsed requests clearValues grantsUsed customersManaged activeTokens lastDecision } }`;
const DECIDE = `mutation ($input: AccessReviewDecisionInput!) { decideAccessReview(input: $input) { id decision principalKind principalRef newRole reviewer } }`;

describe('Periodic access review', () => {
  let server: TestServer;
  let admins: string[];
  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  function errorOf(result: GqlResult): Record<string, unknown> {
    expect(result.body.errors?.length).toBeGreaterThan(0);
    return result.body.errors![0].extensions ?? {};
  }
  async function ok<T = any>(document: string, options: CallOptions): Promise<T> {
    const result = await server.gql<any>(document, options);
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data)[0] as T;
  }
  const staffOf = async (role: string, n: number) => (await sql<{ id: string; username: string }>(`SELECT id, username FROM staff WHERE role = $1 AND active ORDER BY username`, [role]))[n];

  beforeAll(async () => {
    server = await startTestServer();
    admins = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'admin' AND active ORDER BY username`)).map((r) => r.id);
  });
  afterAll(() => server.stop());

  it('lists every staff member and partner, members unused for the period first, with what they did', async () => {
    const busy = await staffOf('sales', 0);
    await server.gql(`{ customers(first: 3) { edges { node { id phone } } } }`, { role: 'sales', sub: busy.id });
    await server.audit.writer.idle();
    const lines = await ok<any[]>(REVIEW, { role: 'auditor' });
    const staffCount = (await sql(`SELECT count(*)::int AS n FROM staff`))[0].n;
    expect(lines.filter((l) => l.kind === 'STAFF').length).toBe(staffCount);
    const firstUsed = lines.findIndex((l) => !l.unused);
    expect(lines.slice(firstUsed).every((l) => !l.unused)).toBe(true);
    const line = lines.find((l) => l.principal === busy.id);
    expect(line).toMatchObject({ kind: 'STAFF', role: 'sales', active: true, unused: false });
    expect(line.requests).toBeGreaterThanOrEqual(1);
    expect(line.customersManaged).toBe((await sql(`SELECT count(*)::int AS n FROM customers WHERE relationship_manager_id = $1`, [busy.id]))[0].n);
  });

  it('a REVOKE deactivates the member at once and is recorded with its line; an auditor cannot decide', async () => {
    const member = await staffOf('sales', 1);
    expect((await server.gql(`{ me { sub } }`, { role: 'sales', sub: member.id })).status).toBe(200);
    expect(errorOf(await server.gql(DECIDE, { role: 'auditor', variables: { input: { principalKind: 'STAFF', principal: member.id, decision: 'REVOKE', note: 'left the branch' } } }))).toMatchObject({ code: 'FORBIDDEN', fields: ['Mutation.decideAccessReview'] });
    const decision = await ok(DECIDE, { role: 'admin', sub: admins[0], variables: { input: { principalKind: 'STAFF', principal: member.username, decision: 'REVOKE', note: 'left the branch' } } });
    expect(decision).toMatchObject({ decision: 'REVOKE', principalKind: 'STAFF', principalRef: member.id, reviewer: admins[0] });
    expect((await server.gql(`{ me { sub } }`, { role: 'sales', sub: member.id })).status).toBe(403);
    const [stored] = await sql(`SELECT line FROM access_review_decisions WHERE id = $1`, [decision.id]);
    expect(stored.line).toMatchObject({ principal: member.id, role: 'sales', active: true, carriedOut: { staff: member.id } });
    const line = (await ok<any[]>(REVIEW, { role: 'auditor' })).find((l) => l.principal === member.id);
    expect(line).toMatchObject({ active: false, lastDecision: 'REVOKE' });
    expect(await sql(`SELECT entity FROM audit_changes WHERE entity = 'AccessReviewDecision' AND entity_id = $1`, [decision.id])).toHaveLength(1);
  });

  it('a CHANGE moves a manager to another role: old tokens refused, designations the new role cannot hold dropped', async () => {
    const member = await staffOf('manager', 2);
    await sql(`UPDATE staff SET designations = ARRAY['INFORMATION_MANAGEMENT_HEAD'] WHERE id = $1`, [member.id]);
    const before = await server.token({ role: 'manager', sub: member.id });
    await ok(DECIDE, { role: 'admin', sub: admins[0], variables: { input: { principalKind: 'STAFF', principal: member.id, decision: 'CHANGE', newRole: 'SALES', note: 'moved back to a sales desk' } } });
    expect((await sql(`SELECT role, designations FROM staff WHERE id = $1`, [member.id]))[0]).toEqual({ role: 'sales', designations: [] });
    expect((await server.gql(`{ me { sub } }`, { token: before })).status).toBe(403);
  });

  it('nobody reviews their own access; a KEEP changes nothing and is recorded', async () => {
    expect(errorOf(await server.gql(DECIDE, { role: 'admin', sub: admins[0], variables: { input: { principalKind: 'STAFF', principal: admins[0], decision: 'KEEP', note: 'all fine' } } }))).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
    const kept = await ok(DECIDE, { role: 'admin', sub: admins[1], variables: { input: { principalKind: 'STAFF', principal: admins[0], decision: 'KEEP', note: 'duties unchanged' } } });
    expect(kept.decision).toBe('KEEP');
    expect((await sql(`SELECT active FROM staff WHERE id = $1`, [admins[0]]))[0].active).toBe(true);
  });

  it('a REVOKE of a partner deactivates it and revokes its tokens', async () => {
    const token = await server.token({ role: 'partner', partner: 'reviewed-co', scopes: ['customers:read'] });
    expect((await server.gql(`{ me { sub } }`, { token })).status).toBe(200);
    const line = (await ok<any[]>(REVIEW, { role: 'auditor' })).find((l) => l.principal === 'reviewed-co');
    expect(line).toMatchObject({ kind: 'PARTNER', activeTokens: 1 });
    await ok(DECIDE, { role: 'admin', sub: admins[0], variables: { input: { principalKind: 'PARTNER', principal: 'reviewed-co', decision: 'REVOKE', note: 'agreement not renewed' } } });
    expect((await server.gql(`{ me { sub } }`, { token })).status).not.toBe(200);
    expect(await sql(`SELECT count(*)::int AS n FROM partner_tokens WHERE partner_id = 'reviewed-co' AND revoked_at IS NULL`)).toEqual([{ n: 0 }]);
  });
});
