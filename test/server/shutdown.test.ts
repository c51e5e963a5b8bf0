import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runningClusterPort } from '../../src/db/embedded';
import { Client } from 'pg';
import { issueDevToken } from '../../src/auth/token-issuer';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { spawnServer } from '../harness/process';

describe('Graceful shutdown', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  it('on SIGTERM finishes the in-flight request, refuses new ones, closes the pool and exits 0', async () => {
    const { child, exited, listening, output } = spawnServer({ DATABASE_URL: db.url });
    const url = await listening();
    const token = await issueDevToken(loadConfig(), { role: 'admin', sub: 'admin01' });
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    try {
      // Hold a lock so the request is provably still running when the signal arrives.
      await blocker.query('BEGIN; LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
      const inFlight = fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ customers(first: 2) { totalCount edges { node { id } } } }' }),
      });
      for (let waited = 0; ; waited += 50) {
        const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.name]);
        if (rows[0].n > 0) break;
        if (waited > 20_000) throw new Error('the request never reached the database');
        await new Promise((r) => setTimeout(r, 50));
      }

      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();

      await blocker.query('COMMIT');
      const response = await inFlight;
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: { customers: { edges: unknown[] } } };
      expect(body.data.customers.edges).toHaveLength(2);
      expect(await exited).toBe(0);
      expect(output()).toMatch(/"msg":"stopped"/);
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'customer-records'`, [db.name]);
      expect(rows[0].n).toBe(0);
    } finally {
      await blocker.end();
      child.kill('SIGKILL');
    }
  });
});

describe('npm start on the embedded PostgreSQL', () => {
  it('seeds an empty database, serves it, and on SIGINT stops the embedded PostgreSQL and exits 0', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-embedded-start-'));
    try {
      const { child, exited, listening, output } = spawnServer({ DATA_DIR: dataDir, SEED_CUSTOMERS: '25', DATABASE_URL: undefined });
      const url = await listening();
      expect(runningClusterPort(path.join(dataDir, 'pg'))).not.toBeNull();
      const token = await issueDevToken(loadConfig(), { role: 'admin', sub: 'admin01' });
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ customers(first: 1) { totalCount } }' }),
      });
      expect(((await response.json()) as { data: { customers: { totalCount: number } } }).data.customers.totalCount).toBe(25);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output()).toMatch(/"msg":"embedded PostgreSQL stopped"/);
      expect(runningClusterPort(path.join(dataDir, 'pg'))).toBeNull();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('A start that fails', () => {
  it('exits 1 and stops the embedded PostgreSQL it had started (here: the port is taken)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-failed-start-'));
    try {
      const { exited, output } = spawnServer({ DATA_DIR: dataDir, PORT: String(port), DATABASE_URL: undefined });
      const code = await exited;
      expect(code).toBe(1);
      expect(output()).toMatch(/embedded PostgreSQL started/);
      expect(output()).toMatch(/EADDRINUSE/);
      expect(runningClusterPort(path.join(dataDir, 'pg'))).toBeNull();
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
