/**
 * Partner governance as an administrator and the information-management head would act: no token
 * without an approved agreement; the recorder does not approve; past the review date a grace period,
 * then refused; termination revokes every token and ends every consent at once; the supervision report.
 */
import { PARTNER_GOVERNANCE } from '../../permissions/governance';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const REGISTER = `mutation ($input: RegisterPartnerInput!) { registerPartner(input: $input) { id } }`;
const ISSUE = `mutation ($input: IssuePartnerTokenInput!) { issuePartnerToken(input: $input) { token details { id } } }`;
const RECORD = `mutation ($input: RecordPartnerAgreementInput!) { recordPartnerAgreement(input: $input) { id status recordedBy decidedBy nextReviewOn } }`;
const APPROVE = `mutation ($id: ID!) { approvePartnerAgreement(id: $id) { id status decidedBy } }`;
const TERMINATE = `mutation ($id: String!, $reason: String!) { terminatePartner(id: $id, reason: $reason) { partnerId tokensRevoked consentsEnded } }`;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('Partner governance', () => {
  let server: TestServer;
  let admins: string[];
  let head: string;
  let manager: string;
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
  const asAdmin = (variables: Record<string, unknown>, i = 0): CallOptions => ({ role: 'admin', sub: admins[i], variables });
  async function onboard(id: string): Promise<void> {
    await ok(REGISTER, asAdmin({ input: { id, name: id, purposes: ['partner_service'] } }));
  }
  async function agreed(id: string, nextReviewOn = day(180)): Promise<void> {
    const agreement = await ok(RECORD, asAdmin({ input: { partnerId: id, agreementRef: `AGR-${id}`, riskAssessedOn: day(-1), nextReviewOn } }));
    await ok(APPROVE, { role: 'manager', sub: head, variables: { id: agreement.id } });
  }

  beforeAll(async () => {
    server = await startTestServer();
    admins = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'admin' AND active ORDER BY username`)).map((r) => r.id);
    const managers = (await sql<{ id: string; designations: string[] }>(`SELECT id, designations FROM staff WHERE role = 'manager' AND active ORDER BY username`));
    // The information-management head: a designation an administrator gives a manager (set here as the directory would hold it).
    head = managers[0].id;
    manager = managers[1].id;
    await sql(`UPDATE staff SET designations = ARRAY['INFORMATION_MANAGEMENT_HEAD'] WHERE id = $1`, [head]);
  });
  afterAll(() => server.stop());

  it('refuses a token to a partner without an approved agreement, and serves none of its tokens', async () => {
    await onboard('no-agreement-co');
    expect(errorOf(await server.gql(ISSUE, asAdmin({ input: { partnerId: 'no-agreement-co', scopes: ['customers:read'] } })))).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_NO_AGREEMENT' });
    expect(await sql(`SELECT count(*)::int AS n FROM partner_tokens WHERE partner_id = 'no-agreement-co'`)).toEqual([{ n: 0 }]);
    // A pending (recorded, not approved) agreement is not enough.
    await ok(RECORD, asAdmin({ input: { partnerId: 'no-agreement-co', agreementRef: 'AGR-1', riskAssessedOn: day(-1), nextReviewOn: day(180) } }));
    expect(errorOf(await server.gql(ISSUE, asAdmin({ input: { partnerId: 'no-agreement-co', scopes: ['customers:read'] } })))).toMatchObject({ reason: 'PARTNER_NO_AGREEMENT' });
  });

  it('the agreement is approved by the information-management head only, never by who recorded it', async () => {
    await onboard('approve-co');
    const agreement = await ok(RECORD, asAdmin({ input: { partnerId: 'approve-co', agreementRef: 'AGR-2', riskAssessedOn: day(-2), nextReviewOn: day(300) } }));
    expect(agreement).toMatchObject({ status: 'PENDING', recordedBy: admins[0] });
    expect(errorOf(await server.gql(APPROVE, { role: 'manager', sub: manager, variables: { id: agreement.id } }))).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_DESIGNATED' });
    expect(errorOf(await server.gql(APPROVE, asAdmin({ id: agreement.id })))).toMatchObject({ code: 'FORBIDDEN', fields: ['Mutation.approvePartnerAgreement'] });
    await expect(sql(`UPDATE partner_agreements SET status = 'APPROVED', decided_by = recorded_by, decided_at = now() WHERE id = $1`, [agreement.id])).rejects.toThrow(/partner_agreements_decider_check/);
    expect(await ok(APPROVE, { role: 'manager', sub: head, variables: { id: agreement.id } })).toMatchObject({ status: 'APPROVED', decidedBy: head });
    const issued = await ok(ISSUE, asAdmin({ input: { partnerId: 'approve-co', scopes: ['customers:read'] } }));
    expect((await server.gql(`{ me { sub } }`, { token: issued.token })).status).toBe(200);
  });

  it('refuses review dates out of policy', async () => {
    await onboard('dates-co');
    for (const [input, field] of [
      [{ riskAssessedOn: day(2), nextReviewOn: day(100) }, 'input.riskAssessedOn'],
      [{ riskAssessedOn: day(-10), nextReviewOn: day(-1) }, 'input.nextReviewOn'],
      [{ riskAssessedOn: day(-1), nextReviewOn: day(PARTNER_GOVERNANCE.maxReviewIntervalDays + 5) }, 'input.nextReviewOn'],
    ] as const) {
      expect(errorOf(await server.gql(RECORD, asAdmin({ input: { partnerId: 'dates-co', agreementRef: 'AGR-3', ...input } })))).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('past its review date a partner works through the grace period, then is refused', async () => {
    await onboard('review-co');
    await agreed('review-co');
    const issued = await ok(ISSUE, asAdmin({ input: { partnerId: 'review-co', scopes: ['customers:read'] } }));
    // Time passes for the agreement: its dates moved back (the verifier judges by the wall clock).
    const setReview = (offset: number) => sql(`UPDATE partner_agreements SET risk_assessed_on = $1::date - 200, next_review_on = $1::date WHERE partner_id = 'review-co' AND status = 'APPROVED'`, [day(offset)]);
    await setReview(-(PARTNER_GOVERNANCE.graceDays - 1));
    expect((await server.gql(`{ me { sub } }`, { token: issued.token })).status).toBe(200);
    await setReview(-(PARTNER_GOVERNANCE.graceDays + 1));
    const refused = await server.gql(`{ me { sub } }`, { token: issued.token });
    expect(refused.status).toBe(403);
    expect(refused.body.errors![0].extensions).toMatchObject({ reason: 'PARTNER_REVIEW_OVERDUE' });
    expect(errorOf(await server.gql(ISSUE, asAdmin({ input: { partnerId: 'review-co', scopes: ['customers:read'] } })))).toMatchObject({ reason: 'PARTNER_REVIEW_OVERDUE' });
    // A new assessment, approved, restores it.
    await agreed('review-co');
    expect((await server.gql(`{ me { sub } }`, { token: issued.token })).status).toBe(200);
  });

  it('termination revokes every token and ends every consent at once; the partner cannot be reactivated', async () => {
    await onboard('ended-co');
    await agreed('ended-co');
    const issued = await ok(ISSUE, asAdmin({ input: { partnerId: 'ended-co', scopes: ['customers:read'] } }));
    const [{ id: customerId }] = await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY id LIMIT 1`);
    const [{ id: service }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'service' AND active ORDER BY username LIMIT 1`);
    const form = `CF-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-000123`;
    await ok(`mutation ($input: RecordConsentInput!) { recordConsent(input: $input) { id } }`, {
      role: 'service', sub: service,
      variables: { input: { customerId, partnerId: 'ended-co', purpose: 'partner_service', fieldGroups: ['customers:read'], expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), evidence: { kind: 'SIGNED_FORM', reference: form } } },
    });
    expect((await server.gql(`{ me { sub } }`, { token: issued.token })).status).toBe(200);
    const ended = await ok(TERMINATE, asAdmin({ id: 'ended-co', reason: 'breach of the agreement' }, 1));
    expect(ended).toEqual({ partnerId: 'ended-co', tokensRevoked: 1, consentsEnded: 1 });
    expect((await server.gql(`{ me { sub } }`, { token: issued.token })).status).not.toBe(200);
    expect(await sql(`SELECT count(*)::int AS n FROM consents WHERE partner_id = 'ended-co' AND revoked_at IS NULL`)).toEqual([{ n: 0 }]);
    expect(errorOf(await server.gql(`mutation ($id: String!) { activatePartner(id: $id, reason: "try again") { id } }`, asAdmin({ id: 'ended-co' })))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('reports per partner: volume, refusals, values, budget use, review state', async () => {
    await onboard('watched-co');
    await agreed('watched-co');
    const issued = await ok(ISSUE, asAdmin({ input: { partnerId: 'watched-co', scopes: ['customers:read'] } }));
    await server.gql(`{ customers(first: 2) { edges { node { id } } } }`, { token: issued.token, purpose: 'partner_service' });
    await server.gql(`{ customers(first: 2) { edges { node { id phone } } } }`, { token: issued.token, purpose: 'partner_service' }); // refused: scope
    await server.audit.writer.idle();
    const report = await ok<any[]>(`query ($from: DateTimeISO!, $to: DateTimeISO!) { partnerSupervisionReport(from: $from, to: $to) { partnerId requests refused reviewState nextReviewOn budgetPerDay } }`, {
      role: 'auditor', variables: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    });
    const watched = report.find((r) => r.partnerId === 'watched-co');
    expect(watched).toMatchObject({ reviewState: 'IN_ORDER', nextReviewOn: day(180) });
    expect(watched.requests).toBeGreaterThanOrEqual(2);
    expect(watched.refused).toBeGreaterThanOrEqual(1);
    expect(report.find((r) => r.partnerId === 'no-agreement-co')).toMatchObject({ reviewState: 'NO_AGREEMENT' });
  });
});
