/**
 * `npm run soak` — a bounded, mixed load for a set time, then a report: errors by code (any
 * unexpected one fails the run), p50/p99, and the server's memory after warm-up versus at the end.
 * Mix: a manager's 100-customer nested query, a rep's own customer (clear), an analyst page,
 * an auditor's register page, a partner's `me`. The rate is about 80% of what a short
 * calibration run at full speed reached.
 *
 * Options: --minutes M (10) --rate R (requests/s; default 0.8 × calibrated) --connections C (10)
 *          --customers N (10000) --data-dir DIR (.data/bench; DATABASE_URL overrides it)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { decodeJwt } from 'jose';
import { Pool } from 'pg';
import { ROLE_POLICIES } from '../permissions/policy';
import type { Role } from '../src/auth/principal';
import { issueRegisteredPartnerToken } from '../src/auth/partner-dev-token';
import { issueDevToken } from '../src/auth/token-issuer';
import { keyFilesIn, loadConfig, type AppConfig } from '../src/config';
import { loadKeyring } from '../src/crypto/keyring';
import { locateDatabase } from '../src/db/database';
import { createLogger } from '../src/logger';
import { projectRoot } from '../src/project-root';
import { example } from '../test/harness/examples';
import { ensureData, loadStaff, spawnServer } from './harness';

/** Resident memory of a process, from /proc (Linux). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** The usual purpose of the token's role. */
function purposeOf(token: string): string {
  return ROLE_POLICIES[decodeJwt(token).role as Role].purposes.default;
}

async function requestsFor(config: AppConfig, pool: Pool) {
  const run = Date.now();
  // Members of the directory of their own per run, several of each role: budgets are per person per day.
  const tokens = async (role: 'manager' | 'analyst' | 'auditor', n: number) =>
    Promise.all((await loadStaff(pool, role, `soak-${role}-${run}`, n)).map((sub) => issueDevToken(config, { role, sub })));
  const [{ rm, id }] = (await pool.query<{ rm: string; id: string }>(`SELECT relationship_manager_id AS rm, id FROM customers WHERE relationship_manager_id IS NOT NULL LIMIT 1`)).rows;
  const managers = await tokens('manager', 20);
  const analysts = await tokens('analyst', 5);
  const auditors = await tokens('auditor', 5);
  const rep = await issueDevToken(config, { role: 'sales', sub: rm });
  // Budgets belong to the partner: thirty partners, not thirty tokens of one.
  const partners = await Promise.all(Array.from({ length: 30 }, (_, i) => issueRegisteredPartnerToken(pool, config, { partner: `soak-${i}`, scopes: ['customers:read'], ttl: '2h' })));
  const post = (token: string, query: string, variables?: Record<string, unknown>) => ({
    method: 'POST' as const,
    path: '/graphql',
    // Every request states its purpose: the role's usual one.
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': purposeOf(token) },
    body: JSON.stringify({ query, variables }),
  });
  const pick = <T>(list: T[], i: number) => list[i % list.length];
  const mix = [];
  for (let i = 0; i < 40; i += 1) {
    mix.push(post(pick(managers, i), example('CustomersWithContactsAndTransactions'), { first: 100 }));
    mix.push(post(rep, `query Own($id: ID!) { customer(id: $id) { id name phone email } }`, { id }));
    mix.push(post(pick(analysts, i), `{ customers(first: 50) { edges { node { id birthDate address annualIncome creditRating } } } }`));
    mix.push(post(pick(auditors, i), `{ auditLog(first: 20) { edges { node { seq principal { role } outcome } } } }`));
    mix.push(post(pick(partners, i), `{ me { role partnerId } }`));
  }
  return mix;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string' },
      connections: { type: 'string', default: '10' },
      customers: { type: 'string', default: '10000' },
      'data-dir': { type: 'string', default: path.join(projectRoot(), '.data', 'bench') },
    },
  });
  const config = { ...loadConfig(), dataDir: path.resolve(values['data-dir']) };
  const database = await locateDatabase(config, createLogger('warn'));
  const pool = new Pool({ connectionString: database.url, max: 2 });
  try {
    await ensureData(database.url, Number(values.customers), loadKeyring(keyFilesIn(config.dataDir)));
    const requests = await requestsFor(config, pool);
    const { server, url, kill } = await spawnServer(database.url, config.dataDir);
    try {
      const connections = Number(values.connections);
      const codes = new Map<string, number>();
      const count = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);
      const drive = (duration: number, overallRate?: number) =>
        autocannon({
          url,
          connections,
          duration,
          requests,
          ...(overallRate ? { overallRate } : {}),
          setupClient: (client) => {
            let chunks: Buffer[] = [];
            client.on('headers', () => (chunks = []));
            client.on('body', (chunk: Buffer) => chunks.push(chunk));
            client.on('response', (status: number) => {
              try {
                const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
                if (body.errors) for (const e of body.errors) count(String(e.extensions?.code ?? `HTTP_${status}`));
                else if (status >= 400) count(`HTTP_${status}`);
              } catch {
                count(`HTTP_${status}_NOT_JSON`);
              }
            });
          },
        });
      const calibration = await drive(10);
      const rate = values.rate ? Number(values.rate) : Math.max(1, Math.floor(calibration.requests.average * 0.8));
      codes.clear();
      // Warm-up minute, then the soak proper; memory measured after warm-up and at the end.
      await drive(60, rate);
      const rssWarm = rssMb(server.pid!);
      const minutes = Number(values.minutes);
      const result = await drive(Math.max(minutes * 60 - 60, 10), rate);
      const rssEnd = rssMb(server.pid!);
      const report = {
        date: new Date().toISOString(),
        minutes,
        calibratedMaxRequestsPerSecond: calibration.requests.average,
        rate,
        requests: result.requests.total,
        requestsPerSecond: result.requests.average,
        latencyP50ms: result.latency.p50,
        latencyP99ms: result.latency.p99,
        errorsByCode: Object.fromEntries(codes),
        transportErrors: result.errors,
        timeouts: result.timeouts,
        rssAfterWarmupMb: Number(rssWarm.toFixed(1)),
        rssEndMb: Number(rssEnd.toFixed(1)),
        rssGrowthPercent: Number((((rssEnd - rssWarm) / rssWarm) * 100).toFixed(1)),
      };
      console.log(JSON.stringify(report, null, 2));
      if (codes.size > 0 || result.errors > 0 || result.timeouts > 0) process.exitCode = 1;
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
      process.removeListener('exit', kill);
    }
  } finally {
    await pool.end();
    await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
