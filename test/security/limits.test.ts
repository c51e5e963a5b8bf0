/**
 * Query limits: per role from the policy (depth, aliases, directives, cost with page sizes),
 * checked by the plan before any SQL; ceilings for everyone at parse and validation
 * (graphql-js's token limit at parse; graphql-armor: depth, aliases, directives); and a statement time limit that
 * PostgreSQL enforces (TIMEOUT, with the request id the log line carries too).
 */
import { ROLE_POLICIES } from '../../permissions/policy';
import { startTestServer, type TestServer } from '../harness/server';

const aliases = (n: number, field = 'me { role }') => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

describe('Query limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ statementTimeoutMs: 300 });
  });

  afterAll(() => server.stop());

  describe('per role, from the policy, before any SQL', () => {
    it('refuses more aliases than the role may use, and serves exactly the limit', async () => {
      const max = ROLE_POLICIES.sales.limits.aliases;
      const over = await server.execute<any>(`{ ${aliases(max + 1)} }`, { role: 'sales' });
      expect(over.body.errors![0].extensions).toMatchObject({ code: 'QUERY_LIMIT', limit: 'aliases', actual: max + 1, max });
      expect(over.statements).toBe(0);
      const at = await server.execute<any>(`{ ${aliases(max)} }`, { role: 'sales' });
      expect(at.body.errors).toBeUndefined();
    });

    it('counts the aliases of a fragment as often as it is spread', async () => {
      const max = ROLE_POLICIES.sales.limits.aliases;
      const half = Math.floor(max / 2) + 1;
      // Two spreads of F in one operation: 2 × half > max, although the document holds only half.
      const doubled = `fragment F on Query { ${aliases(half)} } query { ...F ... on Query { ...F } }`;
      const { body } = await server.execute<any>(doubled, { role: 'sales' });
      expect(body.errors![0].extensions).toMatchObject({ code: 'QUERY_LIMIT', limit: 'aliases', actual: 2 * half });
    });

    it('refuses a nesting deeper than the role allows (partners less than staff)', async () => {
      const token = await server.token({ role: 'partner', partner: 'deep', scopes: ['customers:read', 'transactions:read'] });
      const deep = `{ customers(first: 1) { edges { node { transactions(first: 1) { edges { node { customer { transactions(first: 1) { edges { node { id } } } } } } } } } } }`;
      const partner = await server.execute<any>(deep, { token });
      expect(partner.body.errors![0].extensions).toMatchObject({ code: 'QUERY_LIMIT', limit: 'depth', max: ROLE_POLICIES.partner.limits.depth });
      expect(partner.statements).toBe(0);
      const manager = await server.execute<any>(deep, { role: 'manager' });
      expect(manager.body.errors).toBeUndefined();
    });

    it('refuses more directives than the role may use', async () => {
      const max = ROLE_POLICIES.sales.limits.directives;
      const { body, statements } = await server.execute<any>(`{ me { ${Array.from({ length: max + 1 }, () => 'role @include(if: true)').join(' ')} } }`, { role: 'sales' });
      expect(body.errors![0].extensions).toMatchObject({ code: 'QUERY_LIMIT', limit: 'directives', actual: max + 1 });
      expect(statements).toBe(0);
    });

    it('refuses an operation whose cost (fields × page sizes) is over the role limit, before any SQL', async () => {
      const query = `{ customers(first: 100) { edges { node { id tier transactions(first: 100) { edges { node { id amount currency channel product occurredAt } } } } } } }`;
      const { body, statements } = await server.execute<any>(query, { role: 'sales' });
      expect(body.errors![0].extensions).toMatchObject({ code: 'QUERY_LIMIT', limit: 'cost', max: ROLE_POLICIES.sales.limits.cost });
      expect(body.errors![0].extensions!.actual).toBeGreaterThan(ROLE_POLICIES.sales.limits.cost);
      expect(statements).toBe(0);
      // The same shape with smaller pages is served.
      const small = await server.execute<any>(query.replace('first: 100', 'first: 5').replace('first: 100', 'first: 5'), { role: 'sales' });
      expect(small.body.errors).toBeUndefined();
    });

    it('counts aliases on __typename and introspection fields too (graphql-cop uses __typename)', async () => {
      const max = ROLE_POLICIES.sales.limits.aliases;
      const over = await server.execute<any>(`{ ${aliases(max + 1, '__typename')} }`, { role: 'sales' });
      expect(over.body.errors![0].extensions).toMatchObject({ code: 'QUERY_LIMIT', limit: 'aliases', actual: max + 1, max });
      expect(over.body.data ?? null).toBeNull();
      expect(over.statements).toBe(0);
      // Aliases inside an introspection field, and on one, count as well.
      const nested = `{ s: __schema { ${aliases(max, 'queryType { name }')} } }`;
      const introspection = await server.execute<any>(nested, { role: 'sales' });
      expect(introspection.body.errors![0].extensions).toMatchObject({ code: 'QUERY_LIMIT', limit: 'aliases', actual: max + 1 });
      expect(introspection.statements).toBe(0);
      // A few __typename, aliased or not, are served as ever.
      const few = await server.execute<any>(`{ __typename t: __typename me { __typename r: role k: __typename } }`, { role: 'sales' });
      expect(few.body.errors).toBeUndefined();
      expect(few.body.data).toMatchObject({ __typename: 'Query', t: 'Query', me: { __typename: 'Viewer', r: 'SALES', k: 'Viewer' } });
    });

    it('answers HTTP 400 and registers the refusal', async () => {
      const response = await server.gql<any>(`{ ${aliases(ROLE_POLICIES.sales.limits.aliases + 1, 'customers(first: 1) { edges { node { phone } } }')} }`, {
        role: 'sales',
        headers: { 'x-request-id': 'limit-registered' },
      });
      expect(response.status).toBe(400);
      expect(response.body.errors![0].extensions!.code).toBe('QUERY_LIMIT');
      const { rows } = await server.db.pool.query(`SELECT outcome FROM audit_access WHERE request_id = 'limit-registered'`);
      expect(rows).toEqual([{ outcome: 'QUERY_LIMIT' }]);
    });
  });

  describe('ceilings for everyone (graphql-armor)', () => {
    it('refuses 101 aliases (alias overloading) at validation', async () => {
      const { status, body } = await server.gql<any>(`{ ${aliases(101)} }`, { role: 'analyst' });
      expect(status).toBe(400);
      expect(body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.data ?? null).toBeNull();
    });

    it('refuses 101 and 1,001 __typename aliases at validation, before any SQL', async () => {
      for (const n of [101, 1001]) {
        const { status, body } = await server.gql<any>(`{ ${aliases(n, '__typename')} }`, { role: 'analyst' });
        expect({ n, status }).toEqual({ n, status: 400 });
        expect(body.data ?? null).toBeNull();
        expect(body.errors).toHaveLength(1);
        expect(body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
        const inProcess = await server.execute<any>(`{ ${aliases(n, '__typename')} }`, { role: 'analyst' });
        expect(inProcess.body.data ?? null).toBeNull();
        expect(inProcess.statements).toBe(0);
      }
    });

    it('refuses a document of more than 5000 tokens at parse (400, not a 5xx)', async () => {
      const { status, body } = await server.gql<any>(`{ me { ${Array.from({ length: 6000 }, () => 'role').join(' ')} } }`, { role: 'analyst' });
      expect(status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors![0].extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(body.errors![0].message).toMatch(/Document contains more tha[nt] 5000 tokens/);
      // The same field 500 times is served.
      const under = await server.gql<any>(`{ me { ${Array.from({ length: 500 }, () => 'role').join(' ')} } }`, { role: 'analyst' });
      expect(under.body.errors).toBeUndefined();
    });

    it('answers a syntax error with 400 GRAPHQL_PARSE_FAILED', async () => {
      const { status, body } = await server.gql<any>('{ me { role }', { role: 'analyst' });
      expect(status).toBe(400);
      expect(body.errors![0].extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
    });

    it('refuses directive overloading (more than 100)', async () => {
      const { status, body } = await server.gql<any>(`{ me { role ${Array.from({ length: 120 }, () => '@include(if: true)').join(' ')} } }`, { role: 'analyst' });
      expect(status).toBe(400);
      expect(body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });

  describe('unknown directives', () => {
    it('answers ten unknown directives with one short validation error naming them, before any SQL', async () => {
      const names = ['foo', 'bar', 'baz', 'qux', 'quux', 'corge', 'grault', 'garply', 'waldo', 'fred'];
      const document = `{ me { role ${names.map((n) => `@${n}`).join(' ')} sub @foo(secret: "13800138000") } }`;
      const { status, body } = await server.gql<any>(document, { role: 'manager' });
      expect(status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors![0].message).toBe(`Unknown directives: @${names.join(', @')}`);
      expect(JSON.stringify(body)).not.toContain('13800138000');
      const inProcess = await server.execute<any>(document, { role: 'manager' });
      expect(inProcess.body.errors).toHaveLength(1);
      expect(inProcess.statements).toBe(0);
    });

    it('names at most a few of many, and keeps the message short', async () => {
      const document = `{ me { role ${Array.from({ length: 80 }, (_, i) => `@d${i}_${'x'.repeat(200)}`).join(' ')} } }`;
      const { status, body } = await server.gql<any>(document, { role: 'manager' });
      expect(status).toBe(400);
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors![0].message).toMatch(/^Unknown directives: (@d\d+_x{17}…, ){9}@d\d+_x{17}… and 70 more$/);
      expect(body.errors![0].message.length).toBeLessThanOrEqual(300);
    });

    it('still reports one unknown directive alone, and known directives are served', async () => {
      const one = await server.gql<any>(`{ me { role @nope } }`, { role: 'manager' });
      expect(one.status).toBe(400);
      expect(one.body.errors).toEqual([expect.objectContaining({ message: 'Unknown directives: @nope', extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
      const known = await server.gql<any>(`{ me { role @include(if: true) sub @skip(if: true) } }`, { role: 'manager' });
      expect(known.body.errors).toBeUndefined();
    });
  });

  describe('time limit', () => {
    it('cancels SQL that runs longer than the statement timeout: TIMEOUT with the request id, nothing else', async () => {
      const blocker = await server.db.pool.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
        const { status, body } = await server.gql<any>(`{ customers(first: 1) { edges { node { id } } } }`, { role: 'manager', headers: { 'x-request-id': 'slow-one' } });
        expect(status).toBe(200);
        expect(body.errors).toEqual([
          { message: expect.stringMatching(/took longer than 300 ms and was cancelled/), path: ['customers'], locations: expect.anything(), extensions: { code: 'TIMEOUT', requestId: 'slow-one' } },
        ]);
      } finally {
        await blocker.query('ROLLBACK');
        blocker.release();
      }
      // The server is fine afterwards.
      const { body } = await server.gql<any>(`{ customers(first: 1) { edges { node { id } } } }`, { role: 'manager' });
      expect(body.errors).toBeUndefined();
    });
  });
});
