import { issueDevToken } from '../../src/auth/token-issuer';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { spawnServer } from '../harness/process';

/** The pids of the processes that logged a "graphql operation" line. */
function servingPids(output: string): Set<number> {
  const pids = new Set<number>();
  for (const line of output.split('\n')) {
    if (!line.includes('"graphql operation"')) continue;
    const pid = /"pid":(\d+)/.exec(line);
    if (pid) pids.add(Number(pid[1]));
  }
  return pids;
}

describe('WORKERS: several server processes on one port', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  it('WORKERS=2 serves from two processes that share the port, the database and the token key; SIGTERM stops all with 0', async () => {
    const { child, exited, listening, output } = spawnServer({ DATABASE_URL: db.url, WORKERS: '2' });
    const url = await listening();
    // Both workers announce the same URL (node:cluster shares the port, even port 0).
    for (let waited = 0; (output().match(/"msg":"listening"/g) ?? []).length < 2; waited += 100) {
      if (waited > 120_000) throw new Error(`second worker never listened:\n${output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const urls = new Set([...output().matchAll(/"url":"(http:\/\/[^"]+)"/g)].map((m) => m[1]));
    expect(urls).toEqual(new Set([url]));

    const token = await issueDevToken(loadConfig(), { role: 'manager', sub: 'manager01' });
    const ask = () =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'supervision', connection: 'close' },
        body: JSON.stringify({ query: '{ customers(first: 2) { edges { node { id name } } } }' }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { data?: { customers: { edges: { node: { name: string } }[] } } } }));
    const answers = await Promise.all(Array.from({ length: 20 }, ask));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.data!.customers.edges).toHaveLength(2);
      // The policy holds in every worker: a manager reads names masked.
      expect(answer.body.data!.customers.edges[0].node.name).toContain('*');
    }
    // Log lines reach stdout in batches (src/logger.ts: within 100 ms): wait until every request's line is there.
    const operationLines = () => output().split('\n').filter((line) => line.includes('"graphql operation"')).length;
    for (let waited = 0; operationLines() < answers.length; waited += 100) {
      if (waited > 10_000) throw new Error(`${operationLines()} of ${answers.length} operation log lines after 10 s:\n${output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // New connections are dealt out round-robin: both workers answered.
    expect(servingPids(output()).size).toBe(2);
    expect(servingPids(output()).has(child.pid!)).toBe(false);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [db.name]);
    expect(rows[0].n).toBe(0);
  }, 300_000); // three processes starting under ts-node on a loaded machine
});
