/**
 * What GraphiQL's privacy panel and demo sign-in need from the server (issue 19): the policy's
 * words, "sign in as" a demo member of each role (only when switched on), the daily budget in
 * `extensions.privacy.budget`, and a 401 that says how to mint a token for this server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { issueDevToken } from '../../src/auth/token-issuer';
import { ROLE_POLICIES } from '../../permissions/policy';
import { DEMO_PARTNER, DEMO_PARTNER_CUSTOMERS } from '../../src/server/graphiql';
import { startTestServer, type TestServer } from '../harness/server';

const QUERY = '{ customers(first: 3) { totalCount edges { node { id name idNumber phone } } } }';

async function signIn(server: TestServer, as: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${server.url}/graphiql/demo/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as }) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('demo sign-in, the policy vocabulary and the budget in extensions.privacy', () => {
  let server: TestServer;
  let off: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ demoSignIn: true });
    off = await startTestServer({ demoSignIn: false }, undefined, server);
  });
  afterAll(async () => {
    await off?.stop();
    await server?.stop();
  });

  it('is off unless the server runs its own demo database, or DEMO_SIGN_IN=true says so (never in production)', () => {
    expect(loadConfig({}).demoSignIn).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).demoSignIn).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).demoSignIn).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }).demoSignIn).toBe(false);
    expect(loadConfig({ GRAPHIQL: 'false' }).demoSignIn).toBe(false);
    // Reachable from other machines: only when switched on.
    expect(loadConfig({ HOST: '0.0.0.0' }).demoSignIn).toBe(false);
    expect(loadConfig({ HOST: '0.0.0.0', DEMO_SIGN_IN: 'true' }).demoSignIn).toBe(true);
    expect(loadConfig({ HOST: 'localhost' }).demoSignIn).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x', DEMO_SIGN_IN: 'true' }).demoSignIn).toBe(true);
    expect(loadConfig({ DEMO_SIGN_IN: 'false' }).demoSignIn).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'production', DEMO_SIGN_IN: 'true' })).toThrow(/refused with NODE_ENV=production/);
    expect(() => loadConfig({ AUTH_JWKS_URL: 'https://idp/jwks', DEMO_SIGN_IN: 'true' })).toThrow(/AUTH_JWKS_URL/);
  });

  it('answers 404 for the demo routes when off, and mints nothing', async () => {
    const listed = await fetch(`${off.url}/graphiql/demo/identities`);
    expect(listed.status).toBe(404);
    expect(await listed.json()).toEqual({ error: expect.stringMatching(/demo sign-in is off/) });
    expect((await signIn(off, 'manager')).status).toBe(404);
  });

  it('lists a demo member of each staff role and the demo partner, and signs in as each with a short-lived token the API accepts', async () => {
    const listed = (await (await fetch(`${server.url}/graphiql/demo/identities`)).json()) as { ttl: string; identities: { as: string; role: string; label: string }[] };
    expect(listed.identities.map((i) => i.as).sort()).toEqual(Object.keys(ROLE_POLICIES).sort());
    for (const identity of listed.identities) {
      const { status, body } = await signIn(server, identity.as);
      expect(status).toBe(200);
      expect(body.role).toBe(identity.role);
      expect(body.purposes).toEqual(ROLE_POLICIES[identity.role as keyof typeof ROLE_POLICIES].purposes);
      const [, payload] = (body.token as string).split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number; iat: number; role: string; partner?: string };
      // 30 minutes (a partner token's expiry is computed a moment before it is signed: a second may tick between).
      expect(claims.exp - claims.iat).toBeGreaterThanOrEqual(30 * 60 - 1);
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(30 * 60);
      if (identity.role === 'partner') expect(claims.partner).toBe(DEMO_PARTNER);
      const me = await server.gql<{ me: { role: string } }>('{ me { role } }', { token: body.token as string });
      expect(me.body.errors).toBeUndefined();
      expect(me.body.data?.me.role).toBe(identity.role.toUpperCase());
    }
  });

  it('gives the demo partner demo customers who consented (recorded once, by an administrator, in the change history): it sees them masked', async () => {
    const first = await signIn(server, 'partner');
    const answer = await server.gql<{ customers: { totalCount: number; edges: { node: { name: string; phone: string } }[] } }>(
      '{ customers(first: 5) { totalCount edges { node { name phone } } } }',
      { token: first.body.token as string, purpose: 'partner_service' },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.customers.totalCount).toBe(DEMO_PARTNER_CUSTOMERS);
    for (const { node } of answer.body.data!.customers.edges) {
      expect(node.name).toContain('*');
      expect(node.phone).toContain('*');
    }
    await signIn(server, 'partner');
    const { rows: consents } = await server.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM consents WHERE partner_id = $1`, [DEMO_PARTNER]);
    expect(consents[0].n).toBe(DEMO_PARTNER_CUSTOMERS);
    const { rows: history } = await server.db.pool.query<{ n: number; recorders: string[] }>(
      `SELECT count(*)::int AS n, array_agg(DISTINCT principal_role) AS recorders FROM audit_changes WHERE entity = 'Consent' AND action = 'CREATE'`,
    );
    expect(history[0]).toEqual({ n: DEMO_PARTNER_CUSTOMERS, recorders: ['admin'] });
  });

  it('refuses an unknown identity and a non-JSON body (a cross-site form cannot mint)', async () => {
    expect((await signIn(server, 'root')).status).toBe(400);
    expect((await signIn(server, { role: 'admin' })).status).toBe(400);
    const form = await fetch(`${server.url}/graphiql/demo/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'as=admin' });
    expect(form.status).toBe(415);
  });

  it('serves the policy’s words for the panel: reasons, strategies, each role’s purposes, limits and budgets', async () => {
    const vocabulary = (await (await fetch(`${server.url}/graphiql/policy.json`)).json()) as Record<string, any>;
    expect(vocabulary.reasons.ROLE_POLICY).toMatch(/role/);
    expect(vocabulary.strategies.idNumber).toMatch(/first 3/);
    expect(vocabulary.roles.analyst.purposes).toEqual(ROLE_POLICIES.analyst.purposes);
    expect(vocabulary.roles.manager.exposure).toEqual(ROLE_POLICIES.manager.exposure);
    expect(vocabulary.roles.manager.budgets.daily).toEqual(ROLE_POLICIES.manager.budgets.daily);
  });

  it('reports the daily budget in extensions.privacy.budget: this request, used and left today', async () => {
    const sub = await server.member('manager', 'budget-report-manager');
    const first = await server.gql(QUERY, { role: 'manager', sub });
    expect(first.body.errors).toBeUndefined();
    const budget = first.body.extensions?.privacy.budget;
    const daily = ROLE_POLICIES.manager.budgets.daily;
    expect(budget.daily).toEqual(daily);
    const spent = budget.thisRequest.clear + budget.thisRequest.masked;
    expect(spent).toBeGreaterThan(0);
    expect(budget.usedToday).toEqual(budget.thisRequest);
    expect(budget.leftToday).toEqual({ clear: daily.clear - budget.usedToday.clear, masked: daily.masked - budget.usedToday.masked, probes: daily.probes - budget.usedToday.probes });
    expect(budget.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const second = await server.gql(QUERY, { role: 'manager', sub });
    const after = second.body.extensions?.privacy.budget;
    expect(after.usedToday.masked).toBe(budget.usedToday.masked + after.thisRequest.masked);
    expect(after.usedToday.clear).toBe(budget.usedToday.clear + after.thisRequest.clear);
  });

  it('answers a token signed with another secret with a 401 that says how to mint one for this server, naming no key', async () => {
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'cr-other-secret-'));
    try {
      const foreign = await issueDevToken({ ...server.config, auth: { ...server.config.auth, secret: undefined }, dataDir: elsewhere }, { role: 'manager', sub: 'someone' });
      const response = await server.gql('{ me { role } }', { token: foreign });
      expect(response.status).toBe(401);
      const [error] = response.body.errors ?? [];
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
      expect(error.message).toMatch(/not signed with this server’s secret/);
      expect(error.message).toMatch(/npm run token -- --role <role>/);
      expect(error.message).not.toContain(elsewhere);
      expect(error.message).not.toContain(server.config.dataDir);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
