/**
 * `npm start`: find or start PostgreSQL, migrate, seed demo data into an empty database,
 * serve, and on SIGINT/SIGTERM drain requests, close the pool and stop embedded PostgreSQL.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createTokenVerifier, principalDirectory } from './auth/verifier';
import { assertTransportSecurity, loadConfig, type AppConfig } from './config';
import { locateDatabase, type DatabaseLocation } from './db/database';
import { migrateUp } from './db/migrate';
import { createPool } from './db/pool';
import { appRoleFor } from './db/app-role';
import { whenDatabaseAnswers } from './db/availability';
import { startAudit } from './audit';
import { startAlertScheduler } from './governance/alert-rules';
import { createBudgetStore } from './budget/store';
import { createLogger, type Logger } from './logger';
import { seedIfEmpty } from './seed/seed';
import { attachKeyring, loadKeyring } from './crypto/keyring';
import { sealAtStart } from './crypto/seal-plaintext';
import { createHttpServer } from './server/app';
import { startComplaintJobs } from './notify/jobs';
import { systemClock } from './clock';
import { isClusterPrimary, runClusterPrimary } from './server/cluster';
import { buildAppSchema, buildDeclaredSchema } from '../schema';
import type { EnforcementOptions } from '../permissions';

export interface RunningServer {
  url: string;
  port: number;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** Switches for benchmarks only (bench/server.ts); the CLI entry point never passes them. */
export interface BenchSwitches {
  enforcement?: EnforcementOptions;
  /** false: leave the access register out, to measure what it costs. */
  accessRegister?: boolean;
  /** false: the declared schema with no policy at all (no plan, shield, masking, budgets, register). */
  policy?: boolean;
  /** 'graphql-js': execute without the JIT compiler, to measure what it gains. */
  executor?: 'jit' | 'graphql-js';
}

export async function startServer(config: AppConfig, log: Logger, switches: BenchSwitches = {}): Promise<RunningServer> {
  // Before anything starts: no database, migration or port for a server that must not serve.
  assertTransportSecurity(config);
  const started = Date.now();
  const database = await locateDatabase(config, log);
  try {
    return await serveOn(database, config, log, started, switches);
  } catch (error) {
    // Don't leave an embedded PostgreSQL running behind a server that never started.
    await database.stop().catch(() => undefined);
    throw error;
  }
}

async function serveOn(database: DatabaseLocation, config: AppConfig, log: Logger, started: number, switches: BenchSwitches): Promise<RunningServer> {
  // An existing server may still be starting (or briefly away): retry with backoff, and say so.
  const applied = await whenDatabaseAnswers(
    () => migrateUp(database.url),
    (attempt, delayMs) => log.warn({ attempt, retryInMs: delayMs }, 'database unreachable at start: retrying'),
  );
  if (applied.length) log.info({ applied }, 'migrations applied');
  const keyring = loadKeyring(config.keys);
  await sealAtStart(database.url, keyring, log);
  const connection = { role: await appRoleFor(database.url, log), statementTimeoutMs: config.statementTimeoutMs, waitMs: config.poolWaitMs };
  const pool = createPool(database.url, config.dbPoolMax, connection);
  attachKeyring(pool, keyring);
  pool.on('error', (error) => log.warn({ err: { code: (error as { code?: string }).code } }, 'idle database connection failed'));
  if (config.seedCustomers > 0) {
    const seeded = await seedIfEmpty(pool, { keyring, customers: config.seedCustomers, seed: 42 }, log);
    if (seeded) log.info(seeded, 'demo data seeded');
  }
  const audit = await startAudit(config, pool, log);
  // Alert rules and webhook deliveries on a schedule; several processes take turns (advisory lock, SKIP LOCKED).
  const alerts = startAlertScheduler(pool, {
    seconds: config.alerts.intervalSeconds,
    deliverySeconds: config.alerts.deliverySeconds,
    webhook: config.alerts.webhookUrl ? { url: config.alerts.webhookUrl, secret: config.alerts.webhookSecret } : undefined,
    clock: () => new Date(),
    onError: (error) => log.error({ err: { message: (error as Error).message } }, 'alert rules failed'),
  });
  // Counters get a small pool of their own whose commits do not wait for the disk: three of them
  // per sensitive request would otherwise each wait for a WAL flush.
  const counterPool = createPool(database.url, 4, { ...connection, asynchronousCommit: true });
  counterPool.on('error', (error) => log.warn({ err: { code: (error as { code?: string }).code } }, 'idle database connection failed'));
  const budgets = await createBudgetStore(config.redisUrl, counterPool);
  const { httpServer, stop } = await createHttpServer({
    config,
    log,
    pool,
    schema: switches.policy === false ? await buildDeclaredSchema() : await buildAppSchema(switches.enforcement),
    verifier: createTokenVerifier(config, principalDirectory(pool)),
    audit,
    budgets,
    accessRegister: switches.accessRegister,
    policy: switches.policy,
    executor: switches.executor,
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  // Customers' messages and escalations (issue 17): delivered from the outbox by every process, safely.
  const complaintJobs = startComplaintJobs({ pool, config, log, hashValue: audit.hashValue, clock: systemClock });
  const { port } = httpServer.address() as AddressInfo;
  const url = `${config.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, graphiql: `${url}/graphiql`, embeddedDatabase: database.embedded, ms: Date.now() - started }, 'listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    databaseUrl: database.url,
    stop() {
      stopping ??= (async () => {
        await stop();
        await alerts.stop();
        await complaintJobs.stop();
        await audit.stop();
        await budgets.close();
        log.info({ ...audit.writer.stats }, 'access register: records and batches committed');
        await counterPool.end();
        await pool.end();
        await database.stop();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (isClusterPrimary(config)) {
    await runClusterPrimary(config, log).catch((error) => {
      log.fatal({ err: error }, 'could not start');
      process.exit(1);
    });
    return;
  }
  let server: RunningServer;
  try {
    server = await startServer(config, log);
  } catch (error) {
    log.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
  const shutdown = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down: refusing new requests, finishing in-flight ones');
    server.stop().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
    // A second signal means "now".
    process.once(signal, () => process.exit(130));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) void main();
