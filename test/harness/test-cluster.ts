/**
 * Runs the throwaway embedded PostgreSQL of a test run in its own process (jest's globalSetup
 * cannot load ES-module-only packages). Prints the URL as one JSON line; stops the cluster
 * and removes its directory on SIGTERM or when its parent goes away.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'customer-records-test-'));
  const cluster = await startEmbeddedPostgres({
    dataDir,
    log: createLogger('warn'),
    // Durability off: a throwaway cluster, and CREATE DATABASE ... TEMPLATE gets fast.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200' },
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cluster.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop); // the test runner died
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: cluster.url })}\n`);
}

void main();
