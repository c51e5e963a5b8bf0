import { startTestServer, type TestServer } from '../harness/server';

describe('HTTP surface', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  describe('GraphiQL', () => {
    it('serves a page whose every script and stylesheet is local, under a CSP that forbids anything else', async () => {
      const response = await fetch(`${server.url}/graphiql`);
      const html = await response.text();
      expect(response.status).toBe(200);
      expect(html).not.toMatch(/https?:\/\//);
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      // The favicon is an empty data: URL (no request, no 404 on the first screen).
      expect(links.filter((link) => link.startsWith('data:'))).toEqual(['data:,']);
      const assets = links.filter((link) => !link.startsWith('data:'));
      // GraphiQL's script and stylesheet, React, React DOM, the privacy panel's script and stylesheet, start.js.
      expect(assets.length).toBe(7);
      for (const asset of assets) {
        expect(asset.startsWith('/graphiql/assets/')).toBe(true);
        const file = await fetch(`${server.url}${asset}`);
        expect({ asset, status: file.status }).toEqual({ asset, status: 200 });
        expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(100);
      }
    });

    it('starts with a Headers editor holding an Authorization placeholder for the bearer token', async () => {
      const script = await (await fetch(`${server.url}/graphiql/assets/start.js`)).text();
      expect(script).toMatch(/defaultHeaders/);
      expect(script).toMatch(/Authorization: 'Bearer /);
      // The purpose comes from the signed-in role (the privacy panel's selector), not a fixed guess.
      expect(script).not.toMatch(/X-Purpose/);
      expect(script).toMatch(/plugins: \[panel\.plugin\]/);
      expect(script).toMatch(/defaultEditorToolsVisibility: 'headers'/);
      expect(script).toMatch(/shouldPersistHeaders: false/);
    });

    it('has browsers revalidate start.js on every load (it decides what GraphiQL stores), and cache the packages', async () => {
      expect((await fetch(`${server.url}/graphiql/assets/start.js`)).headers.get('cache-control')).toBe('no-cache');
      expect((await fetch(`${server.url}/graphiql/assets/privacy-panel.js`)).headers.get('cache-control')).toBe('no-cache');
      expect((await fetch(`${server.url}/graphiql/assets/graphiql.min.js`)).headers.get('cache-control')).toBe('public, max-age=86400');
    });

    it('does not serve arbitrary files from the assets route', async () => {
      expect((await fetch(`${server.url}/graphiql/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
      expect((await fetch(`${server.url}/graphiql/assets/package.json`)).status).toBe(404);
      expect((await fetch(`${server.url}/graphiql/assets/constructor`)).status).toBe(404);
      expect((await fetch(`${server.url}/graphiql/assets/toString`)).status).toBe(404);
    });
  });

  describe('health', () => {
    it('/healthz answers while the process runs', async () => {
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('/readyz is ready when the database answers and every migration is applied, 503 otherwise', async () => {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const { rows } = await server.db.pool.query(`DELETE FROM schema_migrations RETURNING *`);
      try {
        const response = await fetch(`${server.url}/readyz`);
        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({ status: 'migrations pending' });
      } finally {
        for (const row of rows) await server.db.pool.query(`INSERT INTO schema_migrations (id, timestamp, name) VALUES ($1, $2, $3)`, [row.id, row.timestamp, row.name]);
      }
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    });
  });

  it('/readyz answers 503 when the database is gone', async () => {
    const doomed = await startTestServer();
    try {
      expect((await fetch(`${doomed.url}/readyz`)).status).toBe(200);
      await doomed.db.drop(); // terminates the server's connections and removes the database
      const response = await fetch(`${doomed.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'database unavailable' });
    } finally {
      await doomed.stop().catch(() => undefined);
    }
  });

  describe('GraphQL over HTTP', () => {
    it('answers queries over GET', async () => {
      const token = await server.token({ role: 'admin' });
      const query = encodeURIComponent('{ customers(first: 1) { totalCount } }');
      const response = await fetch(`${server.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true', 'x-purpose': 'administration' } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as any).data.customers.totalCount).toBeGreaterThan(0);
    });

    it('marks GraphQL responses as not cacheable, and does not hash them for an ETag no cache will keep', async () => {
      const { headers } = await server.gql(`{ me { sub } }`);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('etag')).toBeNull();
    });

    it('refuses mutations over GET', async () => {
      const token = await server.token({ role: 'admin' });
      const query = encodeURIComponent('mutation { removeContact(id: "00000000-0000-4000-8000-000000000000") }');
      const response = await fetch(`${server.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true', 'x-purpose': 'administration' } });
      expect(response.status).toBe(405);
    });

    it('blocks CSRF-able requests: a GET without a preflight header, a form post', async () => {
      const token = await server.token({ role: 'admin' });
      const query = encodeURIComponent('{ me { sub } }');
      const get = await fetch(`${server.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${token}` } });
      expect(get.status).toBe(400);
      expect(await get.text()).toMatch(/Cross-Site Request Forgery/);
      const form = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: `query=${query}`,
      });
      expect(form.status).toBe(400);
      expect(await form.text()).toMatch(/Cross-Site Request Forgery/);
    });

    it('answers malformed JSON with a JSON error and no stack trace', async () => {
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
      expect(response.status).toBe(400);
      const body = await response.text();
      expect(JSON.parse(body).errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(body).not.toMatch(/at .*\.js:\d+/);
    });

    it('sends no stack traces and no "Did you mean" suggestions outside development mode', async () => {
      const { body } = await server.gql(`{ customer(id: "1") { idNumbr } }`);
      const text = JSON.stringify(body);
      expect(body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(text).not.toMatch(/stacktrace|Did you mean/);
    });

    it('includes stack traces and suggestions in development mode only', async () => {
      const dev = await startTestServer({ nodeEnv: 'development', isDevelopment: true });
      try {
        const { body } = await dev.gql(`{ customer(id: "1") { idNumbr } }`);
        expect(Array.isArray(body.errors![0].extensions!.stacktrace)).toBe(true);
        expect(body.errors![0].message).toMatch(/Did you mean/);
      } finally {
        await dev.stop();
      }
    });

    it('tags every response with a request id, honouring a well-formed one from the caller', async () => {
      const mine = await server.gql(`{ me { sub } }`, { headers: { 'x-request-id': 'trace-abc-123' } });
      expect(mine.headers.get('x-request-id')).toBe('trace-abc-123');
      const injected = await server.gql(`{ me { sub } }`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
      expect(injected.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
