import { randomUUID } from 'node:crypto';
import { approvedAgreement } from '../harness/governance';
import { maskBirthDate, maskCardLast4, maskIdNumber, maskName } from '../../permissions/masks';
import { createTokenSigner, issueDevToken } from '../../src/auth/token-issuer';
import type { Role } from '../../src/auth/principal';
import { startTestServer, type GqlResult, type TestServer } from '../harness/server';

/**
 * Partner integrations (issue "Partner integrations", items 1 and 2): onboarding by an
 * administrator, tokens whose id is looked up on every request (revocation, rotation, expiry),
 * consent per customer × partner × purpose × field groups filtered in SQL on every path that
 * reaches a customer (rows, counts, by-id, nested lists, cursors, fileComplaint), the scope
 * vocabulary, masking, and the change history of all of it.
 *
 * Every section uses its own partner, so the consents of one never make customers visible in
 * another; partner tokens are used for a few dozen requests at most (per-token rate budget).
 */

const STAFF_ROLES_WITHOUT_PARTNER_ADMIN: Role[] = ['manager', 'sales', 'service', 'analyst', 'auditor'];
const DAY_MS = 86_400_000;

interface CustomerRow {
  id: string;
  name: string;
  id_number: string;
  phone: string;
  bank_card_number: string;
  birth_date: string | null;
  archive_number: string;
}

type Body = GqlResult<any>['body'];

function firstError(body: Body) {
  return body.errors?.[0];
}

/** The data of a successful response (fails with the errors otherwise). */
function dataOf(result: GqlResult<any>): any {
  expect(result.body.errors).toBeUndefined();
  expect(result.status).toBe(200);
  return result.body.data;
}

function expectCode(result: GqlResult<any>, code: string): NonNullable<Body['errors']>[number] {
  const error = firstError(result.body);
  expect(error?.extensions?.code).toBe(code);
  return error!;
}

function ids(connection: { edges: { node: { id: string } }[] }): string[] {
  return connection.edges.map((e) => e.node.id).sort();
}

function sorted<T>(values: readonly T[]): T[] {
  return [...values].sort();
}

const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
/** A signed-form number of today (China time) whose serial comes from the customer id: one per customer. */
const evidenceFor = (customerId: string) =>
  `CF-${new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '')}-${String(parseInt(customerId.slice(0, 8), 16) % 1_000_000).padStart(6, '0')}`;
const EVIDENCE = { kind: 'SIGNED_FORM', reference: 'CF-20261101-000001' };

describe('Partner integrations', () => {
  let server: TestServer;

  async function sql<T = Record<string, any>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.db.pool.query(text, values)).rows as T[];
  }

  const asAdmin = (query: string, variables?: Record<string, unknown>) => server.gql<any>(query, { role: 'admin', variables });
  const asRole = (role: Role, query: string, variables?: Record<string, unknown>) => server.gql<any>(query, { role, variables });

  const REGISTER = `mutation ($input: RegisterPartnerInput!) { registerPartner(input: $input) { id name purposes allowListOnly active } }`;
  const ISSUE = `mutation ($input: IssuePartnerTokenInput!) {
    issuePartnerToken(input: $input) { token details { id partnerId scopes issuedAt expiresAt issuedBy revokedAt replaces } }
  }`;
  const REVOKE_TOKEN = `mutation ($id: ID!) { revokePartnerToken(id: $id) { id revokedAt } }`;
  const ROTATE = `mutation ($id: ID!) { rotatePartnerToken(id: $id) { token details { id partnerId scopes issuedAt expiresAt revokedAt replaces } } }`;
  const RECORD_CONSENT = `mutation ($input: RecordConsentInput!) {
    recordConsent(input: $input) { id customerId partnerId purpose fieldGroups grantedAt expiresAt revokedAt evidenceKind evidenceRef recordedBy active }
  }`;
  const REVOKE_CONSENT = `mutation ($id: ID!) { revokeConsent(id: $id) { id customerId revokedAt revokedBy active } }`;
  const CONSENTS = `query ($customerId: ID!) { consents(customerId: $customerId) { id partnerId purpose revokedAt revokedBy active } }`;
  const ME = `{ me { sub role scopes partnerId } }`;

  async function issue(partnerId: string, scopes: string[], expiresInDays?: number): Promise<{ token: string; details: any }> {
    await approvedAgreement(server.db.pool, partnerId); // bound by an approved agreement (issue 18), as onboarding leaves it
    const data = dataOf(await asAdmin(ISSUE, { input: { partnerId, scopes, ...(expiresInDays ? { expiresInDays } : {}) } }));
    return data.issuePartnerToken;
  }

  async function consent(
    customerId: string,
    partnerId: string,
    options: { purpose?: string; fieldGroups?: string[]; as?: Role } = {},
  ): Promise<{ id: string; active: boolean; fieldGroups: string[] | null; recordedBy: string }> {
    const result = await asRole(options.as ?? 'service', RECORD_CONSENT, {
      input: {
        customerId,
        partnerId,
        purpose: options.purpose ?? 'partner_service',
        ...(options.fieldGroups ? { fieldGroups: options.fieldGroups } : {}),
        expiresAt: inDays(365),
        evidence: { kind: 'SIGNED_FORM', reference: evidenceFor(customerId) },
      },
    });
    return dataOf(result).recordConsent;
  }

  /** Expired by the clock: granted 30 days ago, expired yesterday (consents_period_check holds). */
  async function expire(consentId: string): Promise<void> {
    await sql(`UPDATE consents SET granted_at = now() - interval '30 days', expires_at = now() - interval '1 day' WHERE id = $1`, [consentId]);
  }

  /** Distinct active individual customers with every identifying field set, not used by another section. */
  const taken = new Set<string>();
  async function pickCustomers(n: number, condition = 'TRUE'): Promise<CustomerRow[]> {
    // Chosen by which sealed values are stored, then read clear (test ground truth: clearRows).
    const chosen = await sql<{ id: string }>(
      `SELECT id FROM customers c
       WHERE status = 'ACTIVE' AND kind = 'INDIVIDUAL' AND id_number_sealed IS NOT NULL AND phone_sealed IS NOT NULL AND bank_card_number_sealed IS NOT NULL
         AND NOT (id = ANY($1::uuid[])) AND ${condition}
       ORDER BY archive_number LIMIT $2`,
      [[...taken], n],
    );
    const rows = await server.clearRows<CustomerRow>('customers', 't.id = ANY($1::uuid[])', [chosen.map((r) => r.id)], 'ORDER BY t.archive_number');
    expect(rows).toHaveLength(n);
    for (const r of rows) for (const value of [r.id_number, r.phone, r.bank_card_number]) expect(value).toEqual(expect.any(String));
    for (const r of rows) taken.add(r.id);
    return rows;
  }

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  describe('1. onboarding through the API (admin)', () => {
    let issued: { token: string; details: any };

    it('registers a partner and issues a token shown once, with its details', async () => {
      const partner = dataOf(await asAdmin(REGISTER, { input: { id: 'onboard-co', name: 'Onboard Co', purposes: ['partner_service', 'credit_assessment'] } }));
      expect(partner.registerPartner).toEqual({ id: 'onboard-co', name: 'Onboard Co', purposes: ['partner_service', 'credit_assessment'], allowListOnly: false, active: true });

      const before = Date.now();
      issued = await issue('onboard-co', ['customers:read', 'customers.contact:read'], 30);
      expect(typeof issued.token).toBe('string');
      expect(issued.token.split('.')).toHaveLength(3);
      expect(issued.details).toMatchObject({ partnerId: 'onboard-co', issuedBy: await server.member('admin', 'test-admin'), revokedAt: null, replaces: null });
      expect(issued.details.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(sorted(issued.details.scopes)).toEqual(['customers.contact:read', 'customers:read']);
      const expiresAt = new Date(issued.details.expiresAt).getTime();
      expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 60_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS + 60_000);
      // The token's jti is the stored id.
      const claims = JSON.parse(Buffer.from(issued.token.split('.')[1], 'base64url').toString('utf8'));
      expect(claims.jti).toBe(issued.details.id);
      expect(claims.partner).toBe('onboard-co');
    });

    it('the issued token works: me shows role PARTNER, the partner id and the scopes', async () => {
      const me = dataOf(await server.gql<any>(ME, { token: issued.token })).me;
      expect(me.role).toBe('PARTNER');
      expect(me.partnerId).toBe('onboard-co');
      expect(me.sub).toBe('partner:onboard-co');
      expect(sorted(me.scopes)).toEqual(['customers.contact:read', 'customers:read']);
    });

    it('partnerTokens lists the token without the token itself; the stored row has no token or secret column', async () => {
      const listed = dataOf(await asAdmin(`query ($p: ID!) { partnerTokens(partnerId: $p) { id partnerId scopes issuedAt expiresAt revokedAt replaces } }`, { p: 'onboard-co' })).partnerTokens;
      expect(listed.map((t: any) => t.id)).toContain(issued.details.id);
      const text = JSON.stringify(listed);
      expect(text).not.toContain(issued.token);
      expect(text).not.toContain(issued.token.split('.')[2]);

      const columns = (await sql<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'partner_tokens'`)).map((c) => c.column_name);
      expect(sorted(columns)).toEqual(sorted(['id', 'partner_id', 'scopes', 'issued_at', 'expires_at', 'issued_by', 'revoked_at', 'revoked_by', 'replaces']));
      expect(columns.some((c) => /token|secret|hash|jwt|signature/i.test(c))).toBe(false);
      const [row] = await sql<{ text: string }>(`SELECT row_to_json(t)::text AS text FROM partner_tokens t WHERE id = $1`, [issued.details.id]);
      expect(row.text).not.toContain(issued.token.split('.')[2]);
      expect(row.text).not.toContain(issued.token);
    });

    it('refuses an unknown scope with BAD_USER_INPUT on input.scopes, not echoing it, and stores nothing', async () => {
      const before = (await sql(`SELECT count(*)::int AS n FROM partner_tokens WHERE partner_id = 'onboard-co'`))[0].n;
      const result = await asAdmin(ISSUE, { input: { partnerId: 'onboard-co', scopes: ['customers:read', 'everything:zq-unknown-7731'] } });
      expect(result.body.data ?? null).toBeNull();
      const error = expectCode(result, 'BAD_USER_INPUT');
      expect(error.extensions!.field).toBe('input.scopes');
      expect(JSON.stringify(result.body)).not.toContain('zq-unknown-7731');
      expect((await sql(`SELECT count(*)::int AS n FROM partner_tokens WHERE partner_id = 'onboard-co'`))[0].n).toBe(before);
    });

    it.each(STAFF_ROLES_WITHOUT_PARTNER_ADMIN)('%s may neither register partners nor issue tokens (FORBIDDEN)', async (role) => {
      const partners = (await sql(`SELECT count(*)::int AS n FROM partners`))[0].n;
      const tokens = (await sql(`SELECT count(*)::int AS n FROM partner_tokens`))[0].n;
      const register = await asRole(role, REGISTER, { input: { id: `by-${role}`, name: 'Nope', purposes: ['partner_service'] } });
      expect(register.body.data ?? null).toBeNull();
      expectCode(register, 'FORBIDDEN');
      const issueAttempt = await asRole(role, ISSUE, { input: { partnerId: 'onboard-co', scopes: ['customers:read'] } });
      expect(issueAttempt.body.data ?? null).toBeNull();
      expectCode(issueAttempt, 'FORBIDDEN');
      expect(JSON.stringify(issueAttempt.body)).not.toMatch(/eyJ/); // no token in the answer
      expect((await sql(`SELECT count(*)::int AS n FROM partners`))[0].n).toBe(partners);
      expect((await sql(`SELECT count(*)::int AS n FROM partner_tokens`))[0].n).toBe(tokens);
    });

    it('a partner token may not call the partner administration either', async () => {
      const result = await server.gql<any>(ISSUE, { token: issued.token, variables: { input: { partnerId: 'onboard-co', scopes: ['customers:read'] } } });
      expect(result.body.data ?? null).toBeNull();
      expectCode(result, 'FORBIDDEN');
    });
  });

  describe('2. revocation, rotation, unknown and expired tokens', () => {
    beforeAll(async () => {
      dataOf(await asAdmin(REGISTER, { input: { id: 'revoke-co', name: 'Revoke Co', purposes: ['partner_service'] } }));
    });

    async function expectUnauthenticated(token: string): Promise<void> {
      const result = await server.gql<any>(ME, { token });
      expect(result.status).toBe(401);
      expect(result.body.data ?? undefined).toBeUndefined();
      expectCode(result, 'UNAUTHENTICATED');
    }

    it('a revoked token is refused on the very next request (401 UNAUTHENTICATED)', async () => {
      const { token, details } = await issue('revoke-co', ['customers:read']);
      expect(dataOf(await server.gql<any>(ME, { token })).me.partnerId).toBe('revoke-co');
      const revoked = dataOf(await asAdmin(REVOKE_TOKEN, { id: details.id })).revokePartnerToken;
      expect(revoked.id).toBe(details.id);
      expect(revoked.revokedAt).not.toBeNull();
      await expectUnauthenticated(token);
      const [row] = await sql(`SELECT revoked_at, revoked_by FROM partner_tokens WHERE id = $1`, [details.id]);
      expect(row.revoked_at).not.toBeNull();
      expect(row.revoked_by).toBe(await server.member('admin', 'test-admin'));
    });

    it('rotation: the new token works with the same scopes, the old one is refused, details.replaces is the old id', async () => {
      const old = await issue('revoke-co', ['customers:read', 'transactions:read'], 10);
      expect(dataOf(await server.gql<any>(ME, { token: old.token })).me.partnerId).toBe('revoke-co');
      const rotated = dataOf(await asAdmin(ROTATE, { id: old.details.id })).rotatePartnerToken;
      expect(rotated.token).not.toBe(old.token);
      expect(rotated.details.id).not.toBe(old.details.id);
      expect(rotated.details.replaces).toBe(old.details.id);
      expect(rotated.details.partnerId).toBe('revoke-co');
      expect(sorted(rotated.details.scopes)).toEqual(sorted(old.details.scopes));
      expect(rotated.details.revokedAt).toBeNull();
      // Same lifetime (10 days), counted from the rotation.
      const lifetime = new Date(rotated.details.expiresAt).getTime() - new Date(rotated.details.issuedAt).getTime();
      expect(Math.abs(lifetime - 10 * DAY_MS)).toBeLessThan(120_000);

      const me = dataOf(await server.gql<any>(ME, { token: rotated.token })).me;
      expect(me.partnerId).toBe('revoke-co');
      expect(sorted(me.scopes)).toEqual(['customers:read', 'transactions:read']);
      await expectUnauthenticated(old.token);
      const [row] = await sql(`SELECT revoked_at FROM partner_tokens WHERE id = $1`, [old.details.id]);
      expect(row.revoked_at).not.toBeNull();
    });

    it('a rotated (revoked) token cannot be rotated again', async () => {
      const old = await issue('revoke-co', ['customers:read']);
      dataOf(await asAdmin(ROTATE, { id: old.details.id }));
      const again = await asAdmin(ROTATE, { id: old.details.id });
      expect(again.body.data ?? null).toBeNull();
      expectCode(again, 'BAD_USER_INPUT');
    });

    it('a correctly signed partner JWT whose jti was never stored is refused (401)', async () => {
      const token = await issueDevToken(server.config, { role: 'partner', partner: 'revoke-co', scopes: ['customers:read'] });
      await expectUnauthenticated(token);
    });

    it("a stored jti under another partner's name is refused; forged scopes do not count (the stored ones do)", async () => {
      const { details } = await issue('revoke-co', ['customers:read']);
      const sign = createTokenSigner(server.config);
      const otherPartner = await sign({ role: 'partner', sub: 'partner:onboard-co', partner: 'onboard-co', jti: details.id, scopes: ['customers:read'], expires: '1h' });
      await expectUnauthenticated(otherPartner);
      const moreScopes = await sign({
        role: 'partner', sub: 'partner:revoke-co', partner: 'revoke-co', jti: details.id,
        scopes: ['customers:read', 'customers.identity:read-masked', 'complaints:write'], expires: '1h',
      });
      expect(dataOf(await server.gql<any>(ME, { token: moreScopes })).me.scopes).toEqual(['customers:read']);
    });

    it('a stored token past its stored expiry is refused (401), even though the JWT has not expired', async () => {
      const { token, details } = await issue('revoke-co', ['customers:read']);
      expect(dataOf(await server.gql<any>(ME, { token })).me.partnerId).toBe('revoke-co');
      await sql(`UPDATE partner_tokens SET issued_at = now() - interval '2 days', expires_at = now() - interval '1 minute' WHERE id = $1`, [details.id]);
      await expectUnauthenticated(token);
    });
  });

  describe('3. consent decides which customers a partner sees', () => {
    const PARTNER = 'consent-co';
    const OTHER = 'other-co';
    let c: Record<'a' | 'b' | 'expired' | 'revoked' | 'credit' | 'other' | 'groups' | 'none', CustomerRow>;
    const consentIds: Record<string, string> = {};
    let token: string;

    const LIST = `{ customers(first: 100) { totalCount edges { node { id name } } } }`;
    const BY_ID = `query ($id: ID!) { customer(id: $id) { id name } }`;

    beforeAll(async () => {
      const rows = await pickCustomers(8);
      c = { a: rows[0], b: rows[1], expired: rows[2], revoked: rows[3], credit: rows[4], other: rows[5], groups: rows[6], none: rows[7] };
      token = await server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read', 'customers.contact:read'] });
      await server.token({ role: 'partner', partner: OTHER, scopes: ['customers:read'] }); // registers the other partner
      consentIds.a = (await consent(c.a.id, PARTNER, { as: 'service' })).id;
      consentIds.b = (await consent(c.b.id, PARTNER, { as: 'manager' })).id;
      consentIds.expired = (await consent(c.expired.id, PARTNER)).id;
      await expire(consentIds.expired);
      consentIds.revoked = (await consent(c.revoked.id, PARTNER)).id;
      consentIds.credit = (await consent(c.credit.id, PARTNER, { purpose: 'credit_assessment' })).id;
      consentIds.other = (await consent(c.other.id, OTHER)).id;
      consentIds.groups = (await consent(c.groups.id, PARTNER, { fieldGroups: ['customers:read'] })).id;
    });

    it('recordConsent (service or manager) returns the active consent', async () => {
      const [row] = await sql(`SELECT recorded_by, evidence_kind, evidence_ref, field_groups FROM consents WHERE id = $1`, [consentIds.b]);
      expect(row.recorded_by).toBe(await server.member('manager', 'test-manager'));
      expect(row.evidence_kind).toBe('SIGNED_FORM');
      expect(row.evidence_ref).toBe(evidenceFor(c.b.id));
      expect(row.field_groups).toBeNull();
      const listed = dataOf(await asRole('service', CONSENTS, { customerId: c.a.id })).consents;
      expect(listed).toEqual([expect.objectContaining({ id: consentIds.a, partnerId: PARTNER, purpose: 'partner_service', revokedAt: null, active: true })]);
      const groups = dataOf(await asRole('manager', CONSENTS, { customerId: c.groups.id })).consents;
      expect(groups).toEqual([expect.objectContaining({ id: consentIds.groups, active: true })]);
    });

    it('refuses a consent whose expiresAt is already past, and roles without consent operations', async () => {
      const past = await asRole('service', RECORD_CONSENT, {
        input: { customerId: c.none.id, partnerId: PARTNER, purpose: 'partner_service', expiresAt: inDays(-1), evidence: EVIDENCE },
      });
      expect(past.body.data ?? null).toBeNull();
      expect(expectCode(past, 'BAD_USER_INPUT').extensions!.fields).toContain('input.expiresAt');
      for (const role of ['sales', 'analyst', 'auditor'] as Role[]) {
        const attempt = await asRole(role, RECORD_CONSENT, {
          input: { customerId: c.none.id, partnerId: PARTNER, purpose: 'partner_service', expiresAt: inDays(30), evidence: EVIDENCE },
        });
        expect(attempt.body.data ?? null).toBeNull();
        expectCode(attempt, 'FORBIDDEN');
      }
      const byPartner = await server.gql<any>(RECORD_CONSENT, {
        token,
        variables: { input: { customerId: c.none.id, partnerId: PARTNER, purpose: 'partner_service', expiresAt: inDays(30), evidence: EVIDENCE } },
      });
      expectCode(byPartner, 'FORBIDDEN');
      expect((await sql(`SELECT count(*)::int AS n FROM consents WHERE customer_id = $1`, [c.none.id]))[0].n).toBe(0);
    });

    it('customers lists exactly the consenting customers, totalCount included; customer(id) returns them masked', async () => {
      const list = dataOf(await server.gql<any>(LIST, { token })).customers;
      const expected = sorted([c.a.id, c.b.id, c.revoked.id, c.groups.id]);
      expect(ids(list)).toEqual(expected);
      expect(list.totalCount).toBe(expected.length);
      const one = dataOf(await server.gql<any>(`{ customers(first: 1) { totalCount } }`, { token })).customers;
      expect(one.totalCount).toBe(expected.length);

      const a = dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.a.id } })).customer;
      expect(a).toEqual({ id: c.a.id, name: maskName(c.a.name) });
      expect(JSON.stringify(list)).not.toContain(c.a.name);
      for (const node of list.edges.map((e: any) => e.node)) {
        const row = Object.values(c).find((r) => r.id === node.id)!;
        expect(node.name).toBe(maskName(row.name));
      }
    });

    it('an expired consent shows nothing and is listed as inactive', async () => {
      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.expired.id } })).customer).toBeNull();
      const listed = dataOf(await asAdmin(CONSENTS, { customerId: c.expired.id })).consents;
      expect(listed).toEqual([expect.objectContaining({ id: consentIds.expired, active: false, revokedAt: null })]);
    });

    it('a customer without any consent is invisible', async () => {
      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.none.id } })).customer).toBeNull();
    });

    it('a revoked consent ends visibility on the next request; the record stays, inactive, with revokedAt', async () => {
      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.revoked.id } })).customer).toEqual({ id: c.revoked.id, name: maskName(c.revoked.name) });
      const revoked = dataOf(await asRole('service', REVOKE_CONSENT, { id: consentIds.revoked })).revokeConsent;
      expect(revoked).toMatchObject({ id: consentIds.revoked, customerId: c.revoked.id, revokedBy: await server.member('service', 'test-service'), active: false });
      expect(revoked.revokedAt).not.toBeNull();

      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.revoked.id } })).customer).toBeNull();
      const list = dataOf(await server.gql<any>(LIST, { token })).customers;
      const expected = sorted([c.a.id, c.b.id, c.groups.id]);
      expect(ids(list)).toEqual(expected);
      expect(list.totalCount).toBe(expected.length);

      const [row] = await sql(`SELECT revoked_at, revoked_by FROM consents WHERE id = $1`, [consentIds.revoked]);
      expect(row.revoked_at).not.toBeNull();
      expect(row.revoked_by).toBe(await server.member('service', 'test-service'));
      const listed = dataOf(await asRole('manager', CONSENTS, { customerId: c.revoked.id })).consents;
      expect(listed).toEqual([expect.objectContaining({ id: consentIds.revoked, active: false, revokedBy: await server.member('service', 'test-service') })]);
      expect(listed[0].revokedAt).not.toBeNull();
    });

    it('a consent for another purpose shows only under that declared purpose (x-purpose)', async () => {
      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.credit.id } })).customer).toBeNull();
      const credit = { 'x-purpose': 'credit_assessment' };
      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.credit.id }, headers: credit })).customer).toEqual({ id: c.credit.id, name: maskName(c.credit.name) });
      const list = dataOf(await server.gql<any>(LIST, { token, headers: credit })).customers;
      expect(ids(list)).toEqual([c.credit.id]);
      expect(list.totalCount).toBe(1);
      // Consents for partner_service do not count under credit_assessment.
      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.a.id }, headers: credit })).customer).toBeNull();
      // Marketing is no purpose at all (seed 000 二(三)3): refused before any SQL.
      const marketing = await server.gql<any>(LIST, { token, headers: { 'x-purpose': 'marketing' } });
      expect(marketing.body.data ?? null).toBeNull();
      expectCode(marketing, 'FORBIDDEN');
    });

    it("a consent for another partner is invisible to this one (and visible to that one)", async () => {
      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.other.id } })).customer).toBeNull();
      const otherToken = await server.token({ role: 'partner', partner: OTHER, scopes: ['customers:read'] });
      const list = dataOf(await server.gql<any>(LIST, { token: otherToken })).customers;
      expect(ids(list)).toEqual([c.other.id]);
      expect(list.totalCount).toBe(1);
    });

    it('a consent limited to customers:read covers `name` but not a query that also selects `phone`', async () => {
      expect(dataOf(await server.gql<any>(BY_ID, { token, variables: { id: c.groups.id } })).customer).toEqual({ id: c.groups.id, name: maskName(c.groups.name) });
      const withPhone = dataOf(await server.gql<any>(`query ($id: ID!) { customer(id: $id) { id name phone } }`, { token, variables: { id: c.groups.id } })).customer;
      expect(withPhone).toBeNull();
      const list = dataOf(await server.gql<any>(`{ customers(first: 100) { totalCount edges { node { id phone } } } }`, { token })).customers;
      const expected = sorted([c.a.id, c.b.id]);
      expect(ids(list)).toEqual(expected);
      expect(list.totalCount).toBe(expected.length);
      expect(JSON.stringify(list)).not.toContain(c.groups.id);
    });
  });

  describe('4. every path reaching a customer respects consent, counts included', () => {
    const PARTNER = 'paths-co';
    let visible: CustomerRow[];
    let hidden: CustomerRow;
    let token: string;
    const visibleIds = () => visible.map((r) => r.id);

    const tokenFor = () => server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read', 'transactions:read', 'complaints:read'] });

    beforeAll(async () => {
      const withHistory = `EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id) AND EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = c.id)`;
      const rows = await pickCustomers(3, `${withHistory} AND (SELECT count(*) FROM transactions t WHERE t.customer_id = c.id) <= 40`);
      visible = rows.slice(0, 2);
      hidden = rows[2];
      token = await tokenFor();
      for (const r of visible) await consent(r.id, PARTNER);
    });

    it('transactions: only those of consenting customers; totalCount equals their count in the database', async () => {
      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM transactions WHERE customer_id = ANY($1::uuid[])`, [visibleIds()]);
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(100);
      const page = dataOf(await server.gql<any>(`{ transactions(first: 100) { totalCount edges { node { id customer { id } } } } }`, { token })).transactions;
      expect(page.totalCount).toBe(n);
      expect(page.edges).toHaveLength(n);
      for (const edge of page.edges) expect(visibleIds()).toContain(edge.node.customer.id);
      const dbIds = (await sql<{ id: string }>(`SELECT id FROM transactions WHERE customer_id = ANY($1::uuid[])`, [visibleIds()])).map((r) => r.id);
      expect(ids(page)).toEqual(sorted(dbIds));
      expect(JSON.stringify(page)).not.toContain(hidden.id);
    });

    it('transaction(id) of a non-consenting customer is null; of a consenting one it carries its customer', async () => {
      const [theirs] = await sql<{ id: string }>(`SELECT id FROM transactions WHERE customer_id = $1 LIMIT 1`, [hidden.id]);
      const [ours] = await sql<{ id: string }>(`SELECT id FROM transactions WHERE customer_id = $1 LIMIT 1`, [visible[0].id]);
      const Q = `query ($id: ID!) { transaction(id: $id) { id customer { id } } }`;
      expect(dataOf(await server.gql<any>(Q, { token, variables: { id: theirs.id } })).transaction).toBeNull();
      expect(dataOf(await server.gql<any>(Q, { token, variables: { id: ours.id } })).transaction).toEqual({ id: ours.id, customer: { id: visible[0].id } });
    });

    it('Customer.transactions and Customer.complaints count what the database holds for a consenting customer', async () => {
      const r = visible[0];
      const [{ t }] = await sql(`SELECT count(*)::int AS t FROM transactions WHERE customer_id = $1`, [r.id]);
      const [{ k }] = await sql(`SELECT count(*)::int AS k FROM complaints WHERE customer_id = $1`, [r.id]);
      const data = dataOf(await server.gql<any>(`query ($id: ID!) { customer(id: $id) { id transactions(first: 5) { totalCount edges { node { id } } } complaints(first: 5) { totalCount } } }`, { token, variables: { id: r.id } }));
      expect(data.customer.transactions.totalCount).toBe(t);
      expect(data.customer.transactions.edges).toHaveLength(Math.min(t, 5));
      expect(data.customer.complaints.totalCount).toBe(k);
      // The customer of a non-consenting one: null, nested lists and all.
      const none = dataOf(await server.gql<any>(`query ($id: ID!) { customer(id: $id) { id transactions(first: 5) { totalCount } } }`, { token, variables: { id: hidden.id } }));
      expect(none.customer).toBeNull();
    });

    it('complaints: only those of consenting customers, totalCount included; complaint(id) of another customer is null', async () => {
      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM complaints WHERE customer_id = ANY($1::uuid[])`, [visibleIds()]);
      expect(n).toBeGreaterThan(0);
      const page = dataOf(await server.gql<any>(`{ complaints(first: 100) { totalCount edges { node { id customer { id } } } } }`, { token })).complaints;
      expect(page.totalCount).toBe(n);
      expect(page.edges).toHaveLength(n);
      for (const edge of page.edges) expect(visibleIds()).toContain(edge.node.customer.id);
      const [theirs] = await sql<{ id: string }>(`SELECT id FROM complaints WHERE customer_id = $1 LIMIT 1`, [hidden.id]);
      const [ours] = await sql<{ id: string }>(`SELECT id FROM complaints WHERE customer_id = $1 LIMIT 1`, [visible[1].id]);
      const Q = `query ($id: ID!) { complaint(id: $id) { id customer { id } } }`;
      expect(dataOf(await server.gql<any>(Q, { token, variables: { id: theirs.id } })).complaint).toBeNull();
      expect(dataOf(await server.gql<any>(Q, { token, variables: { id: ours.id } })).complaint).toEqual({ id: ours.id, customer: { id: visible[1].id } });
    });

    it('customers(first: 1) { totalCount } is the number of consenting customers, not of all', async () => {
      const data = dataOf(await server.gql<any>(`{ customers(first: 1) { totalCount edges { node { id } } } }`, { token }));
      expect(data.customers.totalCount).toBe(visible.length);
      expect(visibleIds()).toContain(data.customers.edges[0].node.id);
      const [{ all }] = await sql(`SELECT count(*)::int AS all FROM customers`);
      expect(all).toBeGreaterThan(visible.length);
    });

    /** Either refused as a cursor of this list, or an empty page: never rows placed by a hidden record. */
    function expectNoPageAfterHidden(result: GqlResult<any>, list: string, hiddenId: string): void {
      expect(JSON.stringify(result.body)).not.toContain(hiddenId);
      const error = firstError(result.body);
      if (error) {
        expect(error.extensions?.code).toBe('BAD_USER_INPUT');
        expect(error.extensions?.field).toBe('after');
      } else {
        expect(result.body.data[list].edges).toEqual([]);
      }
    }

    const PAGE = `query ($after: String) { customers(first: 10, after: $after) { totalCount edges { cursor node { id name } } } }`;
    const BY_ARCHIVE = `query ($after: String) { customers(first: 10, after: $after, orderBy: { field: ARCHIVE_NUMBER, direction: DESC }) { edges { node { id } } } }`;
    const cursorOf = (list: string, id: string) => Buffer.from(`${list}:${id}`, 'utf8').toString('base64url');

    it('control: a cursor naming no record at all is refused (BAD_USER_INPUT on after)', async () => {
      const result = await server.gql<any>(BY_ARCHIVE, { token: await tokenFor(), variables: { after: cursorOf('customers', randomUUID()) } });
      expect(result.body.data?.customers ?? null).toBeNull();
      expect(expectCode(result, 'BAD_USER_INPUT').extensions!.field).toBe('after');
    });

    it("a staff list's cursor naming a non-consenting customer yields no rows", async () => {
      // A staff page: the newest customer, whose cursor a staff member could hand over.
      const staff = dataOf(await asAdmin(`{ customers(first: 1) { edges { cursor node { id } } } }`)).customers.edges[0];
      expect(visibleIds()).not.toContain(staff.node.id);
      // Every consenting customer is older than that one: rows "after" it, if any were served, would be consenting ones.
      const [newest] = await sql(`SELECT max(created_at) AS t FROM customers WHERE id = ANY($1::uuid[])`, [visibleIds()]);
      const [staffRow] = await sql(`SELECT created_at AS t FROM customers WHERE id = $1`, [staff.node.id]);
      expect(staffRow.t.getTime()).toBeGreaterThanOrEqual(newest.t.getTime());
      expectNoPageAfterHidden(await server.gql<any>(PAGE, { token: await tokenFor(), variables: { after: staff.cursor } }), 'customers', staff.node.id);
    });

    it('a forged cursor with a non-consenting id yields no rows (no existence or position oracle)', async () => {
      // The hidden customer precedes the consenting ones in this order (archive number, descending).
      expect(visible.every((v) => v.archive_number < hidden.archive_number)).toBe(true);
      expectNoPageAfterHidden(await server.gql<any>(BY_ARCHIVE, { token: await tokenFor(), variables: { after: cursorOf('customers', hidden.id) } }), 'customers', hidden.id);
    });

    it("a forged transactions cursor naming a non-consenting customer's newest transaction yields no rows", async () => {
      const [newestHidden] = await sql<{ id: string }>(
        `SELECT id FROM transactions WHERE customer_id <> ALL($1::uuid[]) ORDER BY occurred_at DESC, id DESC LIMIT 1`,
        [visibleIds()],
      );
      const result = await server.gql<any>(`query ($after: String) { transactions(first: 10, after: $after) { edges { node { id customer { id } } } } }`, {
        token: await tokenFor(),
        variables: { after: cursorOf('transactions', newestHidden.id) },
      });
      expectNoPageAfterHidden(result, 'transactions', newestHidden.id);
    });

    it("a forged cursor in a nested list (Customer.transactions) naming another customer's transaction yields no rows", async () => {
      const [newestHidden] = await sql<{ id: string }>(
        `SELECT id FROM transactions WHERE customer_id <> ALL($1::uuid[]) ORDER BY occurred_at DESC, id DESC LIMIT 1`,
        [visibleIds()],
      );
      const result = await server.gql<any>(
        `query ($id: ID!, $after: String) { customer(id: $id) { id transactions(first: 10, after: $after) { edges { node { id } } } } }`,
        { token: await tokenFor(), variables: { id: visible[0].id, after: cursorOf('transactions', newestHidden.id) } },
      );
      expect(JSON.stringify(result.body)).not.toContain(newestHidden.id);
      const error = firstError(result.body);
      if (error) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      else expect(result.body.data.customer.transactions.edges).toEqual([]);
    });
  });

  describe('5. scopes decide which fields a partner may ask for', () => {
    const PARTNER = 'scope-co';
    let customer: CustomerRow;

    beforeAll(async () => {
      [customer] = await pickCustomers(1, `birth_date_sealed IS NOT NULL`);
      await server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read'] });
      await consent(customer.id, PARTNER);
    });

    it('customers:read only: asking for phone is FORBIDDEN with reason SCOPE naming Customer.phone', async () => {
      const token = await server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read'] });
      for (const query of [`{ customers(first: 5) { edges { node { id phone } } } }`, `{ customer(id: "${customer.id}") { name phone } }`]) {
        const result = await server.gql<any>(query, { token });
        expect(result.status).toBe(403);
        expect(result.body.data ?? null).toBeNull();
        const error = expectCode(result, 'FORBIDDEN');
        expect(error.extensions!.reason).toBe('SCOPE');
        expect(error.extensions!.fields).toEqual(['Customer.phone']);
        expect(error.message).toContain('Customer.phone');
        expect(error.message).toContain('customers.contact:read');
        expect(JSON.stringify(result.body)).not.toContain(customer.phone);
      }
    });

    it('customers:read only: transactions, top-level or nested, are FORBIDDEN (SCOPE)', async () => {
      const token = await server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read'] });
      const top = await server.gql<any>(`{ transactions(first: 5) { edges { node { id } } } }`, { token });
      expect(top.body.data ?? null).toBeNull();
      const topError = expectCode(top, 'FORBIDDEN');
      expect(topError.extensions!.reason).toBe('SCOPE');
      expect(topError.extensions!.fields).toContain('Query.transactions');
      const nested = await server.gql<any>(`{ customer(id: "${customer.id}") { id transactions(first: 5) { totalCount } } }`, { token });
      expect(nested.body.data ?? null).toBeNull();
      const nestedError = expectCode(nested, 'FORBIDDEN');
      expect(nestedError.extensions!.reason).toBe('SCOPE');
      expect(nestedError.extensions!.fields).toContain('Customer.transactions');
    });

    it('customers.identity:read-masked: idNumber masked, bankCardNumber last 4 only, birth date year only', async () => {
      const token = await server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read', 'customers.identity:read-masked'] });
      const result = await server.gql<any>(`query ($id: ID!) { customer(id: $id) { id name idNumber bankCardNumber birthDate birthYear } }`, { token, variables: { id: customer.id } });
      const got = dataOf(result).customer;
      expect(got).toEqual({
        id: customer.id,
        name: maskName(customer.name),
        idNumber: maskIdNumber(customer.id_number),
        bankCardNumber: maskCardLast4(customer.bank_card_number),
        birthDate: null,
        birthYear: Number(customer.birth_date!.slice(0, 4)),
      });
      expect(got.bankCardNumber).toMatch(/^\*+[0-9]{4}$/);
      const text = JSON.stringify(result.body);
      for (const clear of [customer.id_number, customer.bank_card_number, customer.name, customer.birth_date!]) expect(text).not.toContain(clear);
      // Not even the first six digits of the card (the staff mask keeps them; the partner one does not).
      expect(got.bankCardNumber.slice(0, 6)).toBe('******');
    });
  });

  describe('6. fileComplaint for consenting customers only', () => {
    const PARTNER = 'file-co';
    let consenting: CustomerRow;
    let other: CustomerRow;
    let token: string;
    const FILE = `mutation ($input: FileComplaintInput!) { fileComplaint(input: $input) { id status receivedAt dueAt } }`;
    const input = (customerId: string) => ({ customerId, channel: 'ONLINE', category: 'CARD', description: 'Card declined abroad although travel was notified.' });

    beforeAll(async () => {
      [consenting, other] = await pickCustomers(2);
      token = await server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read', 'complaints:write'] });
      await consent(consenting.id, PARTNER);
    });

    it('files a complaint for a consenting customer', async () => {
      const filed = dataOf(await server.gql<any>(FILE, { token, variables: { input: input(consenting.id) } })).fileComplaint;
      expect(filed.status).toBe('RECEIVED');
      const [row] = await sql(`SELECT customer_id, channel, category, status FROM complaints WHERE id = $1`, [filed.id]);
      expect(row).toEqual({ customer_id: consenting.id, channel: 'ONLINE', category: 'CARD', status: 'RECEIVED' });
    });

    it('refuses a non-consenting customer exactly like an unknown id (BAD_USER_INPUT on customerId), filing nothing', async () => {
      const before = (await sql(`SELECT count(*)::int AS n FROM complaints WHERE customer_id = $1`, [other.id]))[0].n;
      const refused = await server.gql<any>(FILE, { token, variables: { input: input(other.id) } });
      expect(refused.body.data ?? null).toBeNull();
      const error = expectCode(refused, 'BAD_USER_INPUT');
      expect(error.extensions!.field).toBe('customerId');
      expect(error.message).toContain('no customer with this id');
      const unknown = await server.gql<any>(FILE, { token, variables: { input: input(randomUUID()) } });
      const unknownError = expectCode(unknown, 'BAD_USER_INPUT');
      expect(unknownError.message).toBe(error.message);
      expect(unknownError.extensions!.field).toBe(error.extensions!.field);
      expect(refused.status).toBe(unknown.status);
      expect((await sql(`SELECT count(*)::int AS n FROM complaints WHERE customer_id = $1`, [other.id]))[0].n).toBe(before);
    });
  });

  describe('7. change history', () => {
    const PARTNER = 'history-co';
    let customer: CustomerRow;

    beforeAll(async () => {
      [customer] = await pickCustomers(1);
      dataOf(await asAdmin(REGISTER, { input: { id: PARTNER, name: 'History Co', purposes: ['partner_service'] } }));
    });

    async function changesOf(entity: string, entityId: string) {
      return sql<{ action: string; principal_sub: string; principal_role: string; customer_id: string | null; changes: unknown }>(
        `SELECT action, principal_sub, principal_role, customer_id, changes FROM audit_changes WHERE entity = $1 AND entity_id = $2 ORDER BY seq`,
        [entity, entityId],
      );
    }

    it('recordConsent and revokeConsent each leave a Consent change record', async () => {
      const recorded = await consent(customer.id, PARTNER, { as: 'service' });
      let changes = await changesOf('Consent', recorded.id);
      expect(changes).toEqual([expect.objectContaining({ action: 'CREATE', principal_sub: await server.member('service', 'test-service'), principal_role: 'service', customer_id: customer.id })]);
      dataOf(await asRole('manager', REVOKE_CONSENT, { id: recorded.id }));
      changes = await changesOf('Consent', recorded.id);
      expect(changes.map((c) => c.action)).toEqual(['CREATE', 'UPDATE']);
      expect(changes[1]).toMatchObject({ principal_sub: await server.member('manager', 'test-manager'), principal_role: 'manager', customer_id: customer.id });
    });

    it('issuePartnerToken leaves a PartnerToken change record, without the token', async () => {
      const issued = await issue(PARTNER, ['customers:read']);
      const changes = await changesOf('PartnerToken', issued.details.id);
      expect(changes).toEqual([expect.objectContaining({ action: 'CREATE', principal_sub: await server.member('admin', 'test-admin'), principal_role: 'admin', customer_id: null })]);
      const text = JSON.stringify(changes);
      expect(text).not.toContain(issued.token);
      expect(text).not.toContain(issued.token.split('.')[2]);
    });
  });
});
