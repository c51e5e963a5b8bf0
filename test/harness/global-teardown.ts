/** Drops the test databases and stops the embedded cluster, if this run started one. */
import { rmSync } from 'node:fs';
import { Client } from 'pg';
import type { EmbeddedCluster } from '../../src/db/embedded';
import { withDatabaseName } from './constants';
import { dropTestDatabases } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as Record<string, unknown>).__EMBEDDED__ as { cluster: EmbeddedCluster; dataDir: string } | undefined;
  if (embedded) {
    await embedded.cluster.stop();
    rmSync(embedded.dataDir, { recursive: true, force: true });
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
