/**
 * Found by security review of issue 18: the grant's free texts (reason, decision note, review note,
 * and the revoke reason a NOT_JUSTIFIED review copies its note into) were masked in answers but
 * stored in clear, and erasure left them; the incident timeline's notes (close note, notification
 * reference) were served clear to auditors and admins while the summary is masked. Written as the
 * attacks: read the table as the database sees it, erase the customer, read the timeline as an auditor.
 */
import { maskFreeText } from '../../permissions/masks';
import { buildCreditCode } from '../../src/domain/credit-code';
import { sealPlaintext } from '../../src/crypto/seal-plaintext';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const GRANT_FIELDS = 'id status reason decisionNote revokeReason reviewNote';
const REQUEST = `mutation Req($input: RequestClearAccessInput!) { requestClearAccess(input: $input) { ${GRANT_FIELDS} } }`;
const APPROVE = `mutation Approve($id: ID!) { approveClearAccess(id: $id) { ${GRANT_FIELDS} } }`;
const REJECT = `mutation Reject($id: ID!, $note: String!) { rejectClearAccess(id: $id, note: $note) { ${GRANT_FIELDS} } }`;
const REVOKE = `mutation Revoke($id: ID!, $reason: String!) { revokeClearAccess(id: $id, reason: $reason) { ${GRANT_FIELDS} } }`;
const EMERGENCY = `mutation Em($input: EmergencyClearAccessInput!) { openEmergencyClearAccess(input: $input) { ${GRANT_FIELDS} } }`;
const REVIEW = `mutation Review($id: ID!, $outcome: EmergencyReviewOutcome!, $note: String!) { reviewEmergencyClearAccess(id: $id, outcome: $outcome, note: $note) { ${GRANT_FIELDS} } }`;
const GRANTS = `query G($customerId: ID!) { clearAccessGrants(customerId: $customerId, first: 20) { edges { node { ${GRANT_FIELDS} } } } }`;
const CREATE = `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`;
const ERASURE = `mutation RequestErasure($input: RequestErasureInput!) { requestErasure(input: $input) { id } }`;
const APPROVE_ERASURE = `mutation ApproveErasure($id: ID!) { approveErasure(id: $id) { id } }`;
const APPROVE_HEAD = `mutation ApproveErasureAsHead($id: ID!) { approveErasureAsInformationHead(id: $id) { id } }`;
const EXECUTE = `mutation ExecuteErasure($id: ID!) { executeErasure(id: $id) { id status } }`;
const DESIGNATE = `mutation Designate($id: ID!, $designations: [StaffDesignation!]!, $reason: String!) { setStaffDesignations(id: $id, designations: $designations, reason: $reason) { id } }`;
const DECLARE = `mutation D($input: DeclareIncidentInput!) { declareIncident(input: $input) { id } }`;
const NOTIFIED = `mutation N($id: ID!, $ref: String!) { recordIncidentNotified(id: $id, reference: $ref) { id } }`;
const CLOSE = `mutation C($id: ID!, $note: String!) { closeIncident(id: $id, note: $note) { id } }`;
const INCIDENTS = `{ incidents { id summary timeline { kind actor detail note } } }`;

const TEXT_COLUMNS = ['reason', 'decision_note', 'review_note', 'revoke_reason'];

describe('grant texts sealed at rest, incident notes masked', () => {
  let server: TestServer;
  let m1: string;
  let m2: string;
  let m3: string;
  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: CallOptions['role'], sub: string, variables: Record<string, unknown> = {}): CallOptions => ({ role, sub, variables });
  async function ok<T = any>(document: string, options: CallOptions): Promise<T> {
    const result = await server.gql<any>(document, options);
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data)[0] as T;
  }
  const fieldEntries = (result: GqlResult, field: string) => ((result.body.extensions?.privacy?.fields ?? []) as any[]).filter((f) => f.field === field);

  /**
   * Every stored column of the customer's grants, as text: what a database dump or a superuser's SELECT sees —
   * but the stored masked forms (`<column>_masked`, the free-text mask: numbers hidden, words kept), as for every sealed free text.
   */
  const storedGrants = async (customerId: string) =>
    (await sql<{ row: string }>(`SELECT (to_jsonb(g) - $2::text[])::text AS row FROM clear_access_grants g WHERE customer_id = $1`, [customerId, TEXT_COLUMNS.map((c) => `${c}_masked`)])).map((r) => r.row);
  const wholeRows = async (customerId: string) => (await sql<{ row: string }>(`SELECT to_jsonb(g)::text AS row FROM clear_access_grants g WHERE customer_id = $1`, [customerId])).map((r) => r.row);

  let serial = 0;
  async function corporateCustomer(name: string): Promise<string> {
    serial += 1;
    const { id } = await ok(CREATE, as('manager', m1, { input: { kind: 'CORPORATE', name, legalRepresentative: name.split(' ').slice(0, 2).join(' '), creditCode: buildCreditCode('310101', 99_100_000 + serial) } }));
    return id;
  }

  beforeAll(async () => {
    server = await startTestServer();
    m1 = await server.member('manager', 'gs-m1');
    m2 = await server.member('manager', 'gs-m2');
    m3 = await server.member('manager', 'gs-m3');
  });
  afterAll(() => server.stop());

  it('reason, decision note, revoke reason and review note naming the customer are not in the table in clear, and read back through the API', async () => {
    const customer = await corporateCustomer('Zhang Wei Trading Co');
    const input = (reason: string) => ({ input: { customerId: customer, fields: ['phone'], purpose: 'supervision', reason } });
    const rejected = await ok(REQUEST, as('manager', m1, input('Zhang Wei disputes a transfer on the phone line')));
    await ok(REJECT, as('manager', m2, { id: rejected.id, note: 'ask Zhang Wei for the letter first' }));
    const revoked = await ok(REQUEST, as('manager', m1, input('Zhang Wei called about the statement')));
    await ok(APPROVE, as('manager', m2, { id: revoked.id }));
    await ok(REVOKE, as('manager', m2, { id: revoked.id, reason: 'Zhang Wei withdrew the complaint' }));
    const emergency = await ok(EMERGENCY, as('manager', m3, input('Zhang Wei reported a stolen card at the counter')));
    const reviewed = await ok(REVIEW, as('manager', m2, { id: emergency.id, outcome: 'NOT_JUSTIFIED', note: 'Zhang Wei could have waited' }));
    expect(reviewed).toMatchObject({ status: 'REVOKED', reviewNote: 'Zhang Wei could have waited', revokeReason: 'Zhang Wei could have waited' });

    const stored = await storedGrants(customer);
    expect(stored).toHaveLength(3);
    expect(stored.filter((row) => row.includes('Zhang Wei'))).toEqual([]);
    const [counts] = await sql(`SELECT ${TEXT_COLUMNS.map((c) => `count(${c})::int AS "${c}", count(${c}_sealed)::int AS "${c}_sealed"`).join(', ')} FROM clear_access_grants WHERE customer_id = $1`, [customer]);
    expect(counts).toEqual({ reason: 0, reason_sealed: 3, decision_note: 0, decision_note_sealed: 1, review_note: 0, review_note_sealed: 1, revoke_reason: 0, revoke_reason_sealed: 2 });
    const masked = await sql(`SELECT ${TEXT_COLUMNS.map((c) => `${c}_masked AS "${c}"`).join(', ')} FROM clear_access_grants WHERE id = $1`, [emergency.id]);
    expect(masked).toEqual([{ reason: maskFreeText('Zhang Wei reported a stolen card at the counter'), decision_note: null, review_note: maskFreeText('Zhang Wei could have waited'), revoke_reason: maskFreeText('Zhang Wei could have waited') }]);
    // The database refuses plaintext there, even from its superuser.
    await expect(sql(`UPDATE clear_access_grants SET reason = 'Zhang Wei' WHERE id = $1`, [rejected.id])).rejects.toMatchObject({ constraint: 'clear_access_grants_plaintext_sealed_check' });

    // The approvers still read what was written (opened under the customer's key).
    const page = await ok(GRANTS, as('manager', m2, { customerId: customer }));
    const byId = new Map(page.edges.map((e: any) => [e.node.id, e.node]));
    expect(byId.get(rejected.id)).toMatchObject({ reason: 'Zhang Wei disputes a transfer on the phone line', decisionNote: 'ask Zhang Wei for the letter first' });
    expect(byId.get(revoked.id)).toMatchObject({ status: 'REVOKED', revokeReason: 'Zhang Wei withdrew the complaint' });
    expect(byId.get(emergency.id)).toMatchObject({ reason: 'Zhang Wei reported a stolen card at the counter', reviewNote: 'Zhang Wei could have waited' });
  }, 60_000);

  it('a grant written in clear by an older version is sealed online and the check validated', async () => {
    const customer = await corporateCustomer('Li Na Imports');
    const grant = await ok(REQUEST, as('manager', m1, { input: { customerId: customer, fields: ['phone'], purpose: 'supervision', reason: 'a first request' } }));
    // As an older version left it: plaintext, no sealed form (the check lifted for the test, as before the migration).
    await sql(`ALTER TABLE clear_access_grants DROP CONSTRAINT clear_access_grants_plaintext_sealed_check`);
    // Numbers were refused on input only later (or a script wrote it): an ID number in clear.
    await sql(`UPDATE clear_access_grants SET reason = 'Li Na (ID 110101199003074512) asked at the branch', reason_sealed = NULL, reason_masked = NULL WHERE id = $1`, [grant.id]);
    await sql(`ALTER TABLE clear_access_grants ADD CONSTRAINT clear_access_grants_plaintext_sealed_check CHECK (reason IS NULL AND decision_note IS NULL AND review_note IS NULL AND revoke_reason IS NULL) NOT VALID`);

    const report = await sealPlaintext(server.db.pool, server.keyring);
    expect(report.rowsSealed.clear_access_grants).toBe(1);
    expect((await storedGrants(customer)).filter((row) => row.includes('Li Na'))).toEqual([]);
    expect((await wholeRows(customer)).filter((row) => row.includes('110101199003074512'))).toEqual([]);
    const [check] = await sql(`SELECT convalidated FROM pg_constraint WHERE conname = 'clear_access_grants_plaintext_sealed_check'`);
    expect(check.convalidated).toBe(true);
    const page = await ok(GRANTS, as('manager', m2, { customerId: customer }));
    expect(page.edges.map((e: any) => e.node.reason)).toEqual([maskFreeText('Li Na (ID 110101199003074512) asked at the branch')]);
  }, 60_000);

  it('erasing the customer leaves no text of their grants (the records stay, emptied)', async () => {
    const agent = await server.member('service', 'gs-agent');
    const head = await server.member('manager', 'gs-head');
    const info = await server.member('manager', 'gs-info');
    const admin = await server.member('admin', 'gs-admin');
    const dirAdmin = await server.member('admin', 'gs-dir-admin');
    await ok(DESIGNATE, as('admin', dirAdmin, { id: info, designations: ['INFORMATION_MANAGEMENT_HEAD'], reason: 'appointed' }));
    const customer = await corporateCustomer('Wang Fang Bakery');
    const input = (reason: string) => ({ input: { customerId: customer, fields: ['phone'], purpose: 'supervision', reason } });
    const rejected = await ok(REQUEST, as('manager', m1, input('Wang Fang disputes a fee')));
    await ok(REJECT, as('manager', m2, { id: rejected.id, note: 'Wang Fang must write first' }));
    const approved = await ok(REQUEST, as('manager', m3, input('Wang Fang called again')));
    await ok(APPROVE, as('manager', m2, { id: approved.id }));
    const emergency = await ok(EMERGENCY, as('manager', m1, input('Wang Fang was at the counter in tears')));

    const { id: rid } = await ok(ERASURE, as('service', agent, { input: { customerId: customer, basis: 'CUSTOMER_REQUEST', reason: 'asked in person to be forgotten' } }));
    await ok(APPROVE_ERASURE, as('manager', head, { id: rid }));
    await ok(APPROVE_HEAD, as('manager', info, { id: rid }));
    expect((await ok(EXECUTE, as('admin', admin, { id: rid }))).status).toBe('ERASED');

    // The emergency grant is still reviewed after the erasure (its grantee is blocked until then); the note about the erased customer is not kept.
    const reviewed = await ok(REVIEW, as('manager', m2, { id: emergency.id, outcome: 'NOT_JUSTIFIED', note: 'Wang Fang could have waited' }));
    expect(reviewed).toMatchObject({ status: 'REVOKED', reason: null, reviewNote: null });
    const [{ outcome }] = await sql(`SELECT review_outcome AS outcome FROM clear_access_grants WHERE id = $1`, [emergency.id]);
    expect(outcome).toBe('NOT_JUSTIFIED');

    const stored = await wholeRows(customer);
    expect(stored).toHaveLength(3);
    expect(stored.filter((row) => row.includes('Wang Fang'))).toEqual([]);
    const rows = await sql(`SELECT status, ${TEXT_COLUMNS.flatMap((c) => [c, `${c}_sealed`, `${c}_masked`]).join(', ')} FROM clear_access_grants WHERE customer_id = $1 ORDER BY requested_at`, [customer]);
    for (const row of rows) {
      const { status, ...texts } = row;
      expect(Object.values(texts).every((v) => v === null)).toBe(true);
      expect(['REJECTED', 'REVOKED']).toContain(status);
    }
    const [record] = await sql<{ categories: string[] }>(`SELECT categories FROM deletion_records WHERE customer_id = $1`, [customer]);
    expect(record.categories).toEqual(expect.arrayContaining(['ClearAccessGrant.reason', 'ClearAccessGrant.decisionNote']));
  }, 60_000);

  it("the incident timeline's close note and notification reference come back masked to auditors and admins, like the summary, and are not in the event's detail", async () => {
    const auditor = await server.member('auditor', 'gs-auditor');
    const admin = await server.member('admin', 'gs-admin2');
    const suspect = await server.member('sales', 'gs-suspect');
    const { id } = await ok(DECLARE, as('auditor', auditor, { input: { principalKind: 'STAFF', principal: suspect, from: new Date(Date.now() - 3_600_000).toISOString(), summary: 'laptop stolen' } }));
    await ok(NOTIFIED, as('auditor', auditor, { id, ref: 'letters by the Pudong branch, batch A' }));
    await ok(CLOSE, as('auditor', auditor, { id, note: 'laptop recovered by Zhang Wei at the branch' }));
    // A note written before numbers were refused (or by hand): the mask must hold it, not the input check.
    const [{ max }] = await sql(`SELECT max(id) AS max FROM incident_events WHERE incident_id = $1`, [id]);
    await sql(`UPDATE incident_events SET note = 'closed, call back on 13912345678' WHERE id = $1`, [max]);

    for (const [role, sub] of [['auditor', auditor], ['admin', admin]] as const) {
      const result = await server.gql<any>(INCIDENTS, as(role, sub));
      expect(result.body.errors).toBeUndefined();
      const incident = result.body.data.incidents.find((i: any) => i.id === id);
      const byKind = new Map(incident.timeline.map((e: any) => [e.kind, e]));
      expect((byKind.get('CUSTOMERS_NOTIFIED') as any).note).toBe('letters by the Pudong branch, batch A');
      expect((byKind.get('CLOSED') as any).note).toBe(maskFreeText('closed, call back on 13912345678'));
      expect((byKind.get('CLOSED') as any).note).not.toContain('13912345678');
      // The detail is ids and counts only: the free texts are not in it.
      for (const event of incident.timeline) expect(event.detail).not.toMatch(/Pudong|Zhang Wei|13912345678/);
      // Decided as the summary is: masked for these roles.
      expect(fieldEntries(result, 'IncidentEvent.note').map((f) => f.decision)).toEqual(fieldEntries(result, 'Incident.summary').map((f) => f.decision));
      expect(fieldEntries(result, 'IncidentEvent.note').map((f) => f.decision)).toEqual(['MASK']);
    }
  }, 60_000);
});
