/**
 * TLS on the database hop (tracker issue 15, item 7): a throwaway PostgreSQL with ssl=on and a
 * server certificate from a CA made in this test; DATABASE_URL with sslmode=verify-full and
 * sslrootcert must be honoured by every way the app connects (TypeORM migrations, the request
 * and counter pools, the app-role check), and must refuse a server it cannot verify.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { appRoleFor } from '../../src/db/app-role';
import { createDataSource } from '../../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../src/db/embedded';
import { migrateUp } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { createTestCa, type TestCa } from '../harness/test-ca';

const SSL_IN_USE = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

/** As root the postmaster runs as the postgres OS user: the key must be its own (mode 0600), the directory passable. */
function readableByPostgres(dir: string, keyFile: string): void {
  chmodSync(dir, 0o711);
  if (os.userInfo().uid !== 0) return;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(keyFile, id('-u'), id('-g'));
}

/** The cluster's URL with another host and query string (the password and database kept). */
function urlFor(clusterUrl: string, host: string, query: Record<string, string>): string {
  const url = new URL(clusterUrl);
  url.hostname = host;
  url.search = new URLSearchParams(query).toString();
  return url.toString();
}

async function sslInUse(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ ssl: boolean }>(SSL_IN_USE)).rows[0].ssl;
  } finally {
    await client.end();
  }
}

/**
 * Whether a backend's connection is encrypted, asked as the superuser: pg_stat_ssl hides the
 * rows of sessions that act as a role (the pools' `SET ROLE`) from that role itself.
 */
async function sslOfBackend(url: string, pid: number): Promise<boolean> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = $1', [pid])).rows[0].ssl;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL over TLS (sslmode=verify-full)', () => {
  const log = createLogger('silent');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-pg-tls-'));
  let ca: TestCa;
  let otherCa: TestCa;
  let cluster: EmbeddedCluster;
  /** The server's certificate names `localhost` only. */
  let verified: string;
  let wrongCa: string;

  beforeAll(async () => {
    ca = await createTestCa('pg');
    otherCa = await createTestCa('pg-other');
    const certificate = await ca.issue('postgres', { dns: ['localhost'] });
    readableByPostgres(ca.dir, certificate.keyFile);
    chmodSync(otherCa.dir, 0o711);
    cluster = await startEmbeddedPostgres({
      dataDir,
      log,
      settings: { listen_addresses: 'localhost', ssl: 'on', ssl_cert_file: certificate.certFile, ssl_key_file: certificate.keyFile },
    });
    verified = urlFor(cluster.url, 'localhost', { sslmode: 'verify-full', sslrootcert: ca.certFile });
    wrongCa = urlFor(cluster.url, 'localhost', { sslmode: 'verify-full', sslrootcert: otherCa.certFile });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    ca?.remove();
    otherCa?.remove();
  });

  it('connects with verify-full and the test CA, over TLS', async () => {
    expect(await sslInUse(verified)).toBe(true);
  });

  it('refuses a server whose certificate another CA signed', async () => {
    await expect(sslInUse(wrongCa)).rejects.toThrow(/self[- ]signed|unable to (verify|get)|certificate/i);
  });

  it('refuses a server whose certificate does not name the host connected to (127.0.0.1 vs localhost)', async () => {
    const mismatch = urlFor(cluster.url, '127.0.0.1', { sslmode: 'verify-full', sslrootcert: ca.certFile });
    await expect(sslInUse(mismatch)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('verifies with sslmode=require too (node-postgres reads it as verify-full unless uselibpqcompat=true)', async () => {
    const requireWrongCa = urlFor(cluster.url, 'localhost', { sslmode: 'require', sslrootcert: otherCa.certFile });
    await expect(sslInUse(requireWrongCa)).rejects.toThrow(/self[- ]signed|unable to (verify|get)|certificate/i);
  });

  it("carries the TLS settings through the app's own connections: migrations, request and counter pools, app-role check", async () => {
    // Refused by every path when the server cannot be verified (a path that dropped the settings would connect in clear).
    await expect(migrateUp(wrongCa)).rejects.toThrow();
    await expect(appRoleFor(wrongCa, log)).rejects.toThrow();
    const refusedPool = createPool(wrongCa, 1, { waitMs: 5_000 });
    await expect(refusedPool.query('SELECT 1')).rejects.toThrow();
    await refusedPool.end();

    // And over TLS, verified, when it can.
    expect((await migrateUp(verified)).length).toBeGreaterThan(0);
    const role = await appRoleFor(verified, log);
    const dataSource = createDataSource(verified);
    await dataSource.initialize();
    try {
      expect((await dataSource.query(SSL_IN_USE))[0].ssl).toBe(true);
    } finally {
      await dataSource.destroy();
    }
    for (const options of [{ role, statementTimeoutMs: 10_000 }, { role, asynchronousCommit: true }]) {
      const pool = createPool(verified, 2, options);
      // As main.ts does: pool.end() resolves before its sockets close, and the cluster stopping
      // right after (afterAll) may still reach one; that is not a failure of this test.
      pool.on('error', () => undefined);
      try {
        const { pid } = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0];
        expect(await sslOfBackend(verified, pid)).toBe(true);
        expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBeGreaterThan(0);
      } finally {
        await pool.end();
      }
    }
  });
});
