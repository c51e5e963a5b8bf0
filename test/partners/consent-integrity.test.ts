import { Client } from 'pg';
import { approvedAgreement } from '../harness/governance';
import { loadConfig } from '../../src/config';
import { migrateDownLast, migrateUp, migrationNames } from '../../src/db/migrate';
import { ROLE_POLICIES } from '../../permissions/policy';
import { PURPOSES } from '../../permissions/vocabulary';
import { ROLES, type Role } from '../../src/auth/principal';
import { MARKETING_REVOKE_REASON } from '../../migrations/1795507400000-ConsentIntegrity';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { example } from '../harness/examples';
import { startTestServer, type GqlResult, type TestServer } from '../harness/server';

/**
 * Consents the beneficiary cannot forge, and no marketing (seed 000 二(三)3). Written as attacks:
 * each test is something a staff member or a partner's friend on the inside would try, and
 * what the API and the database do about it. Every token names a seeded, active staff member.
 */

const DAY_MS = 86_400_000;
const REGISTER = `mutation ($input: RegisterPartnerInput!) { registerPartner(input: $input) { id purposes } }`;
const ISSUE = `mutation ($input: IssuePartnerTokenInput!) { issuePartnerToken(input: $input) { token details { id issuedBy } } }`;
const ROTATE = `mutation ($id: ID!) { rotatePartnerToken(id: $id) { token details { id issuedBy } } }`;

const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
/** YYYYMMDD in China time, `days` from today. */
const chinaDay = (days = 0) => new Date(Date.now() + days * DAY_MS + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
let serial = 0;
/** A fresh, well-formed signed-form number of today. */
const formRef = () => `CF-${chinaDay()}-${String(++serial).padStart(6, '0')}`;

type Body = GqlResult<any>['body'];
function errorOf(result: GqlResult<any>): NonNullable<Body['errors']>[number] {
  expect(result.body.data?.recordConsent ?? result.body.data?.registerPartner ?? result.body.data?.revokeConsent ?? null).toBeNull();
  expect(result.body.errors?.length).toBeGreaterThan(0);
  return result.body.errors![0];
}

describe('Consent integrity', () => {
  let server: TestServer;
  const staff: Record<'admin' | 'manager' | 'service', string[]> = { admin: [], manager: [], service: [] };
  let customers: string[];
  let used = 0;
  const nextCustomer = () => customers[used++];

  async function sql<T = Record<string, any>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.db.pool.query(text, values)).rows as T[];
  }
  const as = (role: Role, sub: string, query: string, variables?: Record<string, unknown>) => server.gql<any>(query, { role, sub, variables });
  const consentCount = async (customerId: string) => (await sql(`SELECT count(*)::int AS n FROM consents WHERE customer_id = $1`, [customerId]))[0].n as number;

  /** A consent input that passes every check; tests break one thing at a time. */
  const validInput = (customerId: string, partnerId: string, overrides: Record<string, unknown> = {}) => ({
    customerId, partnerId, purpose: 'partner_service', expiresAt: inDays(365), evidence: { kind: 'SIGNED_FORM', reference: formRef() }, ...overrides,
  });

  // admin[0] registers PARTNER, admin[1] issues its token: both administer its access.
  const PARTNER = 'integrity-co';

  beforeAll(async () => {
    server = await startTestServer();
    for (const role of ['admin', 'manager', 'service'] as const) {
      staff[role] = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = $1 AND active ORDER BY username`, [role])).map((r) => r.id);
    }
    expect(staff.admin.length).toBeGreaterThanOrEqual(2);
    expect(staff.service.length).toBeGreaterThanOrEqual(2);
    customers = (await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY archive_number LIMIT 40`)).map((r) => r.id);
    const registered = await as('admin', staff.admin[0], REGISTER, { input: { id: PARTNER, name: 'Integrity Co', purposes: ['partner_service', 'credit_assessment'] } });
    expect(registered.body.errors).toBeUndefined();
    await approvedAgreement(server.db.pool, PARTNER); // bound by an approved agreement (issue 18)
    const issued = await as('admin', staff.admin[1], ISSUE, { input: { partnerId: PARTNER, scopes: ['customers:read'] } });
    expect(issued.body.data.issuePartnerToken.details.issuedBy).toBe(staff.admin[1]);
  });

  afterAll(() => server.stop());

  describe('the consent period', () => {
    it('refuses a grantedAt back-dated beyond CONSENT_BACKDATE_DAYS (7), naming the field, not echoing it, storing nothing', async () => {
      const customer = nextCustomer();
      const backdated = inDays(-8);
      const result = await as('service', staff.service[0], example('RecordConsent'), { input: validInput(customer, PARTNER, { grantedAt: backdated }) });
      const error = errorOf(result);
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.grantedAt' });
      expect(JSON.stringify(result.body)).not.toContain(backdated.slice(0, 10));
      expect(await consentCount(customer)).toBe(0);
    });

    it('accepts a grantedAt inside the window (6 days ago): the limit is the window, not "now"', async () => {
      const customer = nextCustomer();
      const result = await as('service', staff.service[0], example('RecordConsent'), { input: validInput(customer, PARTNER, { grantedAt: inDays(-6) }) });
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.recordConsent.active).toBe(true);
    });

    it('refuses a grantedAt in the future (a consent that is not given yet)', async () => {
      const customer = nextCustomer();
      const result = await as('service', staff.service[0], example('RecordConsent'), { input: validInput(customer, PARTNER, { grantedAt: inDays(1) }) });
      expect(errorOf(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.grantedAt' });
      expect(await consentCount(customer)).toBe(0);
    });

    it('refuses an expiresAt already past even when it is after grantedAt', async () => {
      const customer = nextCustomer();
      const result = await as('service', staff.service[0], example('RecordConsent'), {
        input: validInput(customer, PARTNER, { grantedAt: inDays(-5), expiresAt: inDays(-1) }),
      });
      const error = errorOf(result);
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.expiresAt' });
      expect(error.extensions!.fields).toEqual(['input.expiresAt']);
      expect(await consentCount(customer)).toBe(0);
    });

    it('still refuses an expiresAt more than 3 years after grantedAt', async () => {
      const customer = nextCustomer();
      const result = await as('service', staff.service[0], example('RecordConsent'), { input: validInput(customer, PARTNER, { expiresAt: inDays(3 * 366 + 2) }) });
      expect(errorOf(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.expiresAt' });
    });

    it('reads CONSENT_BACKDATE_DAYS from the environment (default 7)', () => {
      expect(loadConfig({}).consentBackdateDays).toBe(7);
      expect(loadConfig({ CONSENT_BACKDATE_DAYS: '30' }).consentBackdateDays).toBe(30);
      expect(() => loadConfig({ CONSENT_BACKDATE_DAYS: 'a week' })).toThrow(/CONSENT_BACKDATE_DAYS/);
    });
  });

  describe('the evidence', () => {
    it('no longer accepts the free-text evidenceRef input', async () => {
      const customer = nextCustomer();
      const { evidence: _evidence, ...rest } = validInput(customer, PARTNER);
      const result = await as('service', staff.service[0], example('RecordConsent'), { input: { ...rest, evidenceRef: 'the customer said yes on the phone' } });
      expect(result.body.errors?.[0]?.extensions?.code).toMatch(/^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/);
      expect(JSON.stringify(result.body)).not.toContain('said yes');
      expect(await consentCount(customer)).toBe(0);
    });

    it.each([
      ['free text', 'SIGNED_FORM', 'signed form in the drawer'],
      ['an empty reference', 'SIGNED_FORM', ''],
      ['another kind\'s format', 'SIGNED_FORM', `RC-${chinaDay()}-00001234`],
      ['a serial too short', 'SIGNED_FORM', `CF-${chinaDay()}-12345`],
      ['lower case', 'ELECTRONIC_SIGNATURE', `es-${chinaDay()}-abcdef123456`],
      ['trailing text', 'RECORDED_CALL', `RC-${chinaDay()}-00001234 ok`],
      ['a date that does not exist', 'SIGNED_FORM', 'CF-20261331-000001'],
      ['a date in the future', 'BRANCH_REGISTER', `BR-0101-${chinaDay(2)}-0001`],
    ])('refuses %s as evidence on input.evidence.reference, not echoing it', async (_label, kind, reference) => {
      const customer = nextCustomer();
      const result = await as('service', staff.service[0], example('RecordConsent'), { input: validInput(customer, PARTNER, { evidence: { kind, reference } }) });
      const error = errorOf(result);
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.evidence.reference' });
      if (reference) expect(JSON.stringify(result.body)).not.toContain(reference);
      expect(await consentCount(customer)).toBe(0);
    });

    it('refuses the legacy kind: it exists only for rows recorded before evidence was structured', async () => {
      const customer = nextCustomer();
      const result = await as('service', staff.service[0], example('RecordConsent'), {
        input: validInput(customer, PARTNER, { evidence: { kind: 'LEGACY_FREE_TEXT', reference: formRef() } }),
      });
      expect(result.body.errors?.[0]?.extensions?.code).toMatch(/^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/);
      expect(await consentCount(customer)).toBe(0);
    });

    it.each([
      ['SIGNED_FORM', () => `CF-${chinaDay()}-000777`],
      ['ELECTRONIC_SIGNATURE', () => `ES-${chinaDay(-1)}-A1B2C3D4E5F6`],
      ['RECORDED_CALL', () => `RC-${chinaDay()}-12345678`],
      ['BRANCH_REGISTER', () => `BR-0571-${chinaDay()}-0042`],
    ])('accepts %s with a reference in its format and returns evidenceKind and evidenceRef', async (kind, reference) => {
      const customer = nextCustomer();
      const ref = reference();
      const result = await as('manager', staff.manager[0], example('RecordConsent'), { input: validInput(customer, PARTNER, { evidence: { kind, reference: ref } }) });
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.recordConsent).toMatchObject({ evidenceKind: kind, evidenceRef: ref, active: true });
      const [row] = await sql(`SELECT evidence_kind, evidence_ref FROM consents WHERE id = $1`, [result.body.data.recordConsent.id]);
      expect(row).toEqual({ evidence_kind: kind, evidence_ref: ref });
    });
  });

  describe('who may vouch for a consent', () => {
    it('the admin who registered the partner cannot record a consent for it (FORBIDDEN, PARTNER_PRINCIPAL)', async () => {
      const customer = nextCustomer();
      const result = await as('admin', staff.admin[0], example('RecordConsent'), { input: validInput(customer, PARTNER) });
      expect(errorOf(result).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_PRINCIPAL' });
      expect(await consentCount(customer)).toBe(0);
    });

    it('the admin who issued one of its tokens cannot either', async () => {
      const customer = nextCustomer();
      const result = await as('admin', staff.admin[1], example('RecordConsent'), { input: validInput(customer, PARTNER) });
      expect(errorOf(result).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_PRINCIPAL' });
      expect(await consentCount(customer)).toBe(0);
    });

    it('nor does writing the same subject in upper case get around it', async () => {
      const customer = nextCustomer();
      const result = await as('admin', staff.admin[0].toUpperCase(), example('RecordConsent'), { input: validInput(customer, PARTNER) });
      // Refused as the partner's principal (or, where subjects must be staff ids as written, as no staff member).
      const error = result.body.errors?.[0];
      expect(error?.extensions?.code === 'UNAUTHENTICATED' || (error?.extensions?.code === 'FORBIDDEN' && error.extensions.reason === 'PARTNER_PRINCIPAL')).toBe(true);
      expect(await consentCount(customer)).toBe(0);
    });

    it('an admin who only rotated a token of the partner issued its replacement: refused too', async () => {
      const other = 'integrity-rotate';
      expect((await as('admin', staff.admin[0], REGISTER, { input: { id: other, name: 'Rotate Co', purposes: ['partner_service'] } })).body.errors).toBeUndefined();
      await approvedAgreement(server.db.pool, other);
      const issued = (await as('admin', staff.admin[0], ISSUE, { input: { partnerId: other, scopes: ['customers:read'] } })).body.data.issuePartnerToken;
      const rotated = (await as('admin', staff.admin[1], ROTATE, { id: issued.details.id })).body.data.rotatePartnerToken;
      expect(rotated.details.issuedBy).toBe(staff.admin[1]);
      const customer = nextCustomer();
      const result = await as('admin', staff.admin[1], example('RecordConsent'), { input: validInput(customer, other) });
      expect(errorOf(result).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_PRINCIPAL' });
    });

    it.each([
      ['a service agent', 'service' as Role, () => staff.service[1]],
      ['a manager', 'manager' as Role, () => staff.manager[1]],
    ])('%s with no part in the partner can, and recordedBy is that member', async (_label, role, sub) => {
      const customer = nextCustomer();
      const result = await as(role, sub(), example('RecordConsent'), { input: validInput(customer, PARTNER) });
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.recordConsent).toMatchObject({ customerId: customer, partnerId: PARTNER, recordedBy: sub(), active: true });
      const [row] = await sql(`SELECT recorded_by FROM consents WHERE id = $1`, [result.body.data.recordConsent.id]);
      expect(row.recorded_by).toBe(sub());
    });

    it('an admin of another partner can record consent for this one', async () => {
      const unrelated = 'integrity-unrelated';
      // admin[1] administers this one; admin[0] has no part in it.
      expect((await as('admin', staff.admin[1], REGISTER, { input: { id: unrelated, name: 'Unrelated', purposes: ['partner_service'] } })).body.errors).toBeUndefined();
      const customer = nextCustomer();
      const result = await as('admin', staff.admin[0], example('RecordConsent'), { input: validInput(customer, unrelated) });
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.recordConsent.recordedBy).toBe(staff.admin[0]);
    });

    it('a partner token can never record a consent: not among its operations, refused when tried', async () => {
      expect(ROLE_POLICIES.partner.operations).not.toContain('Mutation.recordConsent');
      expect(Object.keys(ROLE_POLICIES.partner.writes)).not.toContain('recordConsent');
      const token = await server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read', 'complaints:write'] });
      const customer = nextCustomer();
      const result = await server.gql<any>(example('RecordConsent'), { token, variables: { input: validInput(customer, PARTNER) } });
      expect(errorOf(result).extensions?.code).toBe('FORBIDDEN');
      expect(await consentCount(customer)).toBe(0);
    });
  });

  describe('no marketing (seed 000 二(三)3)', () => {
    it('marketing is no purpose of the vocabulary nor of any role', () => {
      expect(PURPOSES as readonly string[]).not.toContain('marketing');
      for (const role of ROLES) expect(ROLE_POLICIES[role].purposes.allowed as readonly string[]).not.toContain('marketing');
    });

    it('refuses to register a partner for marketing', async () => {
      const result = await as('admin', staff.admin[0], REGISTER, { input: { id: 'promo-co', name: 'Promo', purposes: ['partner_service', 'marketing'] } });
      expect(errorOf(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.purposes' });
      expect(await sql(`SELECT 1 FROM partners WHERE id = 'promo-co'`)).toEqual([]);
    });

    it('refuses a marketing consent', async () => {
      const customer = nextCustomer();
      const result = await as('service', staff.service[0], example('RecordConsent'), { input: validInput(customer, PARTNER, { purpose: 'marketing' }) });
      expect(errorOf(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.purpose' });
      expect(await consentCount(customer)).toBe(0);
    });

    it('a partner may not declare marketing as its purpose', async () => {
      const token = await server.token({ role: 'partner', partner: PARTNER, scopes: ['customers:read'] });
      const result = await server.gql<any>(`{ customers(first: 5) { totalCount } }`, { token, headers: { 'x-purpose': 'marketing' } });
      expect(result.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.body.data ?? null).toBeNull();
    });

    it('the database refuses a new marketing consent or partner purpose, and new legacy evidence, whoever writes', async () => {
      const customer = nextCustomer();
      await expect(sql(
        `INSERT INTO consents (customer_id, partner_id, purpose, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
         VALUES ($1, $2, 'marketing', now(), now() + interval '30 days', 'SIGNED_FORM', 'CF-20261101-000001', $3)`,
        [customer, PARTNER, staff.service[0]],
      )).rejects.toMatchObject({ constraint: 'consents_no_marketing_check' });
      await expect(sql(
        `INSERT INTO consents (customer_id, partner_id, purpose, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
         VALUES ($1, $2, 'partner_service', now(), now() + interval '30 days', 'LEGACY_FREE_TEXT', 'ok', $3)`,
        [customer, PARTNER, staff.service[0]],
      )).rejects.toMatchObject({ constraint: 'consents_legacy_evidence_check' });
      await expect(sql(`UPDATE partners SET purposes = purposes || '{marketing}'::text[] WHERE id = $1`, [PARTNER]))
        .rejects.toMatchObject({ constraint: 'partners_no_marketing_check' });
      await expect(sql(`INSERT INTO partners (id, name, purposes, created_by) VALUES ('promo-db', 'x', '{marketing}', 'x')`))
        .rejects.toMatchObject({ constraint: 'partners_no_marketing_check' });
    });
  });

  describe('revocation with a reason', () => {
    it('keeps the reason, returns it masked where it holds a phone number, and allows none', async () => {
      const customer = nextCustomer();
      const recorded = (await as('service', staff.service[0], example('RecordConsent'), { input: validInput(customer, PARTNER) })).body.data.recordConsent;
      const reason = 'customer withdrew at the branch, call back on 13812345678';
      const revoked = await as('service', staff.service[1], example('RevokeConsent'), { id: recorded.id, reason });
      expect(revoked.body.errors).toBeUndefined();
      expect(revoked.body.data.revokeConsent).toMatchObject({ id: recorded.id, revokedBy: staff.service[1], active: false });
      expect(revoked.body.data.revokeConsent.revokeReason).toBe('customer withdrew at the branch, call back on 138****5678');
      const [row] = await sql(`SELECT revoke_reason FROM consents WHERE id = $1`, [recorded.id]);
      expect(row.revoke_reason).toBe(reason);
      const listed = (await as('admin', staff.admin[0], example('ConsentsOfCustomer'), { customerId: customer })).body.data.consents;
      expect(JSON.stringify(listed)).not.toContain('13812345678');

      const plain = (await as('manager', staff.manager[0], example('RecordConsent'), { input: validInput(nextCustomer(), PARTNER) })).body.data.recordConsent;
      const without = await as('manager', staff.manager[0], example('RevokeConsent'), { id: plain.id });
      expect(without.body.data.revokeConsent).toMatchObject({ revokeReason: null, active: false });
    });

    it('refuses a reason over 500 characters, leaving the consent active', async () => {
      const recorded = (await as('service', staff.service[0], example('RecordConsent'), { input: validInput(nextCustomer(), PARTNER) })).body.data.recordConsent;
      const result = await as('service', staff.service[0], example('RevokeConsent'), { id: recorded.id, reason: 'x'.repeat(501) });
      expect(errorOf(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
      expect((await sql(`SELECT revoked_at FROM consents WHERE id = $1`, [recorded.id]))[0].revoked_at).toBeNull();
    });
  });
});

/** ConsentIntegrity and the migrations after it, in order. */
const FROM_CONSENT_INTEGRITY = migrationNames().slice(migrationNames().indexOf('ConsentIntegrity1795507400000'));

/** Reverts the newest migrations down to and including ConsentIntegrity. */
async function revertThroughConsentIntegrity(url: string): Promise<void> {
  for (let i = 0; i < FROM_CONSENT_INTEGRITY.length; i++) await migrateDownLast(url);
}

describe('Migration ConsentIntegrity', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await migrateUp(db.url);
    await revertThroughConsentIntegrity(db.url); // the database as it was before ConsentIntegrity
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const query = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows;

  it('ends existing marketing consents with the reason, drops marketing from partners, keeps the rest', async () => {
    expect(FROM_CONSENT_INTEGRITY[0]).toBe('ConsentIntegrity1795507400000');
    const [{ id: customer }] = await query(`INSERT INTO customers (kind, archive_number, name) VALUES ('INDIVIDUAL', 'P202401010000001', 'x') RETURNING id`);
    await query(`INSERT INTO partners (id, name, purposes, created_by) VALUES ('promo', 'Promo', '{partner_service,marketing}', 'someone'), ('only-promo', 'Only', '{marketing}', 'someone')`);
    const insert = async (purpose: string, granted: string, expires: string) => (await query(
      `INSERT INTO consents (customer_id, partner_id, purpose, granted_at, expires_at, evidence_ref, recorded_by)
       VALUES ($1, 'promo', $2, now() + $3::interval, now() + $4::interval, 'the customer agreed', 'someone') RETURNING id`,
      [customer, purpose, granted, expires],
    ))[0].id as string;
    const active = await insert('marketing', '-10 days', '300 days');
    const pending = await insert('marketing', '2 days', '300 days');
    const expired = await insert('marketing', '-300 days', '-1 day');
    const service = await insert('partner_service', '-10 days', '300 days');

    expect(await migrateUp(db.url)).toEqual(FROM_CONSENT_INTEGRITY);

    const rows = new Map((await query(`SELECT id, purpose, revoked_at, revoked_by, revoke_reason, evidence_kind, evidence_ref FROM consents`)).map((r) => [r.id, r]));
    for (const id of [active, pending]) {
      expect(rows.get(id)).toMatchObject({ revoked_by: 'system:migration', revoke_reason: MARKETING_REVOKE_REASON });
      expect(rows.get(id).revoked_at).not.toBeNull();
    }
    expect(MARKETING_REVOKE_REASON).toBe('seed 000 二(三)3: customer information may not be used for commercial promotion');
    // Already ended by its expiry: its history is not rewritten.
    expect(rows.get(expired)).toMatchObject({ revoked_at: null, revoked_by: null, revoke_reason: null });
    expect(rows.get(service)).toMatchObject({ revoked_at: null, evidence_kind: 'LEGACY_FREE_TEXT', evidence_ref: 'the customer agreed' });

    const partners = Object.fromEntries((await query(`SELECT id, purposes FROM partners`)).map((r) => [r.id, r.purposes]));
    expect(partners).toEqual({ promo: ['partner_service'], 'only-promo': [] });

    // Old rows stay writable (a legacy consent can still be revoked); new marketing cannot be written.
    await query(`UPDATE consents SET revoked_at = now(), revoked_by = 'someone' WHERE id = ANY($1::uuid[])`, [[expired, service]]);
    await expect(query(`UPDATE partners SET purposes = '{marketing}' WHERE id = 'only-promo'`)).rejects.toMatchObject({ constraint: 'partners_no_marketing_check' });
  });

  it('down() removes the columns and constraints; the ended consents stay ended', async () => {
    await revertThroughConsentIntegrity(db.url);
    const columns = (await query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'consents'`)).map((r) => r.column_name);
    expect(columns).not.toContain('evidence_kind');
    expect(columns).not.toContain('revoke_reason');
    const constraints = (await query(`SELECT conname FROM pg_constraint WHERE contype <> 'n' AND (conname LIKE '%marketing%' OR conname LIKE 'consents_%evidence%')`)).map((r) => r.conname);
    expect(constraints).toEqual([]);
    expect((await query(`SELECT count(*)::int AS n FROM consents WHERE purpose = 'marketing' AND revoked_by = 'system:migration'`))[0].n).toBe(2);
    expect(await migrateUp(db.url)).toEqual(FROM_CONSENT_INTEGRITY);
  });
});
