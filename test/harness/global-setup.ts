/**
 * One PostgreSQL for the whole run: the server at DATABASE_URL when set, otherwise an embedded
 * cluster in a temporary directory (in a helper process). A template database is migrated and
 * seeded once; each test file then gets its own copy (CREATE DATABASE ... TEMPLATE).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { migrateUp } from '../../src/db/migrate';
import { seedDatabase } from '../../src/seed/seed';
import { TEMPLATE_DATABASE, TEST_SEED, withDatabaseName } from './constants';

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
