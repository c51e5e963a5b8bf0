/**
 * `npm run bench` — requests/s of the "100 customers, each with up to 5 contacts and their last
 * 10 transactions" query (schema/examples.graphql: CustomersWithContactsAndTransactions), asked
 * by a manager (every name and phone masked), against the compiled server in production mode,
 * over loopback, with autocannon — with everything as served, with the shield layer left out
 * (bench/server.ts --no-shield; masking stays) and with the access register left out
 * (--no-register), in the same run, to show what each costs.
 *
 * Options: --customers N (default 10000) --connections C (10) --duration S (10)
 *          --data-dir DIR (default .data/bench; DATABASE_URL overrides it) --quick
 *          --variants policy,no-shield,no-register (default all three)
 * Every response is checked: a response with `errors` or without 100 customers is counted
 * as a failure, so a fast wrong answer does not count.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { issueDevToken } from '../src/auth/token-issuer';
import { loadConfig } from '../src/config';
import { locateDatabase } from '../src/db/database';
import { createLogger } from '../src/logger';
import { projectRoot } from '../src/project-root';
import { example } from '../test/harness/examples';
import { ensureData, SERVER, spawnServer } from './harness';

const ROOT = projectRoot();

interface Variant {
  name: string;
  args: string[];
}

const VARIANTS: Record<string, Variant> = {
  policy: { name: 'as served (shield + masking + access register)', args: [] },
  'no-shield': { name: 'shield layer left out (masking + register)', args: ['--no-shield'] },
  'no-register': { name: 'access register left out (shield + masking)', args: ['--no-register'] },
};

/** Rows and bytes of the access register (all partitions, indexes included). */
async function registerSize(url: string): Promise<{ records: number; bytes: number }> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await pool.query<{ records: number; bytes: string }>(
      `SELECT (SELECT count(*)::int FROM audit_access) AS records,
              (SELECT COALESCE(sum(pg_total_relation_size(inhrelid)), 0)::text FROM pg_inherits WHERE inhparent = 'audit_access'::regclass) AS bytes`,
    );
    return { records: rows[0].records, bytes: Number(rows[0].bytes) };
  } finally {
    await pool.end();
  }
}

async function measure(variant: Variant, databaseUrl: string, dataDir: string, connections: number, duration: number, config: ReturnType<typeof loadConfig>) {
  const registerBefore = await registerSize(databaseUrl);
  const { server, url, output, kill } = await spawnServer(databaseUrl, dataDir, variant.args);
  try {
    // A principal of its own per run: budgets are per principal per day, and bench runs add up.
    const token = await issueDevToken(config, { role: 'manager', sub: `bench-manager-${Date.now()}` });
    const body = JSON.stringify({ query: example('CustomersWithContactsAndTransactions'), variables: { first: 100 } });
    let wrong = 0;
    const result = await autocannon({
      url: `${url}/graphql`,
      method: 'POST',
      connections,
      duration,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
      setupClient: (client) => {
        // A response body can arrive in several chunks: check it once it is complete.
        let chunks: Buffer[] = [];
        client.on('headers', () => {
          chunks = [];
        });
        client.on('body', (chunk: Buffer) => chunks.push(chunk));
        client.on('response', () => {
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            // A fast wrong answer does not count: 100 customers, names masked, no errors.
            const edges = parsed.data?.customers?.edges;
            if (parsed.errors || edges?.length !== 100 || !String(edges[0].node.name).includes('*')) wrong++;
          } catch {
            wrong++;
          }
        });
      },
    });
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    const registerAfter = await registerSize(databaseUrl);
    const records = registerAfter.records - registerBefore.records;
    // The server logs how many records it committed in how many batches (group commit) at shutdown.
    const stats = /"batches":(\d+),"records":(\d+)/.exec(output());
    return {
      variant: variant.name,
      requestsPerSecond: result.requests.average,
      latencyP50ms: result.latency.p50,
      latencyP99ms: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx,
      wrongResponses: wrong,
      errors: result.errors,
      accessRecords: records,
      registerBytesPerRecord: records > 0 ? Math.round((registerAfter.bytes - registerBefore.bytes) / records) : 0,
      recordsPerBatch: stats && Number(stats[1]) > 0 ? Number((Number(stats[2]) / Number(stats[1])).toFixed(1)) : null,
    };
  } finally {
    process.removeListener('exit', kill);
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '10' },
      duration: { type: 'string', default: '10' },
      'data-dir': { type: 'string', default: path.join(ROOT, '.data', 'bench') },
      variants: { type: 'string', default: 'policy,no-shield,no-register' },
      quick: { type: 'boolean', default: false },
    },
  });
  const customers = values.quick ? 2000 : Number(values.customers);
  const duration = values.quick ? 3 : Number(values.duration);
  const connections = Number(values.connections);
  const config = { ...loadConfig(), dataDir: path.resolve(values['data-dir']) };
  const log = createLogger('warn');
  const database = await locateDatabase(config, log);
  try {
    await ensureData(database.url, customers);
    if (!existsSync(SERVER)) throw new Error('run `npm run build` first (npm run bench does)');
    const runs = [];
    for (const name of values.variants.split(',')) {
      const variant = VARIANTS[name];
      if (!variant) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
      runs.push(await measure(variant, database.url, config.dataDir, connections, duration, config));
    }
    const figures = { scenario: 'manager: 100 customers × (name, phone, ≤5 contacts, last 10 transactions)', customers, connections, durationSeconds: duration, runs };
    console.log(JSON.stringify(figures, null, 2));
    if (runs.some((r) => r.wrongResponses > 0 || r.non2xx > 0 || r.errors > 0)) process.exitCode = 1;
  } finally {
    await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
