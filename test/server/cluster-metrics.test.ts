/**
 * /metrics with WORKERS > 1 (issue 19): whichever worker takes the scrape answers with the sum over
 * every worker (prom-client's AggregatorRegistry in the cluster primary), so the counters count
 * every request, whichever process served it.
 */
import { issueDevToken } from '../../src/auth/token-issuer';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { spawnServer } from '../harness/process';

const TOKEN = 'cluster-metrics-token-0123456789abcdef0123456789';

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('/metrics with WORKERS=2', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('answers every scrape with the counters of both workers summed', async () => {
    const { child, exited, listening, output } = spawnServer({ DATABASE_URL: db.url, WORKERS: '2', METRICS: 'true', METRICS_TOKEN: TOKEN, DB_POOL_MAX: '3' });
    try {
      const url = await listening();
      for (let waited = 0; (output().match(/"msg":"listening"/g) ?? []).length < 2; waited += 100) {
        if (waited > 120_000) throw new Error(`second worker never listened:\n${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const scrape = async () => {
        // connection: close — each scrape a new connection, dealt to either worker.
        const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}`, connection: 'close' } });
        const text = await response.text();
        return { status: response.status, text };
      };
      const token = await issueDevToken(loadConfig(), { role: 'manager', sub: 'manager01' });
      const ask = () =>
        fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'supervision', connection: 'close' },
          body: JSON.stringify({ query: 'query Names { customers(first: 2) { edges { node { id name } } } }', operationName: 'Names' }),
        }).then((r) => r.status);
      expect(new Set(await Promise.all(Array.from({ length: 12 }, ask)))).toEqual(new Set([200]));

      const requests = (text: string) => sample(text, 'customer_records_requests_total', 'operation="Names",role="manager",outcome="ok"');
      const scrapes = await Promise.all(Array.from({ length: 6 }, scrape));
      for (const { status, text } of scrapes) {
        expect(status).toBe(200);
        // Both workers' requests, whichever answered the scrape.
        expect(requests(text)).toBe(12);
        // A gauge of each process, summed: two pools of DB_POOL_MAX=3.
        expect(Number(/^customer_records_pool_max_connections (\S+)$/m.exec(text)?.[1])).toBe(6);
      }
      // The counters move: 3 more requests, seen in the next scrape.
      await Promise.all(Array.from({ length: 3 }, ask));
      expect(requests((await scrape()).text)).toBe(15);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 300_000); // three processes starting under ts-node on a loaded machine
});
