/**
 * One PostgreSQL for the whole run: the server at DATABASE_URL when set, otherwise an embedded
 * cluster in a temporary directory. A template database is migrated and seeded once; each
 * test file then gets its own copy (CREATE DATABASE ... TEMPLATE), so files never share rows.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { migrateUp } from '../../src/db/migrate';
import { seedDatabase } from '../../src/seed/seed';
import { createLogger } from '../../src/logger';
import { TEMPLATE_DATABASE, TEST_SEED, withDatabaseName } from './constants';

export default async function globalSetup(): Promise<void> {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-test-'));
    // A throwaway cluster: durability off makes CREATE DATABASE and inserts fast.
    const cluster = await startEmbeddedPostgres({
      dataDir,
      log,
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200' },
    });
    (globalThis as Record<string, unknown>).__EMBEDDED__ = { cluster, dataDir };
    serverUrl = cluster.url;
  }
  process.env.TEST_SERVER_URL = serverUrl;
  process.env.AUTH_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
  process.env.NODE_ENV = 'test';

  const admin = new Client({ connectionString: withDatabaseName(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await dropTestDatabases(admin);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabaseName(serverUrl, TEMPLATE_DATABASE);
  await migrateUp(templateUrl);
  const pool = new Pool({ connectionString: templateUrl, max: 2 });
  try {
    await seedDatabase(pool, { customers: TEST_SEED.customers, seed: TEST_SEED.seed, now: TEST_SEED.now });
  } finally {
    await pool.end();
  }
}

/** Removes the template and copies left over by an interrupted run. */
export async function dropTestDatabases(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'cr\\_test\\_%' OR datname = $1`, [TEMPLATE_DATABASE]);
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
}
