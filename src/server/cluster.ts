/**
 * WORKERS > 1: the primary process finds (or starts) PostgreSQL, migrates and seeds once, then
 * forks that many server processes sharing the port (node:cluster), so one Node process's
 * single thread is not the ceiling. Everything a request relies on across processes already
 * lives in the database or Redis (budgets, the register's chain head, partner tokens); each
 * worker has its own pool, loaders and group commit.
 */
import cluster, { type Worker } from 'node:cluster';
import { Pool } from 'pg';
import { assertTransportSecurity, type AppConfig } from '../config';
import { whenDatabaseAnswers } from '../db/availability';
import { locateDatabase } from '../db/database';
import { migrateUp } from '../db/migrate';
import type { Logger } from '../logger';
import { seedIfEmpty } from '../seed/seed';
import { loadKeyring } from '../crypto/keyring';
import { sealAtStart } from '../crypto/seal-plaintext';
import { serveClusterMetrics } from './metrics';

export function isClusterPrimary(config: AppConfig): boolean {
  return config.workers > 1 && cluster.isPrimary;
}

/** Runs the primary until SIGINT/SIGTERM: workers drain and stop first, then the embedded database. */
export async function runClusterPrimary(config: AppConfig, log: Logger): Promise<void> {
  assertTransportSecurity(config); // each worker checks too; refused here, nothing is started or forked
  const database = await locateDatabase(config, log);
  try {
    await whenDatabaseAnswers(
      () => migrateUp(database.url),
      (attempt, delayMs) => log.warn({ attempt, retryInMs: delayMs }, 'database unreachable at start: retrying'),
    );
    const keyring = loadKeyring(config.keys);
    await sealAtStart(database.url, keyring, log);
    if (config.seedCustomers > 0) {
      const pool = new Pool({ connectionString: database.url, max: 2 });
      try {
        const seeded = await seedIfEmpty(pool, { keyring, customers: config.seedCustomers, seed: 42 }, log);
        if (seeded) log.info(seeded, 'demo data seeded');
      } finally {
        await pool.end();
      }
    }
  } catch (error) {
    await database.stop().catch(() => undefined);
    throw error;
  }

  let stopping = false;
  const listening = new WeakSet<Worker>();
  const fork = () => {
    const worker = cluster.fork({ DATABASE_URL: database.url });
    worker.once('listening', () => listening.add(worker));
    worker.once('exit', (code, signal) => {
      if (stopping) return;
      if (!listening.has(worker)) {
        // It never served: a bad setting or a taken port, which a restart would not mend.
        log.fatal({ pid: worker.process.pid, code, signal }, 'a worker failed to start: stopping');
        void stop(1);
        return;
      }
      log.error({ pid: worker.process.pid, code, signal }, 'a worker exited: starting another');
      fork();
    });
  };

  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM'); // each drains its requests and flushes its register
          }),
      ),
    );
    await database.stop();
    log.info('stopped');
    process.exit(exitCode);
  };

  // The port is shared: whichever worker takes a scrape asks here for the sum over all of them.
  if (config.metrics.enabled) serveClusterMetrics();
  for (let i = 0; i < config.workers; i++) fork();
  log.info({ workers: config.workers, embeddedDatabase: database.embedded }, 'cluster primary: workers starting');
  const onSignal = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down: workers finish in-flight requests');
    void stop(0);
    process.once(signal, () => process.exit(130)); // a second signal means "now"
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
