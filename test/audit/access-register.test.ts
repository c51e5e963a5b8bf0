import { createHash } from 'node:crypto';
import { maskIdNumber, maskName, maskPhone } from '../../permissions/masks';
import { REGISTER_UNAVAILABLE } from '../../src/audit/access-plugin';
import { AccessWriter } from '../../src/audit/access-writer';
import { chainHash, GENESIS_HASH, selectList, type ChainedRow } from '../../src/audit/chain';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

/**
 * The access register (issue "Accountability", items 1 and 3): every operation that returned,
 * masked, removed or refused sensitive data leaves exactly one record — paths, decisions and
 * customer ids, never values or variables — committed before the response is released, on
 * one unbroken hash chain. If the register cannot be written, sensitive data is withheld.
 */

interface FieldEntry {
  path: string;
  field: string;
  decision: 'CLEAR' | 'MASK' | 'REMOVE';
  strategy: string | null;
  reason: string;
  count: number;
}

/** One audit_access row as `selectList('access')` reads it back. */
interface AccessRow extends ChainedRow {
  hash: Buffer;
  requestId: string;
  principalSub: string;
  principalRole: string;
  tokenId: string | null;
  partnerId: string | null;
  operationName: string | null;
  purpose: string | null;
  clientAddress: string | null;
  operationType: string | null;
  documentHash: string | null;
  fields: FieldEntry[];
  customersClear: string[];
  customersMasked: string[];
  clearValues: number;
  maskedValues: number;
  removedValues: number;
  outcome: string;
  errorCodes: string[];
  durationUs: string;
}

interface CustomerRow {
  id: string;
  name: string;
  id_number: string | null;
  phone: string | null;
}

/** The part of a record that says nothing was returned. */
const NOTHING_READ = { fields: [], customersClear: [], customersMasked: [], clearValues: 0, maskedValues: 0, removedValues: 0 };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sortedIds = (ids: Iterable<string>) => [...new Set(ids)].sort();
/** The `jti` of a token: the register keeps it as token_id. */
const tokenIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).jti as string;
/** The explanation the response carries, in the register's shape (no strategy → null). */
const explanationOf = (body: GqlResult['body']): FieldEntry[] =>
  ((body.extensions?.privacy?.fields ?? []) as FieldEntry[]).map((f) => ({ ...f, strategy: f.strategy ?? null }));

describe('Access register', () => {
  let server: TestServer;
  /** The sales rep with the most customers. */
  let rep: string;
  /** An individual customer of `rep` with phone and ID number set, and room for another contact. */
  let own: CustomerRow;
  /** An individual customer of someone else, with ID number and phone set (the service looks it up). */
  let foreign: CustomerRow;
  let serviceAgent: string;
  let counter = 0;

  const nextRequestId = (label: string) => `access-${label}-${process.pid}-${(counter += 1)}`;

  async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.db.pool.query(text, values)).rows as T[];
  }

  async function recordsOf(requestId: string): Promise<AccessRow[]> {
    return sql<AccessRow>(`SELECT ${selectList('access')} FROM audit_access r WHERE r.request_id = $1 ORDER BY r.seq`, [requestId]);
  }

  async function allRecords(): Promise<AccessRow[]> {
    return sql<AccessRow>(`SELECT ${selectList('access')} FROM audit_access r ORDER BY r.seq`);
  }

  /** Sends the operation over HTTP with its own request id and reads back the records of that request. */
  async function call(label: string, query: string, options: CallOptions = {}) {
    const requestId = nextRequestId(label);
    const response = await server.gql<any>(query, { ...options, headers: { ...options.headers, 'x-request-id': requestId } });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    return { response, requestId, rows: await recordsOf(requestId) };
  }

  /** The columns every successful read's record must carry, whatever was read. */
  function expectServedRecord(
    row: AccessRow,
    expected: { query: string; requestId: string; sub: string; role: string; purpose: string; operationName: string | null; operationType: 'query' | 'mutation' },
  ): void {
    expect(row).toMatchObject({
      requestId: expected.requestId,
      principalSub: expected.sub,
      principalRole: expected.role,
      purpose: expected.purpose,
      operationType: expected.operationType,
      operationName: expected.operationName,
      documentHash: sha256(expected.query),
      outcome: 'OK',
      errorCodes: [],
      partnerId: null,
    });
    expect(row.clientAddress).toEqual(expect.stringMatching(/127\.0\.0\.1$/));
    expect(row.durationUs).toMatch(/^\d+$/);
    expect(row.prevHash).toHaveLength(32);
    expect(row.hash).toHaveLength(32);
  }

  const sales: TestServer['gql'] = (query, options = {}) => server.gql(query, { role: 'sales', sub: rep, ...options });

  beforeAll(async () => {
    server = await startTestServer();
    rep = (await sql<{ id: string }>(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`))[0].id;
    // Chosen by their stored (sealed) values, read clear as test ground truth.
    [own] = await server.clearRows<CustomerRow>(
      'customers',
      `t.kind = 'INDIVIDUAL' AND t.relationship_manager_id = $1 AND t.phone_sealed IS NOT NULL AND t.id_number_sealed IS NOT NULL
         AND (SELECT count(*) FROM contacts ct WHERE ct.customer_id = t.id) < 19`,
      [rep],
      'ORDER BY t.archive_number LIMIT 1',
    );
    [foreign] = await server.clearRows<CustomerRow>(
      'customers',
      `t.kind = 'INDIVIDUAL' AND t.relationship_manager_id <> $1 AND t.phone_sealed IS NOT NULL AND t.id_number_sealed IS NOT NULL`,
      [rep],
      'ORDER BY t.archive_number LIMIT 1',
    );
    serviceAgent = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'service' ORDER BY username LIMIT 1`))[0].id;
    expect(own).toBeDefined();
    expect(foreign).toBeDefined();
    for (const row of [own, foreign]) expect([typeof row.phone, typeof row.id_number]).toEqual(['string', 'string']);
  });

  afterAll(() => server.stop());

  describe('each kind of read writes exactly one record with its paths, decisions and customers', () => {
    it("sales reading one own customer: name and phone CLEAR, idNumber MASK; the customer is listed as read clear and masked", async () => {
      const token = await server.token({ role: 'sales', sub: rep });
      const query = `query OwnCustomer($id: ID!) { customer(id: $id) { id name phone idNumber } }`;
      const { response, requestId, rows } = await call('own', query, { token, variables: { id: own.id } });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.customer).toEqual({ id: own.id, name: own.name, phone: own.phone, idNumber: maskIdNumber(own.id_number!) });

      expect(rows).toHaveLength(1);
      const [row] = rows;
      expectServedRecord(row, { query, requestId, sub: rep, role: 'sales', purpose: 'relationship_management', operationName: 'OwnCustomer', operationType: 'query' });
      expect(row.tokenId).toBe(tokenIdOf(token));
      expect(row.fields).toEqual([
        expect.objectContaining({ path: 'customer.idNumber', field: 'Customer.idNumber', decision: 'MASK', strategy: 'idNumber', count: 1 }),
        expect.objectContaining({ path: 'customer.name', field: 'Customer.name', decision: 'CLEAR', strategy: null, count: 1 }),
        expect.objectContaining({ path: 'customer.phone', field: 'Customer.phone', decision: 'CLEAR', strategy: null, count: 1 }),
      ]);
      // The register says what the response explained to the caller, path for path.
      expect(row.fields).toEqual(explanationOf(response.body));
      expect(row.customersClear).toEqual([own.id]);
      expect(row.customersMasked).toEqual([own.id]);
      expect(row).toMatchObject({ clearValues: 2, maskedValues: 1, removedValues: 0 });
    });

    it('manager reading a page with name and phone: every value MASK, the masked customers are exactly the ids returned', async () => {
      const query = `query ManagerPage { customers(first: 10) { edges { node { id name phone } } } }`;
      const { response, requestId, rows } = await call('manager-page', query, { role: 'manager' });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      const nodes: { id: string; name: string }[] = response.body.data.customers.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(10);

      expect(rows).toHaveLength(1);
      const [row] = rows;
      expectServedRecord(row, { query, requestId, sub: await server.member('manager', 'test-manager'), role: 'manager', purpose: 'supervision', operationName: 'ManagerPage', operationType: 'query' });
      expect(row.fields).toEqual([
        expect.objectContaining({ path: 'customers.edges.node.name', field: 'Customer.name', decision: 'MASK', strategy: 'name', count: 10 }),
        expect.objectContaining({ path: 'customers.edges.node.phone', field: 'Customer.phone', decision: 'MASK', strategy: 'phone', count: 10 }),
      ]);
      expect(row.fields).toEqual(explanationOf(response.body));
      expect(row.customersMasked).toEqual(sortedIds(nodes.map((n) => n.id)));
      expect(row.customersClear).toEqual([]);
      expect(row).toMatchObject({ clearValues: 0, maskedValues: 2 * nodes.length, removedValues: 0 });
    });

    it('analyst reading phones: REMOVE decisions, no customer listed, removed values counted', async () => {
      const query = `{ customers(first: 7) { edges { node { id phone } } } }`;
      const { response, requestId, rows } = await call('analyst', query, { role: 'analyst' });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      const nodes: { id: string; phone: string | null }[] = response.body.data.customers.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(7);
      for (const node of nodes) expect(node.phone).toBeNull();

      expect(rows).toHaveLength(1);
      const [row] = rows;
      expectServedRecord(row, { query, requestId, sub: await server.member('analyst', 'test-analyst'), role: 'analyst', purpose: 'statistics', operationName: null, operationType: 'query' });
      expect(row.fields).toEqual([expect.objectContaining({ path: 'customers.edges.node.phone', field: 'Customer.phone', decision: 'REMOVE', strategy: null, count: 7 })]);
      expect(row.customersClear).toEqual([]);
      expect(row.customersMasked).toEqual([]);
      expect(row).toMatchObject({ clearValues: 0, maskedValues: 0, removedValues: 7 });
    });

    it('manager reading transactions with their customers: nested paths, the customers of those transactions masked', async () => {
      const query = `query RecentTransactions { transactions(first: 5) { edges { node { id accountNumber customer { id phone } } } } }`;
      const { response, requestId, rows } = await call('nested', query, { role: 'manager' });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      const nodes: { id: string; accountNumber: string | null; customer: { id: string; phone: string | null } }[] = response.body.data.transactions.edges.map(
        (e: any) => e.node,
      );
      expect(nodes).toHaveLength(5);
      const owners = await sql<{ customer_id: string }>(`SELECT customer_id FROM transactions WHERE id = ANY($1::uuid[])`, [nodes.map((n) => n.id)]);
      expect(owners).toHaveLength(5);
      for (const node of nodes) expect(owners.map((o) => o.customer_id)).toContain(node.customer.id);
      // A customer is listed when a value of theirs was returned (masked): the account number or the phone.
      const withValues = nodes.filter((n) => n.accountNumber !== null || n.customer.phone !== null).map((n) => n.customer.id);
      expect(withValues.length).toBeGreaterThan(0);

      expect(rows).toHaveLength(1);
      const [row] = rows;
      expectServedRecord(row, { query, requestId, sub: await server.member('manager', 'test-manager'), role: 'manager', purpose: 'supervision', operationName: 'RecentTransactions', operationType: 'query' });
      expect(row.fields.map((f) => f.path)).toEqual(['transactions.edges.node.accountNumber', 'transactions.edges.node.customer.phone']);
      expect(row.fields).toEqual([
        expect.objectContaining({ field: 'Transaction.accountNumber', decision: 'MASK', count: 5 }),
        expect.objectContaining({ field: 'Customer.phone', decision: 'MASK', count: 5 }),
      ]);
      expect(row.fields).toEqual(explanationOf(response.body));
      expect(row.customersMasked).toEqual(sortedIds(withValues));
      expect(row.customersClear).toEqual([]);
      expect(row).toMatchObject({ clearValues: 0, maskedValues: 10, removedValues: 0 });
    });

    it("a mutation returning a sensitive field (sales addContact on an own customer) writes one record of type 'mutation'", async () => {
      const phone = '13512340987';
      const query = `mutation AddContact($c: ID!) { addContact(customerId: $c, input: { name: "王芳", position: "财务", phone: "${phone}" }) { id name phone } }`;
      const { response, requestId, rows } = await call('mutation', query, { role: 'sales', sub: rep, variables: { c: own.id } });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.addContact).toMatchObject({ name: '王芳', phone });

      expect(rows).toHaveLength(1);
      const [row] = rows;
      expectServedRecord(row, { query, requestId, sub: rep, role: 'sales', purpose: 'relationship_management', operationName: 'AddContact', operationType: 'mutation' });
      expect(row.fields).toEqual([
        expect.objectContaining({ path: 'addContact.name', field: 'Contact.name', decision: 'CLEAR', count: 1 }),
        expect.objectContaining({ path: 'addContact.phone', field: 'Contact.phone', decision: 'CLEAR', count: 1 }),
      ]);
      expect(row.customersClear).toEqual([own.id]);
      expect(row.customersMasked).toEqual([]);
      expect(row).toMatchObject({ clearValues: 2, maskedValues: 0, removedValues: 0 });
      // The phone was in the query text; the register keeps only the text's hash.
      const [{ t }] = await sql<{ t: string }>(`SELECT row_to_json(a)::text AS t FROM audit_access a WHERE request_id = $1`, [requestId]);
      expect(t).not.toContain(phone);
    });
  });

  it('reading the register itself is registered, even without a sensitive field (who watched the watchers)', async () => {
    const query = `query RegisterSize { auditLog(first: 1) { totalCount } }`;
    const { response, requestId, rows } = await call('auditor', query, { role: 'auditor' });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.auditLog.totalCount).toBeGreaterThan(0);
    expect(rows).toHaveLength(1);
    expectServedRecord(rows[0], { query, requestId, sub: await server.member('auditor', 'test-auditor'), role: 'auditor', purpose: rows[0].purpose!, operationName: 'RegisterSize', operationType: 'query' });
    expect(rows[0].purpose).toEqual(expect.any(String));
    expect(rows[0]).toMatchObject({ fields: [], customersClear: [], customersMasked: [], clearValues: 0, maskedValues: 0, removedValues: 0 });
  });

  describe('every read of customer records is registered, a compact record when no sensitive field is involved', () => {
    it('a customers page with non-sensitive fields only: one record, no paths, its purpose', async () => {
      const { response, rows } = await call('compact', `{ customers(first: 3) { edges { node { id tier } } } }`, { role: 'manager' });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'OK', purpose: 'supervision', fields: [], clearValues: 0, maskedValues: 0, removedValues: 0, operationType: 'query' });
    });

    it('a request without a purpose is refused (PURPOSE_REQUIRED, naming the allowed ones) and registered as a refusal', async () => {
      const { response, rows } = await call('no-purpose', `{ customers(first: 3) { edges { node { id tier } } } }`, { role: 'manager', purpose: null });
      expect(response.status).toBe(403);
      expect(response.body.data ?? null).toBeNull();
      expect(response.body.errors![0].extensions).toMatchObject({ code: 'PURPOSE_REQUIRED', allowedPurposes: ['supervision', 'legal_hold'] });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'PURPOSE_REQUIRED', purpose: null, clearValues: 0, maskedValues: 0 });
    });
  });

  describe('refused and failed authentications are security events in the register (never the token)', () => {
    it('a missing token, a forged token, an unknown subject and a deactivated member each leave one record', async () => {
      const member = await server.member('sales', 'register-leaver');
      const leaverToken = await server.token({ role: 'sales', sub: member });
      await server.db.pool.query(`UPDATE staff SET active = false WHERE id = $1`, [member]);
      const forged = `${(await server.token({ role: 'manager' })).slice(0, -4)}AAAA`;
      const unknown = await server.token({ role: 'sales', sub: 'nobody-here' });
      const cases = [
        { label: 'no-token', token: null, status: 401, outcome: 'UNAUTHENTICATED', codes: ['UNAUTHENTICATED', 'NO_TOKEN'], sub: 'anonymous' },
        { label: 'forged', token: forged, status: 401, outcome: 'UNAUTHENTICATED', codes: ['UNAUTHENTICATED', 'TOKEN_INVALID'], sub: 'anonymous' },
        { label: 'unknown', token: unknown, status: 401, outcome: 'UNAUTHENTICATED', codes: ['UNAUTHENTICATED', 'UNKNOWN_STAFF_MEMBER'], sub: 'nobody-here' },
        { label: 'leaver', token: leaverToken, status: 403, outcome: 'FORBIDDEN', codes: ['FORBIDDEN', 'STAFF_INACTIVE'], sub: member },
      ];
      for (const c of cases) {
        const { response, rows } = await call(`auth-${c.label}`, `{ customers(first: 1) { edges { node { phone } } } }`, { token: c.token, purpose: 'supervision' });
        expect({ label: c.label, status: response.status }).toEqual({ label: c.label, status: c.status });
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ principalSub: c.sub, outcome: c.outcome, errorCodes: c.codes, operationType: 'authentication', fields: [], clearValues: 0, maskedValues: 0 });
        if (c.token) expect(JSON.stringify(rows[0])).not.toContain(c.token.split('.')[2]);
      }
    });
  });

  describe('operations that touch no customer data are not registered', () => {
    it.each([['me only', `{ me { sub role } }`, 'sales']] as const)('%s', async (_label, query, role) => {
      const before = server.audit.writer.stats.records;
      const { response, rows } = await call('unregistered', query, { role, sub: role === 'sales' ? rep : undefined });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data).toBeTruthy();
      expect(rows).toEqual([]);
      expect(server.audit.writer.stats.records).toBe(before);
    });
  });

  describe('refusals are registered: one record, the refusal as outcome, nothing read', () => {
    const exposureQuery = `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: customers(first: 100) { edges { node { phone } } }`).join(' ')} }`;
    const cases: { label: string; query: string; code: string; options: () => Promise<CallOptions>; role: string }[] = [
      {
        label: 'partner asking for customers (FORBIDDEN)',
        query: `{ customers(first: 5) { edges { node { name phone } } } }`,
        code: 'FORBIDDEN',
        role: 'partner',
        options: async () => ({ token: await server.token({ role: 'partner', partner: 'acme' }) }),
      },
      {
        label: 'sales filtering by phone (FORBIDDEN)',
        query: `query FindByPhone { customers(filter: { phone: "13987650012" }) { edges { node { id } } } }`,
        code: 'FORBIDDEN',
        role: 'sales',
        options: async () => ({ role: 'sales', sub: rep }),
      },
      {
        label: 'sales over the hard limit, 21 aliases × 100 phones (EXPOSURE_LIMIT)',
        query: exposureQuery,
        code: 'EXPOSURE_LIMIT',
        role: 'sales',
        options: async () => ({ role: 'sales', sub: rep }),
      },
      {
        label: 'sales declaring a purpose not allowed to the role (FORBIDDEN)',
        query: `query ($id: ID!) { customer(id: $id) { name phone } }`,
        code: 'FORBIDDEN',
        role: 'sales',
        options: async () => ({ role: 'sales', sub: rep, variables: { id: own.id }, headers: { 'x-purpose': 'statistics' } }),
      },
    ];

    it.each(cases)('$label', async ({ query, code, role, options }) => {
      const opts = await options();
      const { response, requestId, rows } = await call('refusal', query, opts);
      expect(response.status).toBe(403);
      expect(response.body.data ?? null).toBeNull();
      expect(response.body.errors![0].extensions!.code).toBe(code);

      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row).toMatchObject({
        requestId,
        principalRole: role,
        outcome: code,
        errorCodes: [code],
        ...NOTHING_READ,
        operationType: 'query',
        documentHash: sha256(query),
      });
      if (role === 'partner') {
        expect(row.partnerId).toBe('acme');
        expect(row.tokenId).toBe(tokenIdOf(opts.token!));
        expect(row.principalSub).toBe('partner:acme');
      } else {
        expect(row.principalSub).toBe(rep);
      }
      // Values in the refused query text stay out of the register too.
      const [{ t }] = await sql<{ t: string }>(`SELECT row_to_json(a)::text AS t FROM audit_access a WHERE request_id = $1`, [requestId]);
      expect(t).not.toContain('13987650012');
    });
  });

  it("never keeps variables' values: a service lookup by ID number passed as a variable", async () => {
    const query = `query Lookup($f: CustomerFilter) { customers(filter: $f) { edges { node { id name idNumber phone } } } }`;
    const { response, requestId, rows } = await call('lookup', query, { role: 'service', sub: serviceAgent, variables: { f: { idNumber: foreign.id_number } } });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.customers.edges.map((e: any) => e.node.id)).toEqual([foreign.id]);

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ principalRole: 'service', principalSub: serviceAgent, purpose: 'complaint_handling', outcome: 'OK', documentHash: sha256(query) });
    // The lookup itself is registered as a probe of the ID number: its argument, never its value.
    expect(rows[0].fields.map((f) => f.path)).toEqual(['customers.edges.node.idNumber', 'customers.edges.node.name', 'customers.edges.node.phone', 'customers(filter.idNumber)']);
    expect([...rows[0].customersClear, ...rows[0].customersMasked]).toContain(foreign.id);

    const [{ t }] = await sql<{ t: string }>(`SELECT row_to_json(a)::text AS t FROM audit_access a WHERE request_id = $1`, [requestId]);
    for (const value of [foreign.id_number!, foreign.phone!, foreign.name, maskIdNumber(foreign.id_number!), maskPhone(foreign.phone!), maskName(foreign.name)]) {
      expect(t).not.toContain(value);
    }
    // The last digits of the ID number are what its masks show: not stored either.
    expect(t).not.toContain(foreign.id_number!.slice(-6));
  });

  describe('durable before released', () => {
    it('the record is visible to another connection as soon as the response arrives', async () => {
      const requestId = nextRequestId('durable');
      const response = await sales<any>(`query ($id: ID!) { customer(id: $id) { phone } }`, { variables: { id: own.id }, headers: { 'x-request-id': requestId } });
      const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_access WHERE request_id = $1`, [requestId]);
      expect(response.status).toBe(200);
      expect(response.body.data.customer.phone).toBe(own.phone);
      expect(n).toBe(1);
    });

    it('the response waits while the record cannot be committed, and carries it once it is', async () => {
      const requestId = nextRequestId('held');
      // Hold the chain head: the writer's transaction waits on it, so the record cannot commit.
      const holder = await server.db.pool.connect();
      let pending: Promise<GqlResult<any>> | undefined;
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT seq FROM audit_chain_heads WHERE stream = 'access' FOR UPDATE`);
        let settled = false;
        pending = sales<any>(`query ($id: ID!) { customer(id: $id) { name phone } }`, { variables: { id: own.id }, headers: { 'x-request-id': requestId } });
        pending.then(
          () => (settled = true),
          () => (settled = true),
        );
        // Until the writer is blocked on the head row's lock.
        for (let i = 0; ; i += 1) {
          const [{ n }] = await sql<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%audit_chain_heads%'`,
          );
          if (n > 0) break;
          if (i > 200) throw new Error('the register writer never waited for the chain head');
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        // Give a released response every chance to arrive: it must not.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(settled).toBe(false);
        expect(await recordsOf(requestId)).toEqual([]);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        holder.release();
      }
      const response = await pending!;
      const rows = await recordsOf(requestId);
      expect(response.status).toBe(200);
      expect(response.body.data.customer).toEqual({ name: own.name, phone: own.phone });
      expect(rows).toHaveLength(1);
    });
  });

  it('fails closed when the register cannot be written, and the chain continues without a gap once it can', async () => {
    const sensitive = `query ($id: ID!) { customer(id: $id) { name phone idNumber } }`;
    const before = await call('before-revoke', sensitive, { role: 'sales', sub: rep, variables: { id: own.id } });
    expect(before.response.status).toBe(200);
    expect(before.rows).toHaveLength(1);
    const failures = server.audit.writer.stats.failures;

    let afterRows: AccessRow[] = [];
    await server.db.pool.query('REVOKE INSERT ON audit_access FROM customer_records_app');
    try {
      const withheld = await call('withheld', sensitive, { role: 'sales', sub: rep, variables: { id: own.id } });
      expect(withheld.response.status).toBe(503);
      expect(withheld.response.body.data).toBeNull();
      expect(withheld.response.body.errors).toEqual([REGISTER_UNAVAILABLE]);
      expect(withheld.response.body.errors![0].extensions!.code).toBe('SERVICE_UNAVAILABLE');
      expect(withheld.response.body.extensions).toBeUndefined();
      const text = JSON.stringify(withheld.response.body);
      for (const value of [own.name, own.phone!, own.id_number!, maskName(own.name), maskPhone(own.phone!), maskIdNumber(own.id_number!)]) {
        expect(text).not.toContain(value);
      }
      expect(withheld.rows).toEqual([]);
      expect(server.audit.writer.stats.failures).toBeGreaterThan(failures);

      // Nothing sensitive: still served.
      const me = await call('me-while-revoked', `{ me { sub role } }`, { role: 'sales', sub: rep });
      expect(me.response.status).toBe(200);
      expect(me.response.body.data.me).toEqual({ sub: rep, role: 'SALES' });

      // A refusal stays a refusal.
      const refused = await call('refused-while-revoked', `{ customers(first: 5) { edges { node { name phone } } } }`, {
        token: await server.token({ role: 'partner', partner: 'acme' }),
      });
      expect(refused.response.status).toBe(403);
      expect(refused.response.body.data ?? null).toBeNull();
      expect(refused.response.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    } finally {
      await server.db.pool.query('GRANT INSERT ON audit_access TO customer_records_app');
    }

    const after = await call('after-grant', sensitive, { role: 'sales', sub: rep, variables: { id: own.id } });
    expect(after.response.status).toBe(200);
    expect(after.response.body.data.customer.phone).toBe(own.phone);
    afterRows = after.rows;
    expect(afterRows).toHaveLength(1);
    // The failed writes left no hole and no half-written link.
    expect(BigInt(afterRows[0].seq)).toBe(BigInt(before.rows[0].seq) + 1n);
    expect(afterRows[0].prevHash.equals(before.rows[0].hash)).toBe(true);
    const [head] = await sql<{ seq: string; hash: Buffer }>(`SELECT seq, hash FROM audit_chain_heads WHERE stream = 'access'`);
    expect(head.seq).toBe(afterRows[0].seq);
    expect(head.hash.equals(afterRows[0].hash)).toBe(true);
  });

  it('keeps one unbroken hash chain under 25 concurrent sensitive reads', async () => {
    const { records, batches, failures } = server.audit.writer.stats;
    const requestIds = Array.from({ length: 25 }, () => nextRequestId('parallel'));
    const responses = await Promise.all(
      requestIds.map((requestId, i) =>
        server.gql<any>(`{ customers(first: ${1 + (i % 5)}) { edges { node { id name phone } } } }`, { role: 'manager', headers: { 'x-request-id': requestId } }),
      ),
    );
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
    }
    expect(server.audit.writer.stats.records - records).toBe(25);
    expect(server.audit.writer.stats.failures).toBe(failures);
    const newBatches = server.audit.writer.stats.batches - batches;
    expect(newBatches).toBeGreaterThanOrEqual(1);
    expect(newBatches).toBeLessThanOrEqual(25);

    const rows = await allRecords();
    for (const requestId of requestIds) expect(rows.filter((r) => r.requestId === requestId)).toHaveLength(1);
    expect(rows[0].seq).toBe('1');
    expect(rows[0].prevHash.equals(GENESIS_HASH)).toBe(true);
    rows.forEach((row, i) => {
      if (i > 0) {
        expect(BigInt(row.seq)).toBe(BigInt(rows[i - 1].seq) + 1n);
        expect(row.prevHash.equals(rows[i - 1].hash)).toBe(true);
      }
      expect(chainHash(row.prevHash, row).equals(row.hash)).toBe(true);
    });
    const [head] = await sql<{ seq: string; hash: Buffer }>(`SELECT seq, hash FROM audit_chain_heads WHERE stream = 'access'`);
    expect(head.seq).toBe(rows[rows.length - 1].seq);
    expect(head.hash.equals(rows[rows.length - 1].hash)).toBe(true);
  });

  it('keeps one chain when several writers (several server processes) append to the same register', async () => {
    // Each writer has its own pool, as separate processes would; the chain head's row lock orders them.
    const pools = [0, 1, 2].map(() => createPool(server.db.url, 2, { role: 'customer_records_app' }));
    try {
      const writers = pools.map((pool) => new AccessWriter(pool, createLogger('silent')));
      const record = (writer: number, n: number) => ({
        occurredAt: new Date(),
        requestId: `writer-${writer}-${n}`,
        principalSub: `process-${writer}`,
        principalRole: 'manager',
        tokenId: null,
        partnerId: null,
        operationName: null,
        purpose: 'supervision',
        clientAddress: null,
        operationType: 'query',
        documentHash: null,
        ...NOTHING_READ,
        outcome: 'OK',
        errorCodes: [],
        durationUs: '1',
      });
      await Promise.all(writers.flatMap((writer, w) => Array.from({ length: 20 }, (_, n) => writer.append(record(w, n)))));
      expect(writers.reduce((n, w) => n + w.stats.records, 0)).toBe(60);

      const rows = await allRecords();
      expect(rows.filter((r) => String(r.requestId).startsWith('writer-'))).toHaveLength(60);
      rows.forEach((row, i) => {
        if (i > 0) {
          expect(BigInt(row.seq)).toBe(BigInt(rows[i - 1].seq) + 1n);
          expect(row.prevHash.equals(rows[i - 1].hash)).toBe(true);
        }
        expect(chainHash(row.prevHash, row).equals(row.hash)).toBe(true);
      });
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("in-process execution registers too, under request id 'test'", async () => {
    const query = `query InProcess { customers(first: 2) { edges { node { id name } } } }`;
    const before = await recordsOf('test');
    const { body } = await server.execute<any>(query, { role: 'manager' });
    expect(body.errors).toBeUndefined();
    const ids: string[] = body.data.customers.edges.map((e: any) => e.node.id);
    expect(ids).toHaveLength(2);

    const rows = await recordsOf('test');
    expect(rows).toHaveLength(before.length + 1);
    const row = rows[rows.length - 1];
    expect(row).toMatchObject({
      principalSub: await server.member('manager', 'test-manager'),
      principalRole: 'manager',
      purpose: 'supervision',
      operationName: 'InProcess',
      operationType: 'query',
      documentHash: sha256(query),
      clientAddress: null,
      customersMasked: sortedIds(ids),
      customersClear: [],
      maskedValues: 2,
      outcome: 'OK',
      errorCodes: [],
    });
    expect(row.fields).toEqual([expect.objectContaining({ path: 'customers.edges.node.name', decision: 'MASK', count: 2 })]);
  });
});
