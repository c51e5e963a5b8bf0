/** /metrics: behind METRICS and its own token; the counters move by what the responses carried, and never show an id or a value. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { classify } from '../../permissions/policy';
import { loadConfig } from '../../src/config';
import { startTestServer, type TestServer } from '../harness/server';

const TOKEN = 'metrics-test-token-0123456789abcdef0123456789';

/** `name{a="x",b="y"}` → value, labels in sorted order (the exposition format does not promise an order). */
function parseScrape(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '').match(/[a-zA-Z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
    samples.set(`${m[1]}{${labels.sort().join(',')}}`, Number(m[3]));
  }
  return samples;
}

function key(name: string, labels: Record<string, string> = {}): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')}}`;
}

describe('/metrics', () => {
  let server: TestServer;
  const scrape = async (token: string | null = TOKEN) => fetch(`${server.url}/metrics`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  const samples = async () => {
    const response = await scrape();
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, at: parseScrape(text) };
  };

  beforeAll(async () => {
    server = await startTestServer({ metrics: { enabled: true, token: TOKEN } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('refuses a scrape without the token, with a wrong one, and with an API token', async () => {
    for (const token of [null, 'wrong', TOKEN.slice(0, -1), await server.token({ role: 'admin' })]) {
      const response = await scrape(token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.text()).not.toContain('customer_records_');
    }
  });

  it('counts requests by operation, role and outcome, values by decision and level, refusals by code, and shows no id or value', async () => {
    const before = (await samples()).at;
    const served = await server.gql<any>(`query ServiceLookup { customers(first: 3) { edges { node { id name phone idNumber email bankCardNumber } } } }`, { role: 'service' });
    expect(served.status).toBe(200);
    const fields: { field: string; decision: string; count: number }[] = served.body.extensions!.privacy.fields;
    expect(fields.some((f) => f.decision === 'MASK')).toBe(true);
    const refusedTwice = [
      await server.gql(`query SalesList { customers(first: 2) { edges { node { id phone } } } }`, { role: 'sales', purpose: null }),
      await server.gql(`query SalesList { customers(first: 2) { edges { node { id phone } } } }`, { role: 'sales', purpose: null }),
    ];
    for (const r of refusedTwice) expect(r.body.errors![0].extensions!.code).toBe('PURPOSE_REQUIRED');
    const unauthenticated = await server.gql(`{ customers(first: 1) { edges { node { id } } } }`, { token: null });
    expect(unauthenticated.status).toBe(401);
    await server.audit.writer.idle();

    const { text, at: after } = await samples();
    const delta = (name: string, labels?: Record<string, string>) => (after.get(key(name, labels)) ?? 0) - (before.get(key(name, labels)) ?? 0);

    expect(delta('customer_records_requests_total', { operation: 'ServiceLookup', role: 'service', outcome: 'ok' })).toBe(1);
    expect(delta('customer_records_requests_total', { operation: 'SalesList', role: 'sales', outcome: 'PURPOSE_REQUIRED' })).toBe(2);
    expect(delta('customer_records_requests_total', { operation: 'anonymous', role: 'anonymous', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(delta('customer_records_refusals_total', { code: 'PURPOSE_REQUIRED' })).toBe(2);
    expect(delta('customer_records_refusals_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    expect(delta('customer_records_request_duration_seconds_count', { role: 'service' })).toBe(1);
    expect(delta('customer_records_request_duration_seconds_count', { role: 'sales' })).toBe(2);

    // Values by decision and level: exactly the response's own tally, each coordinate classified by the policy.
    const expected = new Map<string, number>();
    const decisionLabel: Record<string, string> = { CLEAR: 'clear', MASK: 'masked', REMOVE: 'removed' };
    for (const f of fields) {
      const [type, field] = f.field.split('.');
      const k = key('customer_records_values_total', { decision: decisionLabel[f.decision], level: classify(type, field)!.level });
      expected.set(k, (expected.get(k) ?? 0) + f.count);
    }
    expect(expected.size).toBeGreaterThan(0);
    for (const [k, count] of expected) expect((after.get(k) ?? 0) - (before.get(k) ?? 0)).toBe(count);
    const masked = [...expected].filter(([k]) => k.includes('decision="masked"')).reduce((n, [, c]) => n + c, 0);
    expect(masked).toBeGreaterThan(0);

    // The register committed the served and the refused requests' records; the pool is read at scrape.
    expect(delta('customer_records_register_batch_records_sum')).toBeGreaterThanOrEqual(3);
    expect(delta('customer_records_register_commit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(after.get(key('customer_records_pool_connections', { state: 'total' }))).toBeGreaterThanOrEqual(1);
    expect(after.has(key('customer_records_pool_waiting_requests'))).toBe(true);
    expect(after.has(key('process_cpu_user_seconds_total'))).toBe(true);
    // Budget: what the served request charged (non-null masked values), at most what its tally counts as masked.
    const charged = delta('customer_records_budget_charged_total', { kind: 'masked' });
    expect(charged).toBeGreaterThan(0);
    expect(charged).toBeLessThanOrEqual(fields.filter((f) => f.decision === 'MASK').reduce((n, f) => n + f.count, 0));

    // No customer id, no value (clear or masked), no principal in the scrape.
    const returned = new Set<string>();
    for (const edge of served.body.data!.customers.edges) for (const value of Object.values(edge.node)) if (typeof value === 'string' && value.length >= 4) returned.add(value);
    expect(returned.size).toBeGreaterThan(0);
    for (const value of returned) expect(text).not.toContain(value);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
  });

  it('serves every series the Grafana dashboard queries', async () => {
    const dashboard = readFileSync(path.join(__dirname, '../../docs/grafana-dashboard.json'), 'utf8');
    const names = new Set([...(await samples()).at.keys()].map((k) => k.slice(0, k.indexOf('{'))));
    const queried = new Set(dashboard.match(/customer_records_[a-z_]+/g));
    expect(queried.size).toBeGreaterThan(5);
    for (const name of queried) expect([...names].some((n) => n === name)).toBe(true);
  });
});

describe('METRICS configuration', () => {
  it('is off by default, needs a token in production, and refuses a short one', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: false, token: undefined });
    expect(() => loadConfig({ METRICS: 'true', NODE_ENV: 'production' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS: 'true', METRICS_TOKEN: 'short' })).toThrow(/at least 32/);
    expect(() => loadConfig({ METRICS: 'yes' })).toThrow(/METRICS must be true or false/);
    expect(loadConfig({ METRICS: 'true', NODE_ENV: 'production', METRICS_TOKEN: TOKEN }).metrics).toEqual({ enabled: true, token: TOKEN });
  });
});

describe('/metrics switched off', () => {
  it('is not served (404), even with a token', async () => {
    const server = await startTestServer({ metrics: { enabled: false, token: TOKEN } });
    try {
      const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
