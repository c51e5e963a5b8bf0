/** Drops the test databases; stops the embedded cluster if this run started one. */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { withDatabaseName } from './constants';
import { dropTestDatabases } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  try {
    await stopDatabases();
  } finally {
    // The run's temporary directory (keys, audit folders, CAs, profiles: see global-setup), after
    // the embedded cluster that may keep its files there has stopped.
    if (process.env.TEST_KEYS_DIR) rmSync(process.env.TEST_KEYS_DIR, { recursive: true, force: true });
    if (process.env.TEST_RUN_TMPDIR) rmSync(process.env.TEST_RUN_TMPDIR, { recursive: true, force: true });
  }
}

async function stopDatabases(): Promise<void> {
  const cluster = (globalThis as Record<string, unknown>).__TEST_CLUSTER__ as ChildProcess | undefined;
  if (cluster) {
    const exited = new Promise((resolve) => cluster.once('exit', resolve));
    cluster.kill('SIGTERM');
    await exited;
    return;
  }
  const admin = new Client({ connectionString: withDatabaseName(process.env.TEST_SERVER_URL!, 'postgres') });
  await admin.connect();
  try {
    await dropTestDatabases(admin);
  } finally {
    await admin.end();
  }
}
