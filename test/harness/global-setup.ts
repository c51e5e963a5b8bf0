/**
 * One PostgreSQL for the whole run: the server at DATABASE_URL when set, otherwise an embedded
 * cluster in a temporary directory (in a helper process). A template database is migrated and
 * seeded once; each test file then gets its own copy (CREATE DATABASE ... TEMPLATE).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { migrateUp } from '../../src/db/migrate';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { loadKeyring } from '../../src/crypto/keyring';
import { seedDatabase } from '../../src/seed/seed';
import { templateDatabase, TEST_SEED, TEST_STAFF_ROLES, withDatabaseName } from './constants';

function startTestCluster(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'test-cluster.ts')], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.build.json' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => reject(new Error(`test PostgreSQL exited with ${code}`)));
  });
}

export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const cluster = await startTestCluster();
    (globalThis as Record<string, unknown>).__TEST_CLUSTER__ = cluster.child;
    serverUrl = cluster.url;
  }
  process.env.TEST_SERVER_URL = serverUrl;
  // Every temporary file of the run (keys, audit folders, CAs, browser profiles, exports) goes under
  // one directory that the teardown removes, whatever a test forgot: the workers inherit TMPDIR, so
  // os.tmpdir() is this directory there. 0711: a PostgreSQL running as another user reaches the
  // certificate files a TLS test hands it (through, never listing).
  const runTmp = mkdtempSync(path.join(os.tmpdir(), 'cr-test-run-'));
  chmodSync(runTmp, 0o711);
  process.env.TEST_RUN_TMPDIR = runTmp;
  process.env.TMPDIR = runTmp;
  process.env.TEST_RUN_ID = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
  process.env.AUTH_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
  process.env.NODE_ENV = 'test';
  // One set of sealing keys for the run: the template is sealed with them, every test server opens with them.
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'cr-keys-'));
  process.env.TEST_KEYS_DIR = keysDir;
  process.env.KEK_FILE = path.join(keysDir, 'kek.json');
  process.env.BLIND_INDEX_KEY_FILE = path.join(keysDir, 'blind-index-key');

  const admin = new Client({ connectionString: withDatabaseName(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await dropTestDatabases(admin, { staleOnly: true });
    await admin.query(`CREATE DATABASE ${templateDatabase()}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabaseName(serverUrl, templateDatabase());
  await migrateUp(templateUrl);
  const pool = new Pool({ connectionString: templateUrl, max: 2 });
  try {
    const keyring = loadKeyring({ kekFile: process.env.KEK_FILE!, blindIndexKeyFile: process.env.BLIND_INDEX_KEY_FILE! });
    await seedDatabase(pool, { keyring, customers: TEST_SEED.customers, seed: TEST_SEED.seed, now: TEST_SEED.now });
    await addTestPrincipals(pool);
  } finally {
    await pool.end();
  }
}

/**
 * One staff member per role with no relationship to any record (`test-<role>`): the principal a
 * test gets when it names only a role. The server serves only members of the directory.
 */
async function addTestPrincipals(pool: Pool): Promise<void> {
  await pool.query(
    `INSERT INTO staff (username, display_name, role, branch)
     SELECT 'test-' || r, 'Test ' || r, r, NULL FROM unnest($1::text[]) AS r`,
    [TEST_STAFF_ROLES],
  );
}

/** Removes the template and copies left over by an interrupted run. */
/** Runs older than this are over (or were interrupted): their databases may go. */
const STALE_MS = 6 * 3_600_000;

/** This run's databases, or (`staleOnly`) those left over by runs that started hours ago. */
export async function dropTestDatabases(admin: Client, options: { staleOnly?: boolean } = {}): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'cr\\_test\\_%'`);
  const runId = process.env.TEST_RUN_ID!;
  for (const { datname } of rows) {
    const run = datname.split('_')[2] ?? '';
    const started = parseInt(run.slice(0, -4), 36);
    const stale = !Number.isFinite(started) || Date.now() - started > STALE_MS;
    if (options.staleOnly ? stale : run === runId) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
}
