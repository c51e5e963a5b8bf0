/**
 * Adversarial requests (issue "Hardening", item 6): one test per attack, each asserting the
 * safe behaviour. graphql-cop's checks (alias, batching and directive overloading, circular
 * introspection, CSRF over GET and form posts, mutations over GET, field suggestions, debug
 * output, internal error detail); injection and malformed input in every string filter, id
 * and page argument; JWT attacks; and a fuzzer of random and mutated documents sent as random
 * roles, after which the server must still be healthy.
 *
 * PROPERTY_RUNS sets the fuzzer's runs (default 200 here); PROPERTY_SEED and PROPERTY_PATH
 * replay a failure fast-check reported.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { buildSchema, isEnumType, isInputObjectType, isObjectType } from 'graphql';
import { decodeJwt, exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { APP_ROLE } from '../../migrations/1795334400000-AuditRegister';
import { ROLE_POLICIES } from '../../permissions/policy';
import { isRole, type Role } from '../../src/auth/principal';
import { loadConfig } from '../../src/config';
import { exampleOperations } from '../harness/examples';
import { startTestServer, type GqlResult, type TestServer } from '../harness/server';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
const PATH = process.env.PROPERTY_PATH;

/** A query that would return sensitive values of several customers. */
const SENSITIVE = `{ customers(first: 5) { totalCount edges { node { id name idNumber phone email bankCardNumber } } } }`;

type Body = GqlResult['body'];

interface RawResponse {
  status: number;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  body: Body | undefined;
  headers: Headers;
}

function base64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** Keys that carry debug output: stack traces, tracing, thrown exceptions. */
const DEBUG_KEYS = new Set(['stacktrace', 'exception', 'tracing', 'ftv1', 'stack']);

function debugKeysIn(value: unknown, found: string[] = [], at = ''): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => debugKeysIn(v, found, `${at}.${i}`));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (DEBUG_KEYS.has(k)) found.push(`${at}.${k}`);
      debugKeysIn(v, found, `${at}.${k}`);
    }
  }
  return found;
}

/** Every error carries a code; none carries a stack, an exception or tracing; no file paths in the text. */
function expectCleanErrors(body: Body | undefined, text: string): void {
  expect(body).toBeDefined();
  for (const error of body!.errors ?? []) {
    expect({ message: error.message, code: typeof error.extensions?.code }).toEqual({ message: error.message, code: 'string' });
  }
  expect(debugKeysIn(body)).toEqual([]);
  expect(text).not.toMatch(/node_modules|\/work\/|\.[jt]s:\d+:\d+|\n\s+at /);
}

/** The errors as text, without `locations` (column numbers are not values). */
function errorText(body: Body | undefined): string {
  return JSON.stringify((body?.errors ?? []).map(({ message, path: p, extensions }) => ({ message, path: p, extensions })));
}

/** `value` as it would appear inside a JSON string (so control characters compare escaped). */
function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function hasNoData(body: Body | undefined): boolean {
  return body !== undefined && (body.data === undefined || body.data === null);
}

describe('Adversarial requests', () => {
  let server: TestServer;
  /** The sales rep with the most customers, and a service agent with complaints assigned. */
  let rep: string;
  let agent: string;
  let managerToken: string;
  let customerCount: number;
  /** Clear L2/L3 values of every seeded customer: ID, phone, e-mail, card numbers. */
  let seeded: { id: string; relationship_manager_id: string | null; id_number: string | null; phone: string | null; email: string | null; bank_card_number: string | null }[];
  let someCustomer: string;
  let someTransaction: string;
  let someComplaint: string;

  async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.db.pool.query(text, values)).rows as T[];
  }

  async function countCustomers(): Promise<number> {
    return Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM customers`))[0].n);
  }

  async function raw(method: string, pathAndQuery: string, init: { headers?: Record<string, string>; body?: string | FormData } = {}): Promise<RawResponse> {
    const response = await fetch(`${server.url}${pathAndQuery}`, { method, headers: init.headers, body: init.body });
    const text = await response.text();
    let body: Body | undefined;
    try {
      body = JSON.parse(text) as Body;
    } catch {
      body = undefined;
    }
    return { status: response.status, text, body, headers: response.headers };
  }

  /** The token and, as a client sends it, the usual purpose of its role (customer data needs one). */
  function bearer(token: string): Record<string, string> {
    const role = decodeJwt(token).role;
    return { authorization: `Bearer ${token}`, ...(isRole(role) ? { 'x-purpose': ROLE_POLICIES[role].purposes.default } : {}) };
  }

  /** Calls to the server's pool while `fn` runs (the audit register's and budgets' included): 0 means no SQL at all. */
  async function poolCallsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; calls: number }> {
    const query = jest.spyOn(server.pool, 'query');
    const connect = jest.spyOn(server.pool, 'connect');
    try {
      const result = await fn();
      // The directory's look-up of the caller is authentication, not data; pool.query() connects through connect() itself.
      const lookups = query.mock.calls.filter(([text]) => /"tokensValidAfter" FROM staff/.test(String(text))).length;
      return { result, calls: query.mock.calls.length + connect.mock.calls.length - 2 * lookups };
    } finally {
      query.mockRestore();
      connect.mockRestore();
    }
  }

  /** Every seeded ID, phone, e-mail and card number: none may appear in `text`. */
  function expectNoSeededValues(text: string, except: ReadonlySet<string> = new Set()): void {
    const leaked: string[] = [];
    for (const c of seeded) {
      for (const [column, value] of [['id_number', c.id_number], ['phone', c.phone], ['email', c.email], ['bank_card_number', c.bank_card_number]] as const) {
        if (value && !except.has(value) && text.includes(value)) leaked.push(`customers.${column} of ${c.id}`); // names the origin, not the value
      }
    }
    expect(leaked).toEqual([]);
  }

  beforeAll(async () => {
    server = await startTestServer();
    rep = (await sql<{ id: string }>(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`))[0].id;
    agent = (await sql<{ id: string }>(`SELECT assignee_id AS id FROM complaints WHERE assignee_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`))[0].id;
    // Ground truth with the sealed fields opened (the plaintext columns are NULL).
    seeded = (await server.clearRows('customers', 'TRUE', [], 'ORDER BY t.archive_number')).map((c) => ({
      id: c.id,
      relationship_manager_id: c.relationship_manager_id,
      id_number: c.id_number,
      phone: c.phone,
      email: c.email,
      bank_card_number: c.bank_card_number,
    }));
    someCustomer = seeded[0].id;
    someTransaction = (await sql<{ id: string }>(`SELECT id::text FROM transactions ORDER BY id LIMIT 1`))[0].id;
    someComplaint = (await sql<{ id: string }>(`SELECT id::text FROM complaints ORDER BY id LIMIT 1`))[0].id;
    managerToken = await server.token({ role: 'manager' });
    customerCount = await countCustomers();
    expect(customerCount).toBeGreaterThan(100);
    expect(seeded.filter((c) => c.id_number && c.phone && c.email && c.bank_card_number).length).toBeGreaterThan(10);
  });

  afterAll(() => server?.stop());

  // -------------------------------------------------------------------------------------------
  // graphql-cop's checks
  // -------------------------------------------------------------------------------------------

  describe('graphql-cop checks', () => {
    it('1. alias overloading: 101 aliases are refused at validation (400, no data, no SQL)', async () => {
      const document = `{ ${Array.from({ length: 101 }, (_, i) => `a${i}: customers(first: 1) { edges { node { idNumber phone } } }`).join(' ')} }`;
      const { result, calls } = await poolCallsDuring(() => server.gql(document, { token: managerToken }));
      expect(result.status).toBe(400);
      expect(hasNoData(result.body)).toBe(true);
      expect(result.body.errors!.map((e) => e.extensions!.code)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(calls).toBe(0);
      expectNoSeededValues(JSON.stringify(result.body));
      // The same aliases spread through a fragment are counted as well.
      const spread = `fragment F on Query { ${Array.from({ length: 101 }, (_, i) => `a${i}: me { role }`).join(' ')} } { ...F }`;
      const viaFragment = await server.execute(spread, { role: 'manager' });
      expect(hasNoData(viaFragment.body)).toBe(true);
      expect(viaFragment.statements).toBe(0);
    });

    it('2. array batching: a JSON array of operations is refused (400, no data, no SQL)', async () => {
      const operations = Array.from({ length: 10 }, () => ({ query: SENSITIVE }));
      operations.push({ query: `mutation { updateCustomer(id: "${someCustomer}", input: { tier: KEY }) { id } }` });
      const before = await sql(`SELECT tier, updated_at FROM customers WHERE id = $1`, [someCustomer]);
      const { result, calls } = await poolCallsDuring(() =>
        raw('POST', '/graphql', { headers: { ...bearer(managerToken), 'content-type': 'application/json' }, body: JSON.stringify(operations) }),
      );
      expect(result.status).toBe(400);
      expect(Array.isArray(result.body)).toBe(false);
      expect(hasNoData(result.body)).toBe(true);
      expect(result.body!.errors).toHaveLength(1);
      expect(result.body!.errors![0].extensions!.code).toBe('BAD_REQUEST');
      expectCleanErrors(result.body, result.text);
      expect(calls).toBe(0);
      expectNoSeededValues(result.text);
      expect(await sql(`SELECT tier, updated_at FROM customers WHERE id = $1`, [someCustomer])).toEqual(before);
      // A one-element array is a batch too.
      const single = await raw('POST', '/graphql', { headers: { ...bearer(managerToken), 'content-type': 'application/json' }, body: JSON.stringify([{ query: SENSITIVE }]) });
      expect(single.status).toBe(400);
      expect(hasNoData(single.body)).toBe(true);
    });

    it('3. directive overloading: too many or duplicated directives are refused before any SQL', async () => {
      const cases = [
        // Over graphql-armor's ceiling (100), on one field.
        `{ customers(first: 1) { edges { node { idNumber ${'@include(if: true) '.repeat(150)} } } } }`,
        // Over the role's limit (50), spread over fields.
        `{ customers(first: 1) { edges { node { ${Array.from({ length: 60 }, () => 'id @skip(if: false)').join(' ')} } } } }`,
        // The same non-repeatable directive twice.
        `{ customers(first: 1) @include(if: true) @include(if: true) { edges { node { phone } } } }`,
        // Unknown directives, many of them.
        `{ customers(first: 1) { edges { node { phone ${'@x '.repeat(120)} } } } }`,
        // On the operation itself.
        `query ${'@include(if: true) '.repeat(120)} { customers(first: 1) { edges { node { phone } } } }`,
      ];
      for (const document of cases) {
        const http = await server.gql(document, { token: managerToken });
        expect({ document: document.slice(0, 60), status: http.status }).toEqual({ document: document.slice(0, 60), status: 400 });
        expect(hasNoData(http.body)).toBe(true);
        for (const e of http.body.errors!) expect(['GRAPHQL_VALIDATION_FAILED', 'QUERY_LIMIT']).toContain(e.extensions!.code);
        const inProcess = await server.execute(document, { role: 'manager' });
        expect(hasNoData(inProcess.body)).toBe(true);
        expect(inProcess.statements).toBe(0);
      }
    });

    it('4. circular introspection: refused or bounded, never a 5xx; the server stays healthy', async () => {
      const nest = (n: number, open: string, inner: string) => `${open.repeat(n)}${inner}${' }'.repeat(n * (open.match(/{/g) ?? []).length)}`;
      const circular = [
        `{ __schema { types { ${nest(25, 'fields { type { ', 'name')} } } }`,
        `{ __schema { types { ${nest(12, 'fields { type { ofType { ', 'name')} } } }`,
        `{ __type(name: "Customer") { ${nest(25, 'fields { type { ', 'name')} } }`,
        `{ __schema { types { ${nest(15, 'interfaces { possibleTypes { fields { args { type { ', 'name')} } } }`,
        `query { __schema { queryType { ${nest(25, 'fields { type { ', 'name')} } } }`,
      ];
      for (const document of circular) {
        const { status, body } = await server.gql(document, { token: managerToken });
        expect(status).toBe(400);
        expect(hasNoData(body)).toBe(true);
        expect(body.errors!.map((e) => e.extensions!.code)).toContain('GRAPHQL_VALIDATION_FAILED');
      }
      // A chain of 25 ofType is not circular: it ends where the schema's wrappers end (bounded output).
      const ofTypes = `{ __schema { types { fields { type { ${nest(25, 'ofType { ', 'name')} } } } } }`;
      const started = Date.now();
      const chain = await raw('POST', '/graphql', { headers: { ...bearer(managerToken), 'content-type': 'application/json' }, body: JSON.stringify({ query: ofTypes }) });
      expect(chain.status).toBeLessThan(500);
      expect([200, 400]).toContain(chain.status);
      expect(chain.text.length).toBeLessThan(2_000_000);
      expect(Date.now() - started).toBeLessThan(10_000);
      expectCleanErrors(chain.body, chain.text);
      // Ten of them at once change nothing.
      const parallel = await Promise.all(circular.concat(ofTypes, ofTypes).map((q) => server.gql(q, { token: managerToken })));
      for (const r of parallel) expect(r.status).toBeLessThan(500);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const normal = await server.gql<any>(`{ customers(first: 1) { totalCount } }`, { token: managerToken });
      expect(normal.body.errors).toBeUndefined();
      expect(normal.body.data.customers.totalCount).toBe(customerCount);
    });

    it('5. GET-based CSRF: a simple GET (no preflight header, no JSON content type) is refused with 400 and no data', async () => {
      const url = `/graphql?query=${encodeURIComponent(SENSITIVE)}`;
      const attempts: Record<string, string>[] = [
        bearer(managerToken),
        { ...bearer(managerToken), 'content-type': 'text/plain' },
        { ...bearer(managerToken), 'content-type': 'application/x-www-form-urlencoded' },
        { ...bearer(managerToken), 'content-type': 'multipart/form-data; boundary=x' },
        { ...bearer(managerToken), 'apollo-require-preflight': '' },
        {}, // as a browser would send it cross-site: no Authorization either
      ];
      for (const headers of attempts) {
        const { result, calls } = await poolCallsDuring(() => raw('GET', url, { headers }));
        expect({ headers: Object.keys(headers), status: result.status }).toEqual({ headers: Object.keys(headers), status: 400 });
        expect(hasNoData(result.body)).toBe(true);
        expect(result.body!.errors![0].extensions!.code).toBe('BAD_REQUEST');
        expect(result.body!.errors![0].message).toMatch(/Cross-Site Request Forgery/);
        expectCleanErrors(result.body, result.text);
        expectNoSeededValues(result.text);
        expect(calls).toBe(0);
      }
      // Control: the same GET with the preflight header is served (the refusal above is CSRF prevention, not the query).
      const allowed = await raw('GET', url, { headers: { ...bearer(managerToken), 'apollo-require-preflight': 'true' } });
      expect(allowed.status).toBe(200);
      expect((allowed.body!.data as any).customers.edges).toHaveLength(5);
    });

    it('6. form-post CSRF: urlencoded, multipart and text/plain POSTs are refused, no data, nothing written', async () => {
      const mutation = `mutation { updateCustomer(id: "${someCustomer}", input: { tier: KEY, employer: "csrf" }) { id tier } }`;
      const before = await sql(`SELECT tier, employer, updated_at FROM customers WHERE id = $1`, [someCustomer]);
      const changesBefore = (await sql(`SELECT count(*) AS n FROM audit_changes`))[0];
      for (const query of [SENSITIVE, mutation]) {
        const form = new FormData();
        form.set('query', query);
        const posts: { label: string; headers: Record<string, string>; body: string | FormData }[] = [
          { label: 'urlencoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(query)}` },
          { label: 'multipart', headers: {}, body: form },
          { label: 'text/plain', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query }) },
          { label: 'text/plain;charset', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: JSON.stringify({ query }) },
          { label: 'no content type', headers: {}, body: JSON.stringify({ query }) },
        ];
        for (const post of posts) {
          const { result, calls } = await poolCallsDuring(() => raw('POST', '/graphql', { headers: { ...bearer(managerToken), ...post.headers }, body: post.body }));
          expect({ label: post.label, status: result.status }).toEqual({ label: post.label, status: 400 });
          expect(hasNoData(result.body)).toBe(true);
          expect(result.body!.errors![0].extensions!.code).toBe('BAD_REQUEST');
          expectCleanErrors(result.body, result.text);
          expectNoSeededValues(result.text);
          expect(calls).toBe(0);
        }
      }
      expect(await sql(`SELECT tier, employer, updated_at FROM customers WHERE id = $1`, [someCustomer])).toEqual(before);
      expect((await sql(`SELECT count(*) AS n FROM audit_changes`))[0]).toEqual(changesBefore);
    });

    it('7. mutation over GET: 405, nothing written', async () => {
      const before = await sql(`SELECT tier, employer, updated_at FROM customers WHERE id = $1`, [someCustomer]);
      const contactsBefore = await sql(`SELECT count(*) AS n FROM contacts`);
      const changesBefore = await sql(`SELECT count(*) AS n FROM audit_changes`);
      const mutations = [
        `mutation { updateCustomer(id: "${someCustomer}", input: { tier: KEY, employer: "via GET" }) { id tier } }`,
        `mutation Named { addContact(customerId: "${someCustomer}", input: { name: "GET" }) { id } }`,
        // A query and a mutation in one document, the mutation selected by name.
        `query Q { me { role } } mutation M { updateCustomer(id: "${someCustomer}", input: { employer: "via GET" }) { id } }`,
      ];
      for (const [i, document] of mutations.entries()) {
        const operationName = i === 2 ? '&operationName=M' : '';
        for (const headers of [{ 'apollo-require-preflight': 'true' }, { 'content-type': 'application/json' }, { 'x-apollo-operation-name': 'M' }] as Record<string, string>[]) {
          const response = await raw('GET', `/graphql?query=${encodeURIComponent(document)}${operationName}`, { headers: { ...bearer(managerToken), ...headers } });
          expect({ i, status: response.status }).toEqual({ i, status: 405 });
          expect(hasNoData(response.body)).toBe(true);
          expectCleanErrors(response.body, response.text);
        }
      }
      expect(await sql(`SELECT tier, employer, updated_at FROM customers WHERE id = $1`, [someCustomer])).toEqual(before);
      expect(await sql(`SELECT count(*) AS n FROM contacts`)).toEqual(contactsBefore);
      expect(await sql(`SELECT count(*) AS n FROM audit_changes`)).toEqual(changesBefore);
    });

    it('8. field suggestions: misspelled fields, arguments, types, enum values and input fields get no "Did you mean"', async () => {
      const cases: [string, Record<string, unknown> | undefined][] = [
        ['{ custmers { id } }', undefined],
        ['{ customers(first: 1) { edges { node { idNumbr phne emial } } } }', undefined],
        ['{ customers(frist: 1) { totalCount } }', undefined],
        ['{ customers(first: 1, filter: { tierr: KEY }) { totalCount } }', undefined],
        ['{ customers(first: 1, filter: { tier: KYE }) { totalCount } }', undefined],
        ['{ customers(first: 1, orderBy: { field: ARCHIVE_NUMBR }) { totalCount } }', undefined],
        ['{ customers(first: 1) { edges { node { ...F } } } } fragment F on Custmer { id }', undefined],
        ['query ($f: CustomerFiltr) { customers(filter: $f) { totalCount } }', { f: {} }],
        ['query ($f: CustomerFilter) { customers(first: 1, filter: $f) { totalCount } }', { f: { tierr: 'KEY' } }],
        ['query ($f: CustomerFilter) { customers(first: 1, filter: $f) { totalCount } }', { f: { tier: 'KYE' } }],
        ['{ me { rol } }', undefined],
        ['mutation { updateCustomr(id: "x", input: {}) { id } }', undefined],
      ];
      for (const [document, variables] of cases) {
        const { status, body } = await server.gql(document, { token: managerToken, variables });
        expect(status).toBeLessThan(500);
        expect(body.errors?.length).toBeGreaterThan(0);
        expect({ document, body: JSON.stringify(body) }).not.toEqual({ document, body: expect.stringMatching(/Did you mean|did you mean/) });
        for (const e of body.errors!) expect(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(e.extensions!.code);
      }
    });

    it('9. trace mode and debug: no tracing, stack traces or exceptions in any response extensions', async () => {
      const json = { ...bearer(managerToken), 'content-type': 'application/json' };
      const debugHeaders = { 'apollo-federation-include-trace': 'ftv1', 'x-debug': '1', 'x-apollo-tracing': '1' };
      const requests: { label: string; headers: Record<string, string>; body: string }[] = [
        { label: 'ok with tracing asked', headers: { ...json, ...debugHeaders }, body: JSON.stringify({ query: '{ me { role } }', extensions: { tracing: true, debug: true } }) },
        { label: 'sensitive with tracing asked', headers: { ...json, ...debugHeaders }, body: JSON.stringify({ query: SENSITIVE, extensions: { tracing: true } }) },
        { label: 'parse error', headers: json, body: JSON.stringify({ query: '{ me { role }' }) },
        { label: 'validation error', headers: json, body: JSON.stringify({ query: '{ nope }' }) },
        { label: 'resolver error', headers: json, body: JSON.stringify({ query: '{ customer(id: "not-an-id") { id } }' }) },
        { label: 'variable error', headers: json, body: JSON.stringify({ query: 'query ($n: Int) { customers(first: $n) { totalCount } }', variables: { n: 'x' } }) },
        { label: 'forbidden', headers: json, body: JSON.stringify({ query: '{ auditLog(first: 1) { totalCount } }' }) },
        { label: 'unauthenticated', headers: { 'content-type': 'application/json', authorization: 'Bearer x.y.z' }, body: JSON.stringify({ query: '{ me { role } }' }) },
        { label: 'malformed JSON', headers: json, body: '{"query": "{ me { role } }", ' },
        { label: 'not an object', headers: json, body: '"{ me { role } }"' },
        { label: 'query not a string', headers: json, body: JSON.stringify({ query: { a: 1 } }) },
        { label: 'variables not an object', headers: json, body: JSON.stringify({ query: '{ me { role } }', variables: 'x' }) },
        { label: 'extensions not an object', headers: json, body: JSON.stringify({ query: '{ me { role } }', extensions: [1] }) },
        { label: 'unknown operation name', headers: json, body: JSON.stringify({ query: '{ me { role } }', operationName: 'Nope' }) },
        { label: 'subscription', headers: json, body: JSON.stringify({ query: 'subscription { me { role } }' }) },
      ];
      for (const request of requests) {
        const response = await raw('POST', '/graphql', request);
        expect({ label: request.label, status: response.status < 500 }).toEqual({ label: request.label, status: true });
        expectCleanErrors(response.body, response.text);
        expect(Object.keys(response.body!.extensions ?? {}).filter((k) => k !== 'privacy')).toEqual([]);
      }
    });

    it('10. an internal error reaches the client as "Internal server error" with a code and a request id only', async () => {
      const leaks = /permission|denied|relation|customers|transactions|customer_records_app|SELECT|id_number|42501|pg_|stack|\.ts|\.js/i;
      await sql(`REVOKE SELECT ON customers FROM ${APP_ROLE}`);
      try {
        // The failing statement is the root list: data is null.
        const root = await raw('POST', '/graphql', {
          headers: { ...bearer(managerToken), 'content-type': 'application/json', 'x-request-id': 'adv-internal-1' },
          body: JSON.stringify({ query: `{ customers(first: 2) { edges { node { id name idNumber } } } }` }),
        });
        expect(root.body!.errors).toEqual([{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'adv-internal-1' } }]);
        expect(hasNoData(root.body)).toBe(true);
        expect(errorText(root.body)).not.toMatch(leaks);
        expect(root.headers.get('x-request-id')).toBe('adv-internal-1');
        expectCleanErrors(root.body, root.text);
        // A nested field failing (Transaction.customer reads the customers table).
        const nested = await raw('POST', '/graphql', {
          headers: { ...bearer(managerToken), 'content-type': 'application/json', 'x-request-id': 'adv-internal-2' },
          body: JSON.stringify({ query: `{ transaction(id: "${someTransaction}") { id customer { id name } } }` }),
        });
        expect(nested.status).toBeLessThan(500);
        expect(nested.body!.errors!.length).toBeGreaterThan(0);
        for (const e of nested.body!.errors!) {
          expect({ message: e.message, extensions: e.extensions }).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'adv-internal-2' } });
        }
        expect(errorText(nested.body)).not.toMatch(leaks);
        expectCleanErrors(nested.body, nested.text);
      } finally {
        await sql(`GRANT SELECT ON customers TO ${APP_ROLE}`);
      }
      const after = await server.gql<any>(`{ customers(first: 1) { totalCount } }`, { token: managerToken });
      expect(after.body.errors).toBeUndefined();
    });
  });

  // -------------------------------------------------------------------------------------------
  // Injection and malformed input
  // -------------------------------------------------------------------------------------------

  describe('injection and malformed input', () => {
    const LONG = 'A'.repeat(10_000);
    const PAYLOADS = [
      `' OR 1=1 --`,
      `'; DROP TABLE customers; --`,
      `" OR ""="`,
      `1' UNION SELECT id_number, phone FROM customers --`,
      `%`,
      `_%' OR archive_number LIKE '%`,
      `\\x00`,
      `$1`,
      `\u202Eevil\u202C' OR 1=1 --`,
      `\u200B\u200C\u200D\uFEFF`,
      `' OR 1=1 --\u200B`,
      `😀'); DELETE FROM customers; --`,
      `\\'; SELECT pg_sleep(5); --`,
      LONG,
    ];
    /** Payloads with a NUL character: PostgreSQL text cannot hold one. */
    const NUL_PAYLOADS = ['\u0000', `x\u0000' OR 1=1 --`];

    interface Target {
      label: string;
      role: Role;
      sub?: string;
      /** The document with the value as the variable $v (String or ID, as the argument's type). */
      document: string;
      /** A document with the value inline (`%s` is replaced by a GraphQL string literal). */
      inline: string;
    }

    const connection = 'totalCount edges { node { id } }';
    const TARGETS = (): Target[] => [
      { label: 'customers filter.archiveNumber', role: 'manager', document: `query ($v: String) { r: customers(first: 5, filter: { archiveNumber: $v }) { ${connection} } }`, inline: `{ r: customers(first: 5, filter: { archiveNumber: %s }) { ${connection} } }` },
      { label: 'customers filter.idNumber (service lookup)', role: 'service', sub: agent, document: `query ($v: String) { r: customers(first: 1, filter: { idNumber: $v }) { ${connection} } }`, inline: `{ r: customers(first: 1, filter: { idNumber: %s }) { ${connection} } }` },
      { label: 'customers filter.phone (service lookup)', role: 'service', sub: agent, document: `query ($v: String) { r: customers(first: 1, filter: { phone: $v }) { ${connection} } }`, inline: `{ r: customers(first: 1, filter: { phone: %s }) { ${connection} } }` },
      { label: 'customers filter.relationshipManagerId', role: 'manager', document: `query ($v: ID) { r: customers(first: 5, filter: { relationshipManagerId: $v }) { ${connection} } }`, inline: `{ r: customers(first: 5, filter: { relationshipManagerId: %s }) { ${connection} } }` },
      { label: 'customers filter.createdFrom', role: 'manager', document: `query ($v: DateTimeISO) { r: customers(first: 5, filter: { createdFrom: $v }) { ${connection} } }`, inline: `{ r: customers(first: 5, filter: { createdFrom: %s }) { ${connection} } }` },
      { label: 'transactions filter.customerId', role: 'manager', document: `query ($v: ID) { r: transactions(first: 5, filter: { customerId: $v }) { ${connection} } }`, inline: `{ r: transactions(first: 5, filter: { customerId: %s }) { ${connection} } }` },
      { label: 'transactions filter.occurredFrom', role: 'analyst', document: `query ($v: DateTimeISO) { r: transactions(first: 5, filter: { occurredFrom: $v }) { ${connection} } }`, inline: `{ r: transactions(first: 5, filter: { occurredFrom: %s }) { ${connection} } }` },
      { label: 'transactions filter.minAmount', role: 'analyst', document: `query ($v: Decimal) { r: transactions(first: 5, filter: { minAmount: $v }) { ${connection} } }`, inline: `{ r: transactions(first: 5, filter: { minAmount: %s }) { ${connection} } }` },
      { label: 'Customer.transactions filter.maxAmount', role: 'analyst', document: `query ($v: Decimal) { customers(first: 1) { edges { node { r: transactions(first: 5, filter: { maxAmount: $v }) { ${connection} } } } } }`, inline: `{ customers(first: 1) { edges { node { r: transactions(first: 5, filter: { maxAmount: %s }) { ${connection} } } } } }` },
      { label: 'complaints filter.customerId', role: 'manager', document: `query ($v: ID) { r: complaints(first: 5, filter: { customerId: $v }) { ${connection} } }`, inline: `{ r: complaints(first: 5, filter: { customerId: %s }) { ${connection} } }` },
      { label: 'complaints filter.assigneeId', role: 'manager', document: `query ($v: ID) { r: complaints(first: 5, filter: { assigneeId: $v }) { ${connection} } }`, inline: `{ r: complaints(first: 5, filter: { assigneeId: %s }) { ${connection} } }` },
      { label: 'auditLog filter.principal', role: 'auditor', document: `query ($v: String) { r: auditLog(first: 5, filter: { principal: $v }) { ${connection.replace('id', 'seq')} } }`, inline: `{ r: auditLog(first: 5, filter: { principal: %s }) { ${connection.replace('id', 'seq')} } }` },
      { label: 'auditLog filter.purpose', role: 'auditor', document: `query ($v: String) { r: auditLog(first: 5, filter: { purpose: $v }) { ${connection.replace('id', 'seq')} } }`, inline: `{ r: auditLog(first: 5, filter: { purpose: %s }) { ${connection.replace('id', 'seq')} } }` },
      { label: 'auditLog filter.outcome', role: 'auditor', document: `query ($v: String) { r: auditLog(first: 5, filter: { outcome: $v }) { ${connection.replace('id', 'seq')} } }`, inline: `{ r: auditLog(first: 5, filter: { outcome: %s }) { ${connection.replace('id', 'seq')} } }` },
      { label: 'auditLog filter.customerId', role: 'auditor', document: `query ($v: ID) { r: auditLog(first: 5, filter: { customerId: $v }) { ${connection.replace('id', 'seq')} } }`, inline: `{ r: auditLog(first: 5, filter: { customerId: %s }) { ${connection.replace('id', 'seq')} } }` },
      { label: 'customerAccessHistory(customerId)', role: 'auditor', document: `query ($v: ID!) { r: customerAccessHistory(first: 5, customerId: $v) { ${connection.replace('id', 'seq')} } }`, inline: `{ r: customerAccessHistory(first: 5, customerId: %s) { ${connection.replace('id', 'seq')} } }` },
      { label: 'changeHistory(entity: PARTNER, id)', role: 'auditor', document: `query ($v: ID!) { r: changeHistory(first: 5, entity: PARTNER, id: $v) { ${connection.replace('id', 'seq')} } }`, inline: `{ r: changeHistory(first: 5, entity: PARTNER, id: %s) { ${connection.replace('id', 'seq')} } }` },
      { label: 'partnerTokens(partnerId)', role: 'admin', document: `query ($v: ID!) { r: partnerTokens(partnerId: $v) { id } }`, inline: `{ r: partnerTokens(partnerId: %s) { id } }` },
      { label: 'partnerOperations(partnerId)', role: 'admin', document: `query ($v: ID!) { r: partnerOperations(partnerId: $v) { hash } }`, inline: `{ r: partnerOperations(partnerId: %s) { hash } }` },
      { label: 'consents(customerId)', role: 'admin', document: `query ($v: ID!) { r: consents(customerId: $v) { id } }`, inline: `{ r: consents(customerId: %s) { id } }` },
    ];

    /** Empty: a list with no element, a connection with no edge and a zero count (anywhere under `data`). */
    function resultsOf(data: unknown): unknown[] {
      const found: unknown[] = [];
      const visit = (value: unknown, key: string) => {
        if (key === 'r') found.push(value);
        if (Array.isArray(value)) value.forEach((v) => visit(v, ''));
        else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
      };
      visit(data, '');
      return found;
    }

    function isEmpty(result: unknown): boolean {
      if (result === null) return true;
      if (Array.isArray(result)) return result.length === 0;
      const connection = result as { totalCount?: number; edges?: unknown[] };
      return connection.totalCount === 0 && connection.edges?.length === 0;
    }

    /** BAD_USER_INPUT (or the document refused at validation for an inline literal of the wrong type), or empty results; never a 5xx, never the value echoed. */
    async function expectSafe(target: Target, value: string, index: number, inline: boolean): Promise<string | undefined> {
      const sub = target.sub;
      const document = inline ? target.inline.replace('%s', JSON.stringify(value)) : target.document;
      const { status, body } = await server.gql(document, { role: target.role, sub, variables: inline ? undefined : { v: value } });
      const where = `${target.label} ${inline ? 'inline' : 'variable'} payload #${index}`;
      const problems: string[] = [];
      if (status >= 500) problems.push(`HTTP ${status}`);
      const codes = (body.errors ?? []).map((e) => String(e.extensions?.code));
      const allowed = inline ? ['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'] : ['BAD_USER_INPUT'];
      for (const code of codes) if (!allowed.includes(code)) problems.push(`error code ${code}`);
      if (codes.length === 0) {
        const results = resultsOf(body.data);
        if (results.length === 0 || !results.every(isEmpty)) problems.push('non-empty results');
      }
      const errors = errorText(body);
      if (value.length >= 3 && errors.includes(jsonEscaped(value))) problems.push('value echoed');
      if (value === LONG && errors.includes('A'.repeat(40))) problems.push('value echoed');
      if (/DROP TABLE|UNION SELECT|OR 1=1|pg_sleep|DELETE FROM/.test(errors)) problems.push('value echoed');
      return problems.length ? `${where}: ${problems.join(', ')}` : undefined;
    }

    async function runAll(values: string[]): Promise<string[]> {
      const jobs: (() => Promise<string | undefined>)[] = [];
      for (const target of TARGETS()) {
        for (const [index, value] of values.entries()) {
          jobs.push(() => expectSafe(target, value, index, false));
          jobs.push(() => expectSafe(target, value, index, true));
        }
      }
      const failures: string[] = [];
      for (let i = 0; i < jobs.length; i += 8) {
        for (const failure of await Promise.all(jobs.slice(i, i + 8).map((job) => job()))) if (failure) failures.push(failure);
      }
      return failures;
    }

    it('11. SQL injection strings in every string filter and lookup: BAD_USER_INPUT or empty results, nothing echoed, tables intact', async () => {
      const started = Date.now();
      const failures = await runAll(PAYLOADS);
      expect(failures).toEqual([]);
      // Nothing ran long (no pg_sleep), the table is there and complete.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect((await sql(`SELECT to_regclass('public.customers') IS NOT NULL AS present`))[0]).toEqual({ present: true });
      expect(await countCustomers()).toBe(customerCount);
      const ok = await server.gql<any>(`{ customers(first: 1) { totalCount } }`, { token: managerToken });
      expect(ok.body.data.customers.totalCount).toBe(customerCount);
    });

    it('11b. a NUL character in a string filter or lookup: BAD_USER_INPUT or empty results, not an internal error', async () => {
      const failures = await runAll(NUL_PAYLOADS);
      expect(failures).toEqual([]);
      expect(await countCustomers()).toBe(customerCount);
    });

    it('12. huge, unicode, malformed and negative ids, page sizes and cursors: typed errors or null, never a 5xx, nothing echoed', async () => {
      const ALLOWED = ['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'NOT_FOUND'];
      const transactionsPage = await server.gql<any>(`{ transactions(first: 1) { pageInfo { endCursor } } }`, { token: managerToken });
      const foreignCursor: string = transactionsPage.body.data.transactions.pageInfo.endCursor;
      const customersPage = await server.gql<any>(`{ customers(first: 1) { pageInfo { endCursor } } }`, { token: managerToken });
      const customersCursor: string = customersPage.body.data.customers.pageInfo.endCursor;
      const nothing = randomUUID();
      const ids = ['', 'not-a-uuid', LONG, '😀', '\u202E\u200B', `${nothing}\n`, ` ${nothing}`, `${nothing}' OR 1=1 --`, nothing.replace(/-/g, ''), '\u0000'];
      const failures: string[] = [];
      const check = async (label: string, document: string, variables: Record<string, unknown> | undefined, echo: string[], expectNull?: string) => {
        const { status, body } = await server.gql(document, { token: managerToken, variables });
        const problems: string[] = [];
        if (status >= 500) problems.push(`HTTP ${status}`);
        for (const e of body.errors ?? []) if (!ALLOWED.includes(String(e.extensions?.code))) problems.push(`code ${String(e.extensions?.code)}`);
        const errors = errorText(body);
        for (const value of echo) if (value.length >= 2 && errors.includes(jsonEscaped(value))) problems.push(`echoed ${label}`);
        if (errors.includes('A'.repeat(40))) problems.push('echoed the long value');
        if (expectNull !== undefined && !(body.errors === undefined && (body.data as Record<string, unknown>)?.[expectNull] === null)) problems.push('expected null without error');
        if (!body.errors && expectNull === undefined) problems.push('expected an error');
        if (problems.length) failures.push(`${label}: ${problems.join(', ')}`);
      };

      for (const root of ['customer', 'transaction', 'complaint']) {
        for (const [i, id] of ids.entries()) {
          await check(`${root}(id) variable #${i}`, `query ($id: ID!) { ${root}(id: $id) { id } }`, { id }, [id]);
          await check(`${root}(id) inline #${i}`, `{ ${root}(id: ${JSON.stringify(id)}) { id } }`, undefined, [id]);
        }
        await check(`${root}(id) of nothing`, `query ($id: ID!) { ${root}(id: $id) { id } }`, { id: nothing }, [], root);
        await check(`${root}(id) huge int literal`, `{ ${root}(id: 123456789012345678901234567890) { id } }`, undefined, ['123456789012345678901234567890']);
        await check(`${root}(id) float literal`, `{ ${root}(id: 1.5e300) { id } }`, undefined, ['1.5e300']);
        await check(`${root}(id) object variable`, `query ($id: ID!) { ${root}(id: $id) { id } }`, { id: { $ne: null } }, ['$ne']);
        await check(`${root}(id) array variable`, `query ($id: ID!) { ${root}(id: $id) { id } }`, { id: [someCustomer, nothing] }, [someCustomer]);
      }
      // The other list's id under this list's root, and ids of the wrong kind.
      await check('customer(id) with a transaction id', `query ($id: ID!) { customer(id: $id) { id } }`, { id: someTransaction }, [], 'customer');
      await check('complaint(id) with a customer id', `query ($id: ID!) { complaint(id: $id) { id } }`, { id: someCustomer }, [], 'complaint');

      for (const [label, first] of [['-1', '-1'], ['101', '101'], ['2147483647', '2147483647'], ['2147483648', '2147483648'], ['-2147483649', '-2147483649'], ['1e3', '1e3'], ['"5"', '"5"'], ['99999999999999999999', '99999999999999999999']] as const) {
        for (const root of ['customers', 'transactions', 'complaints']) {
          await check(`${root}(first: ${label}) inline`, `{ ${root}(first: ${first}) { totalCount } }`, undefined, label.length > 3 ? [label] : []);
        }
        await check(`Customer.transactions(first: ${label})`, `query ($id: ID!) { customer(id: $id) { transactions(first: ${first}) { totalCount } } }`, { id: someCustomer }, label.length > 3 ? [label] : []);
      }
      for (const n of [-1, 101, 2147483648, -2147483649, 1e20, 1.5, '10', true, [1], { n: 1 }]) {
        await check(`customers(first) variable ${JSON.stringify(n)}`, `query ($n: Int) { customers(first: $n) { totalCount } }`, { n }, String(n).length > 3 ? [String(n)] : []);
      }
      // Refused: not a cursor, a cursor of another list, a cursor naming no record or no uuid.
      const afters = ['garbage', LONG, '😀', '\u0000', foreignCursor, base64url(`customers:' OR 1=1 --`), base64url(`customers:${nothing}`), base64url(`customers:${LONG}`), base64url('customers:')];
      for (const [i, after] of afters.entries()) {
        const other = after === foreignCursor ? customersCursor : after;
        await check(`customers(after) #${i}`, `query ($a: String) { customers(first: 2, after: $a) { totalCount edges { node { id } } } }`, { a: after }, [after]);
        await check(`transactions(after) #${i}`, `query ($a: String) { transactions(first: 2, after: $a) { edges { node { id } } } }`, { a: other }, [other]);
        await check(`Customer.transactions(after) #${i}`, `query ($id: ID!, $a: String) { customer(id: $id) { transactions(first: 2, after: $a) { edges { node { id } } } } }`, { id: someCustomer, a: other }, [other]);
        await check(`customers(after) inline #${i}`, `{ customers(first: 2, after: ${JSON.stringify(after)}) { edges { node { id } } } }`, undefined, [after]);
      }
      expect(failures).toEqual([]);

      // Tolerated, but never a 5xx or an echo: an empty cursor (no cursor), and a valid cursor with
      // characters base64url decoding skips (it decodes to the same record key).
      for (const after of ['', `${customersCursor}\u0000`, ` ${customersCursor}`, `${customersCursor}==`]) {
        const { status, body } = await server.gql<any>(`query ($a: String) { customers(first: 2, after: $a) { edges { node { id } } } }`, { token: managerToken, variables: { a: after } });
        expect(status).toBeLessThan(500);
        for (const e of body.errors ?? []) expect(e.extensions!.code).toBe('BAD_USER_INPUT');
        if (after.length > 2) expect(errorText(body)).not.toContain(jsonEscaped(after));
      }
    });
  });

  // -------------------------------------------------------------------------------------------
  // JWT attacks
  // -------------------------------------------------------------------------------------------

  describe('JWT attacks: 401 UNAUTHENTICATED, no data', () => {
    const secret = () => new TextEncoder().encode(server.config.auth.secret!);

    async function expectUnauthenticated(token: string, target: TestServer = server): Promise<void> {
      const response = await fetch(`${target.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: SENSITIVE }),
      });
      const text = await response.text();
      const body = JSON.parse(text) as Body;
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(body.data).toBeUndefined();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
      expectCleanErrors(body, text);
      expectNoSeededValues(text);
      // The message does not repeat the token or its claims.
      expect(text).not.toContain(token.split('.')[1] || token);
    }

    async function expectServed(token: string, target: TestServer = server): Promise<void> {
      const { status, body } = await target.gql<any>(`{ me { role } }`, { token });
      expect(status).toBe(200);
      expect(body.data.me.role).toBeDefined();
    }

    const hs256 = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
    /** A member of the directory in the role the forged claims name: only the key, algorithm or claims make a token fail. */
    const SUBJECT = 'test-manager';

    it('13. alg "none" (any spelling, with or without a signature) is refused', async () => {
      const claims = { sub: 'test-admin', role: 'admin', exp: now() + 3600, iat: now(), jti: randomUUID() };
      const signature = createHmac('sha256', server.config.auth.secret!).update('x').digest('base64url');
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        await expectUnauthenticated(`${base64url({ alg, typ: 'JWT' })}.${base64url(claims)}.`);
        await expectUnauthenticated(`${base64url({ alg, typ: 'JWT' })}.${base64url(claims)}.${signature}`);
      }
      await expectUnauthenticated(`${base64url({ typ: 'JWT' })}.${base64url(claims)}.`);
      await expectUnauthenticated(`${base64url({ alg: '' })}.${base64url(claims)}.`);
    });

    it('14. algorithm confusion: RS256 with a foreign key, HS256 keyed with a public key PEM, embedded jwk, other HMAC sizes', async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
      const claims = { role: 'admin' };
      const rs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setSubject('test-admin').setJti(randomUUID()).setIssuedAt().setExpirationTime('1h').sign(privateKey);
      await expectUnauthenticated(rs256);
      // The classic confusion: the public key's PEM text as the HMAC secret.
      const pem = await exportSPKI(publicKey);
      for (const key of [pem, pem.trim(), pem.replace(/\n/g, '')]) {
        const token = await hs256(claims).setSubject('test-admin').setJti(randomUUID()).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(key));
        await expectUnauthenticated(token);
      }
      // A key shipped in the header itself (jwk / jku / x5u), the server must ignore it.
      const jwk = await exportJWK(publicKey);
      const embedded = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', jwk }).setSubject('test-admin').setJti(randomUUID()).setIssuedAt().setExpirationTime('1h').sign(privateKey);
      await expectUnauthenticated(embedded);
      const jku = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', jku: 'http://127.0.0.1:1/jwks.json', kid: 'k' }).setSubject('test-admin').setJti(randomUUID()).setIssuedAt().setExpirationTime('1h').sign(privateKey);
      await expectUnauthenticated(jku);
      // The server's own secret with another HMAC size, or an empty key.
      const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).setSubject('test-admin').setJti(randomUUID()).setIssuedAt().setExpirationTime('1h').sign(secret());
      await expectUnauthenticated(hs512);
      const header = base64url({ alg: 'HS256', typ: 'JWT' });
      const payload = base64url({ sub: 'test-admin', role: 'admin', exp: now() + 3600, iat: now(), jti: randomUUID() });
      await expectUnauthenticated(`${header}.${payload}.${createHmac('sha256', '').update(`${header}.${payload}`).digest('base64url')}`);
      // Control: the same claims with the server's secret are served (the refusals are about the key and algorithm).
      await expectServed(await hs256(claims).setSubject('test-admin').setJti(randomUUID()).setIssuedAt().setExpirationTime('1h').sign(secret()));
    });

    it('15. an expired token is refused (also just past the clock tolerance)', async () => {
      for (const exp of [now() - 3600, now() - 30, 1]) {
        const token = await hs256({ role: 'admin' }).setSubject('test-admin').setJti(randomUUID()).setIssuedAt(exp - 60).setExpirationTime(exp).sign(secret());
        await expectUnauthenticated(token);
      }
      // A registered partner token past its stored expiry, though its own exp is later, is refused as well.
      const partner = await server.token({ role: 'partner', partner: 'adv-expired', scopes: ['customers:read'] });
      await expectServed(partner);
      await sql(`UPDATE partner_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1`, [decodeJwt(partner).jti]);
      await expectUnauthenticated(partner);
    });

    it('16. a token not yet valid (nbf in the future) is refused', async () => {
      for (const nbf of [now() + 60, now() + 3600, now() + 10 * 365 * 86400]) {
        const token = await hs256({ role: 'admin' }).setSubject('test-admin').setJti(randomUUID()).setNotBefore(nbf).setExpirationTime(nbf + 3600).sign(secret());
        await expectUnauthenticated(token);
      }
    });

    it('17. wrong issuer or audience is refused by a server that requires them', async () => {
      const strict = await startTestServer({ auth: { ...loadConfig().auth, issuer: 'https://issuer.example', audience: 'customer-records' } }, undefined, server);
      try {
        const key = new TextEncoder().encode(strict.config.auth.secret!);
        const sign = (issuer?: string, audience?: string | string[]) => {
          let jwt = hs256({ role: 'manager' }).setSubject(SUBJECT).setJti(randomUUID()).setIssuedAt().setExpirationTime('1h');
          if (issuer !== undefined) jwt = jwt.setIssuer(issuer);
          if (audience !== undefined) jwt = jwt.setAudience(audience);
          return jwt.sign(key);
        };
        await expectUnauthenticated(await sign(), strict);
        await expectUnauthenticated(await sign('https://evil.example', 'customer-records'), strict);
        await expectUnauthenticated(await sign('https://issuer.example.evil', 'customer-records'), strict);
        await expectUnauthenticated(await sign('https://issuer.example', 'another-api'), strict);
        await expectUnauthenticated(await sign('https://issuer.example', ['another-api', 'customer-records-x']), strict);
        await expectUnauthenticated(await sign('https://issuer.example'), strict);
        await expectUnauthenticated(await sign(undefined, 'customer-records'), strict);
        // A token of the lax server (no iss, no aud) is not accepted by the strict one.
        await expectUnauthenticated(managerToken, strict);
        // Control: the right issuer and audience are served.
        await expectServed(await sign('https://issuer.example', 'customer-records'), strict);
        await expectServed(await sign('https://issuer.example', ['other', 'customer-records']), strict);
      } finally {
        await strict.stop();
      }
    });

    it('18. a tampered payload (sales → manager) with the original signature is refused', async () => {
      const token = await server.token({ role: 'sales', sub: rep });
      await expectServed(token);
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      await expectUnauthenticated(`${header}.${base64url({ ...claims, role: 'manager' })}.${signature}`);
      await expectUnauthenticated(`${header}.${base64url({ ...claims, role: 'admin', exp: now() + 86400 * 365 })}.${signature}`);
      await expectUnauthenticated(`${header}.${base64url({ ...claims, sub: 'someone-else' })}.${signature}`);
      // Same claims re-serialised differently (whitespace): the signature covers the bytes.
      await expectUnauthenticated(`${header}.${base64url(JSON.stringify(claims, null, 1))}.${signature}`);
      // Signature of another token, header switched to none, signature dropped or truncated.
      const other = (await server.token({ role: 'manager' })).split('.')[2];
      await expectUnauthenticated(`${header}.${payload}.${other}`);
      await expectUnauthenticated(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, role: 'manager' })}.${signature}`);
      await expectUnauthenticated(`${header}.${payload}.`);
      await expectUnauthenticated(`${header}.${payload}.${signature.slice(0, -2)}`);
    });

    it('19. a token of a revoked or deactivated partner, or one the server never issued, is refused', async () => {
      // (Partner ids are at least two characters: 'x' of the issue becomes 'px'.)
      const token = await server.token({ role: 'partner', partner: 'px', scopes: ['customers:read'] });
      await expectServed(token);
      const { jti } = decodeJwt(token);
      await sql(`UPDATE partner_tokens SET revoked_at = now() WHERE partner_id = 'px'`);
      await expectUnauthenticated(token);
      // A token the server never registered, signed with its own secret.
      const forged = await hs256({ role: 'partner', partner: 'px', scopes: ['customers:read', 'customers.contact:read'] }).setSubject('partner:px').setJti(randomUUID()).setExpirationTime('1h').sign(secret());
      await expectUnauthenticated(forged);
      // Another partner's valid token id under this partner's name, and no token id at all.
      const other = await server.token({ role: 'partner', partner: 'py', scopes: ['customers:read'] });
      const borrowed = await hs256({ role: 'partner', partner: 'px', scopes: ['customers:read'] }).setSubject('partner:px').setJti(String(decodeJwt(other).jti)).setExpirationTime('1h').sign(secret());
      await expectUnauthenticated(borrowed);
      const noJti = await hs256({ role: 'partner', partner: 'py', scopes: ['customers:read'] }).setSubject('partner:py').setExpirationTime('1h').sign(secret());
      await expectUnauthenticated(noJti);
      // A deactivated partner's still-unrevoked token: the token is genuine, its holder refused (403).
      await expectServed(other);
      await sql(`UPDATE partners SET active = false WHERE id = 'py'`);
      const refused = await server.gql<any>(SENSITIVE, { token: other });
      expect(refused.status).toBe(403);
      expect(refused.body.data ?? null).toBeNull();
      expect(refused.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_INACTIVE' });
      expect(jti).toBeDefined();
    });
  });

  // -------------------------------------------------------------------------------------------
  // Fuzzer
  // -------------------------------------------------------------------------------------------

  describe('fuzzer', () => {
    interface Caller {
      label: string;
      token: string | null;
      /** Values this caller may read clear (sales: own customers' contact data; service: assigned customers' phones). */
      entitled: Set<string>;
      /** Purposes the role may declare. */
      purposes: string[];
    }
    let callers: Caller[];

    const schemaText = readFileSync(path.join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
    const sdl = buildSchema(schemaText);
    const NAMES = new Set<string>();
    const ENUM_VALUES = new Set<string>();
    for (const type of Object.values(sdl.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      NAMES.add(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          NAMES.add(field.name);
          for (const arg of 'args' in field ? field.args : []) NAMES.add(arg.name);
        }
      }
      if (isEnumType(type)) for (const v of type.getValues()) ENUM_VALUES.add(v.name);
    }
    const CUSTOMER_LEAVES = ['id', 'kind', 'archiveNumber', 'name', 'idNumber', 'birthDate', 'gender', 'phone', 'email', 'address', 'employer', 'annualIncome', 'totalAssets', 'bankCardNumber', 'creditCode', 'legalRepresentative', 'businessScope', 'industry', 'tier', 'creditRating', 'status', 'createdAt', 'updatedAt', '__typename', 'idNumbr', 'phone_', 'Phone'];
    const INJECTIONS = [`' OR 1=1 --`, `'; DROP TABLE customers; --`, '\\x00', '\u202E', '\u200B', '😀', 'A'.repeat(2000), '%', '$1', '{}', ''];
    const PUNCTUATION = ['{', '}', '{', '}', '(', ')', ':', ',', '...', '$v', '$id', '$b', '!', '[', ']', '=', '@include(if: true)', '@skip(if: $b)', '@deprecated', '@x', '#c\n', 'query', 'mutation', 'subscription', 'fragment F on Customer', 'on', '...F', '... on Customer', 'a:', 'b:', '__schema', '__type(name: "Customer")', '__typename', 'true', 'null', '1', '-1', '100', '101', '2147483648', '1.5', '"x"'];
    const VOCAB = [...NAMES, ...ENUM_VALUES, ...PUNCTUATION, ...PUNCTUATION, ...INJECTIONS.slice(0, 6).map((s) => JSON.stringify(s))];
    const EXAMPLES = [...exampleOperations().values()];
    /** A well-formed id of no record (fixed, so that PROPERTY_SEED replays a run exactly). */
    const NO_RECORD = '00000000-0000-4000-8000-00000000adf1';

    /** Random tokens of the vocabulary, usually inside braces. */
    const tokenSoup: fc.Arbitrary<string> = fc
      .tuple(fc.boolean(), fc.array(fc.constantFrom(...VOCAB), { minLength: 1, maxLength: 60 }))
      .map(([braced, tokens]) => (braced ? `{ ${tokens.join(' ')} }` : tokens.join(' ')));

    /** Mostly valid choices, sometimes a wrong one: most documents reach execution, some are refused. */
    const mostly = <T,>(valid: T[], invalid: T[], percentInvalid = 10): fc.Arbitrary<T> =>
      fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 100 - percentInvalid }, { arbitrary: fc.constantFrom(...invalid), weight: percentInvalid });
    // Structured documents are valid but for a rare wrong choice per document; the mutations below break them further.
    const pageArb = mostly(['0', '1', '2', '3', '5', '10', '20', '$n'], ['100', '101', '-1', '2147483648', '"5"'], 3);
    const directiveArb = mostly(['', '', '', '', '', '', '@include(if: true)', '@skip(if: false)', '@skip(if: true)', '@include(if: $b)', '@skip(if: $b)'], ['@deprecated', '@x', '@include(if: true) @include(if: true)'], 1);
    const VALID_LEAVES = CUSTOMER_LEAVES.filter((n) => !['idNumbr', 'phone_', 'Phone'].includes(n));
    // Aliases are numbered (a0, a1, …) so that they rarely conflict; now and then one takes another field's name.
    const leafArb = fc.record({
      alias: mostly(['', '', '', 'a'], ['id', 'phone'], 1),
      name: mostly(VALID_LEAVES, ['idNumbr', 'phone_', 'Phone'], 1),
      directive: directiveArb,
    });
    const customerSelection = fc
      .tuple(fc.array(leafArb, { minLength: 1, maxLength: 6 }), mostly(['', '', '', '...F', '... on Customer { phone }', '... @include(if: $b) { email }'], ['... on Transaction { id }'], 1))
      .map(([leaves, extra]) => `${leaves.map(({ alias, name, directive }, i) => `${alias === 'a' ? `a${i}: ` : alias ? `${alias}: ` : ''}${name} ${directive}`.trim()).join(' ')} ${extra}`.trim());
    const idArb = mostly(['$id', '$id', `"${NO_RECORD}"`], ['"not-a-uuid"', '""', '123'], 5);
    const rootArb: fc.Arbitrary<string> = fc.oneof(
      fc.tuple(pageArb, customerSelection, fc.constantFrom('', '', '', ', after: $a', ', filter: { tier: KEY }', ', filter: { kind: INDIVIDUAL, status: ACTIVE }', ', filter: { archiveNumber: "x" }', ', orderBy: { field: ARCHIVE_NUMBER }'))
        .map(([n, sel, extra]) => `customers(first: ${n}${extra}) { totalCount edges { cursor node { ${sel} } } pageInfo { endCursor } }`),
      fc.tuple(idArb, customerSelection, pageArb).map(([id, sel, n]) => `customer(id: ${id}) { ${sel} contacts(first: ${n}) { edges { node { name phone email } } } transactions(first: 3) { edges { node { accountNumber counterpartyAccount amount } } } }`),
      fc.tuple(pageArb, customerSelection).map(([n, sel]) => `transactions(first: ${n}) { edges { node { id amount accountNumber counterpartyName counterpartyAccount description customer { ${sel} } } } }`),
      fc.tuple(pageArb, customerSelection).map(([n, sel]) => `complaints(first: ${n}) { edges { node { id description resolution delayReason customer { ${sel} } timeline { note } } } }`),
      fc.tuple(idArb, customerSelection).map(([id, sel]) => `transaction(id: ${id}) { id accountNumber customer { ${sel} } }`),
      fc.constantFrom('me { sub role scopes partnerId staffMember { id username } }', '__typename', '__schema { queryType { name } }', 'auditLog(first: 3) { edges { node { fields { path decision } customersClear } } }', 'partners { id }', 'consents(customerId: $id) { id }'),
    );
    const structured: fc.Arbitrary<string> = fc
      .tuple(fc.array(fc.tuple(rootArb, directiveArb), { minLength: 1, maxLength: 3 }), customerSelection, mostly(['query', 'query Q', ''], ['mutation', 'subscription'], 2))
      .map(([roots, fragment, keyword]) => {
        const body = roots.map(([root, directive], i) => `${i > 0 ? `r${i}: ` : ''}${root.replace(/^(\w+(?:\([^)]*\))?)/, `$1 ${directive}`)}`).join(' ');
        const withFragment = body.includes('...F') ? `\nfragment F on Customer { ${fragment.replace(/\.\.\.F/g, '')} }` : '';
        const variables = [['$id', '$id: ID!'], ['$b', '$b: Boolean!'], ['$n', '$n: Int'], ['$a', '$a: String']].filter(([v]) => body.includes(v) || withFragment.includes(v)).map(([, d]) => d);
        const header = variables.length ? `${keyword || 'query'}(${variables.join(', ')})` : keyword;
        return `${header} { ${body} }${withFragment}`;
      });

    type Edit = { kind: 'drop' | 'duplicate' | 'swap' | 'insert'; at: number; token: string; length: number };
    const editArb: fc.Arbitrary<Edit> = fc.record({
      kind: fc.constantFrom('drop' as const, 'duplicate' as const, 'swap' as const, 'insert' as const),
      at: fc.nat(),
      token: fc.constantFrom(...VOCAB),
      length: fc.integer({ min: 1, max: 8 }),
    });
    function applyEdits(document: string, edits: Edit[]): string {
      let text = document;
      for (const edit of edits) {
        if (text.length === 0) break;
        const at = edit.at % text.length;
        if (edit.kind === 'drop') text = text.slice(0, at) + text.slice(at + edit.length);
        else if (edit.kind === 'duplicate') text = text.slice(0, at + edit.length) + text.slice(at, at + edit.length) + text.slice(at + edit.length);
        else if (edit.kind === 'swap' && at + 1 < text.length) text = text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
        else if (edit.kind === 'insert') text = `${text.slice(0, at)} ${edit.token} ${text.slice(at)}`;
      }
      return text;
    }
    const mutated: fc.Arbitrary<string> = fc
      .tuple(fc.oneof(fc.constantFrom(...EXAMPLES), structured), fc.array(editArb, { minLength: 1, maxLength: 5 }))
      .map(([document, edits]) => applyEdits(document, edits));

    /** A value of the variable's own type mostly (`valid`), anything at all sometimes. */
    const anyValue = (valid: fc.Arbitrary<unknown>) =>
      fc.oneof(
        { arbitrary: valid, weight: 90 },
        { arbitrary: fc.constantFrom<unknown>(...INJECTIONS), weight: 3 },
        { arbitrary: fc.constantFrom<unknown>(0, 1, 5, 100, 101, -1, 2147483648, 1e21, 1.5, true, false, null), weight: 3 },
        { arbitrary: fc.constantFrom<unknown>({ tier: 'KEY' }, [1, 'x'], {}), weight: 2 },
        { arbitrary: fc.string({ maxLength: 20 }), weight: 2 },
      );

    beforeAll(async () => {
      // A partner with consents from some customers, so its requests reach data (masked).
      const partnerToken = await server.token({ role: 'partner', partner: 'fuzz', scopes: ['customers:read', 'customers.contact:read', 'customers.identity:read-masked', 'transactions:read', 'complaints:read'] });
      await sql(
        `INSERT INTO consents (customer_id, partner_id, purpose, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
         SELECT id, 'fuzz', 'partner_service', now() - interval '1 day', now() + interval '365 days', 'SIGNED_FORM', 'CF-20261101-000001', 'test'
         FROM customers WHERE status = 'ACTIVE' ORDER BY archive_number LIMIT 20`,
      );
      const own = seeded.filter((c) => c.relationship_manager_id === rep);
      const ownContacts = await server.clearRows<{ phone: string | null; email: string | null }>('contacts', `t.customer_id = ANY($1::uuid[])`, [own.map((c) => c.id)]);
      const salesEntitled = new Set([...own.flatMap((c) => [c.phone, c.email]), ...ownContacts.flatMap((c) => [c.phone, c.email])].filter((v): v is string => !!v));
      // Every customer with any complaint assigned to the agent (a superset of "open and assigned").
      const assigned = await server.clearRows<{ phone: string | null }>('customers', `EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = t.id AND k.assignee_id = $1)`, [agent]);
      const serviceEntitled = new Set(assigned.map((c) => c.phone).filter((v): v is string => !!v));
      const caller = (label: string, role: Role, token: string | null, entitled = new Set<string>()): Caller => ({
        label,
        token,
        entitled,
        purposes: [...ROLE_POLICIES[role].purposes.allowed],
      });
      callers = [
        caller('admin', 'admin', await server.token({ role: 'admin' })),
        caller('manager', 'manager', managerToken),
        caller('analyst', 'analyst', await server.token({ role: 'analyst' })),
        caller('auditor', 'auditor', await server.token({ role: 'auditor' })),
        caller('partner', 'partner', partnerToken),
        caller('sales', 'sales', await server.token({ role: 'sales', sub: rep }), salesEntitled),
        caller('service', 'service', await server.token({ role: 'service', sub: agent }), serviceEntitled),
        caller('anonymous', 'manager', null),
      ];
    });

    it('20. random and mutated documents as random roles: never a 5xx, every error coded, no clear value leaked; healthy afterwards', async () => {
      const ids = fc.constantFrom<unknown>(someCustomer, someCustomer, someTransaction, someComplaint, rep, agent, NO_RECORD);
      const stats = { requests: 0, withData: 0 };
      const property = fc.asyncProperty(
        fc.integer({ min: 0, max: callers.length - 1 }),
        fc.oneof({ arbitrary: tokenSoup, weight: 20 }, { arbitrary: structured, weight: 45 }, { arbitrary: mutated, weight: 35 }),
        fc.record(
          {
            id: anyValue(ids),
            b: anyValue(fc.boolean()),
            n: anyValue(fc.integer({ min: 0, max: 10 })),
            a: anyValue(fc.constantFrom<unknown>(null, 'garbage')),
            managerId: anyValue(fc.constant<unknown>(rep)),
            customerId: anyValue(ids),
            first: anyValue(fc.integer({ min: 0, max: 10 })),
            input: anyValue(fc.constantFrom<unknown>({}, { name: 'x' })),
          },
          { requiredKeys: ['id', 'b', 'n', 'a'] },
        ),
        // A purpose of the caller's role (or none) mostly; now and then one it may not declare.
        mostly<number | string>([0, 1, 2, 3, 4, 5], ['relationship_management', 'partner_service', 'audit', 'nonsense'], 5),
        mostly<string | undefined>([undefined], ['Q', 'FirstCustomers', 'Nope'], 5),
        async (callerIndex, document, variables, purposeChoice, operationName) => {
          const caller = callers[callerIndex];
          const purpose = typeof purposeChoice === 'string' ? purposeChoice : [undefined, ...caller.purposes][purposeChoice % (caller.purposes.length + 1)];
          const response = await fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}),
              ...(purpose ? { 'x-purpose': purpose } : {}),
            },
            body: JSON.stringify({ query: document, variables, ...(operationName ? { operationName } : {}) }),
          });
          const text = await response.text();
          stats.requests += 1;
          expect(response.status).toBeLessThan(500);
          let body: Body | undefined;
          try {
            body = JSON.parse(text) as Body;
          } catch {
            body = undefined;
          }
          expect(body).toBeDefined();
          for (const error of body!.errors ?? []) expect(typeof error.extensions?.code).toBe('string');
          expect(debugKeysIn(body)).toEqual([]);
          expect(text).not.toMatch(/Did you mean/);
          expectNoSeededValues(text, caller.entitled);
          if (body!.data && JSON.stringify(body!.data).includes('"node"')) stats.withData += 1;
        },
      );
      await fc.assert(property, { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: true });
      // The fuzzer reached data, not only refusals (about one request in ten does).
      expect(stats.requests).toBeGreaterThanOrEqual(RUNS);
      if (RUNS >= 100) expect(stats.withData).toBeGreaterThan(0);

      // Healthy afterwards.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const normal = await server.gql<any>(`{ customers(first: 3) { totalCount edges { node { id idNumber } } } }`, { token: managerToken });
      expect(normal.status).toBe(200);
      expect(normal.body.errors).toBeUndefined();
      expect(normal.body.data.customers.edges).toHaveLength(3);
      expect(await countCustomers()).toBe(customerCount);
    });

    it('20b. partner introspection with an unknown operation name or a bad variable: a coded 4xx, nothing echoed (found by the fuzzer)', async () => {
      const partner = await server.token({ role: 'partner', partner: 'introspector', scopes: ['customers:read'] });
      const PHONE_LIKE = '13912345678';
      const cases: { label: string; query: string; variables?: Record<string, unknown>; operationName?: string }[] = [
        { label: 'unknown operation name', query: 'query Q { __schema { queryType { name } } }', operationName: 'Other' },
        { label: 'operation name of an anonymous operation', query: '{ __type(name: "Customer") { name } }', operationName: 'Q' },
        { label: 'invalid variable value', query: 'query Q($b: Boolean!) { __schema @skip(if: $b) { queryType { name } } }', variables: { b: PHONE_LIKE } },
        { label: 'missing required variable', query: 'query Q($b: Boolean!) { __type(name: "Customer") @include(if: $b) { name } }', variables: {} },
      ];
      const problems: string[] = [];
      for (const c of cases) {
        const response = await raw('POST', '/graphql', {
          headers: { ...bearer(partner), 'content-type': 'application/json' },
          body: JSON.stringify({ query: c.query, variables: c.variables, operationName: c.operationName }),
        });
        if (response.status >= 500) problems.push(`${c.label}: HTTP ${response.status}`);
        else if (response.status === 200) problems.push(`${c.label}: HTTP 200 for a request that cannot run`);
        for (const e of response.body?.errors ?? []) {
          if (typeof e.extensions?.code !== 'string') problems.push(`${c.label}: an error without extensions.code`);
          if (e.extensions?.code === 'INTERNAL_SERVER_ERROR') problems.push(`${c.label}: INTERNAL_SERVER_ERROR`);
        }
        if (response.text.includes(PHONE_LIKE)) problems.push(`${c.label}: the submitted value is echoed`);
        if (!hasNoData(response.body) && JSON.stringify(response.body?.data) !== '{}') problems.push(`${c.label}: data`);
      }
      expect(problems).toEqual([]);
      // The same requests from a staff role are answered as the README says (the reference behaviour).
      const staff = await server.gql('query Q($b: Boolean!) { __schema @skip(if: $b) { queryType { name } } }', { token: managerToken, variables: { b: PHONE_LIKE } });
      expect(staff.status).toBe(400);
      expect(staff.body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(staff.body)).not.toContain(PHONE_LIKE);
    });
  });
});
