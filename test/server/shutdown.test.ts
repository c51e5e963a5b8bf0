import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { clusterUrl, runningClusterPort } from '../../src/db/embedded';
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
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'administration' },
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
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'administration' },
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

/** What Ctrl-C in a terminal does: the signal goes to `npm start`'s whole process group. */
describe('A signal to the whole process group (Ctrl-C in a terminal)', () => {
  const query = async (url: string) => {
    const token = await issueDevToken(loadConfig(), { role: 'admin', sub: 'admin01' });
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'administration' },
      body: JSON.stringify({ query: '{ customers(first: 2) { edges { node { name phone } } } }' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { customers: { edges: unknown[] } } }).data.customers.edges).toHaveLength(2);
  };

  /** The access stream's head now: the last request's record, which the shutdown checkpoint must cover. */
  const accessHead = async (databaseUrl: string) => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ seq: string; hash: string }>(`SELECT seq::text, encode(hash, 'hex') AS hash FROM audit_chain_heads WHERE stream = 'access'`);
      return rows[0];
    } finally {
      await client.end();
    }
  };

  const checkpointsIn = (file: string) =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { stream: string; kind: string; seq: string; hash: string; signature: string }) : [];

  it.each(['SIGINT', 'SIGTERM'] as const)('embedded PostgreSQL: on %s to the group, signs the last checkpoint (covering the last request), stops PostgreSQL, exits 0', async (signal) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-group-signal-'));
    const pgDir = path.join(dataDir, 'pg');
    try {
      const { child, exited, listening, output } = spawnServer({ DATA_DIR: dataDir, SEED_CUSTOMERS: '5', DATABASE_URL: undefined }, { detached: true });
      try {
        const url = await listening();
        await query(url);
        const port = runningClusterPort(pgDir);
        expect(port).not.toBeNull();
        const head = await accessHead(clusterUrl(readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim(), port!));
        expect(Number(head.seq)).toBeGreaterThan(0);

        process.kill(-child.pid!, signal);
        expect(await exited).toBe(0);
        const log = output();
        expect(log).toMatch(/"msg":"embedded PostgreSQL stopped"/);
        expect(log).not.toMatch(/audit checkpoint failed|shutdown failed/);
        expect(runningClusterPort(pgDir)).toBeNull();
        // Written at shutdown (the periodic one is a minute away): the access head, with the last request in it.
        const written = checkpointsIn(path.join(dataDir, 'audit-checkpoints.ndjson'));
        expect(written).toContainEqual(expect.objectContaining({ stream: 'access', kind: 'HEAD', seq: head.seq, hash: head.hash }));
      } finally {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('SIGKILL (nothing to sign then): the embedded PostgreSQL does not outlive the server, and the next start serves', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-group-kill-'));
    const pgDir = path.join(dataDir, 'pg');
    try {
      const first = spawnServer({ DATA_DIR: dataDir, SEED_CUSTOMERS: '5', DATABASE_URL: undefined }, { detached: true });
      await query(await first.listening());
      expect(runningClusterPort(pgDir)).not.toBeNull();
      process.kill(-first.child.pid!, 'SIGKILL');
      expect(await first.exited).toBeNull();
      // A watchdog of its own group saw the server's end and stopped PostgreSQL (fast shutdown).
      for (let waited = 0; runningClusterPort(pgDir) !== null; waited += 100) {
        if (waited > 15_000) throw new Error('the embedded PostgreSQL outlived the killed server');
        await new Promise((r) => setTimeout(r, 100));
      }
      const second = spawnServer({ DATA_DIR: dataDir, SEED_CUSTOMERS: '5', DATABASE_URL: undefined }, { detached: true });
      await query(await second.listening());
      expect(second.output()).toMatch(/"msg":"embedded PostgreSQL started"/);
      process.kill(-second.child.pid!, 'SIGINT');
      expect(await second.exited).toBe(0);
      expect(runningClusterPort(pgDir)).toBeNull();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('DATABASE_URL: on SIGINT to the group, signs the last checkpoint in the database and exits 0', async () => {
    const db = await createTestDatabase();
    const auditDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-group-signal-url-'));
    try {
      const { child, exited, listening } = spawnServer({ DATABASE_URL: db.url, DATA_DIR: auditDir }, { detached: true });
      const url = await listening();
      await query(url);
      const head = await accessHead(db.url);
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      const { rows } = await db.pool.query(`SELECT seq::text, encode(hash, 'hex') AS hash FROM audit_checkpoints WHERE stream = 'access' AND kind = 'HEAD' ORDER BY id DESC LIMIT 1`);
      expect(rows[0]).toEqual(head);
      expect(checkpointsIn(path.join(auditDir, 'audit-checkpoints.ndjson'))).toContainEqual(expect.objectContaining({ stream: 'access', seq: head.seq }));
    } finally {
      rmSync(auditDir, { recursive: true, force: true });
      await db.drop();
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
