import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { runningClusterPort, startEmbeddedPostgres, type EmbeddedCluster } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';

async function scalar(url: string, sql: string): Promise<unknown> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(sql)).rows[0] ?? {})[0];
  } finally {
    await client.end();
  }
}

describe('Embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-embedded-'));
  const log = createLogger('silent');
  let first: EmbeddedCluster | undefined;

  afterAll(async () => {
    await first?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('initialises a real server on first start, listening on loopback only, with a password kept private', async () => {
    first = await startEmbeddedPostgres({ dataDir, log });
    expect(await scalar(first.url, 'SHOW server_version_num')).toMatch(/^\d{6}$/);
    expect(await scalar(first.url, 'SHOW listen_addresses')).toBe('127.0.0.1');
    expect(statSync(path.join(dataDir, 'pg-password')).mode & 0o077).toBe(0);
    await scalar(first.url, 'CREATE TABLE kept (v text)');
    await scalar(first.url, `INSERT INTO kept VALUES ('across restarts')`);
  });

  it('lets a second process attach to the running cluster instead of starting another', async () => {
    const second = await startEmbeddedPostgres({ dataDir, log });
    expect(second.url).toBe(first!.url);
    await second.stop(); // not ours to stop: a no-op
    expect(await scalar(first!.url, 'SELECT 1')).toBe(1);
  });

  it('starts with a data directory inside a private (0700) directory, as a checkout made by mktemp -d', async () => {
    const privateDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-private-'));
    chmodSync(privateDir, 0o700);
    const cluster = await startEmbeddedPostgres({ dataDir: path.join(privateDir, 'data'), log });
    try {
      expect(await scalar(cluster.url, 'SELECT 1')).toBe(1);
    } finally {
      await cluster.stop();
      rmSync(privateDir, { recursive: true, force: true });
    }
  });

  it('stops on request and keeps the data for the next start', async () => {
    await first!.stop();
    first = undefined;
    expect(runningClusterPort(path.join(dataDir, 'pg'))).toBeNull();
    first = await startEmbeddedPostgres({ dataDir, log });
    expect(await scalar(first.url, 'SELECT v FROM kept')).toBe('across restarts');
  });
});
