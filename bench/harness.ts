/** Plumbing the benchmarks share: the seeded database and the compiled server in its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { migrateUp } from '../src/db/migrate';
import { projectRoot } from '../src/project-root';
import { seedDatabase } from '../src/seed/seed';
import type { Keyring } from '../src/crypto/keyring';
import { sealPlaintext } from '../src/crypto/seal-plaintext';

export const SERVER = path.join(projectRoot(), 'dist', 'bench', 'server.js');

/** Migrates and seeds `customers` (deterministically) unless already there; says what the data is. */
export async function ensureData(url: string, customers: number, keyring: Keyring): Promise<{ customers: number; transactions: number }> {
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    await migrateUp(url);
    await sealPlaintext(pool, keyring);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customers');
    if (rows[0].n !== customers) {
      const report = await seedDatabase(pool, { keyring, customers, seed: 42, reset: true });
      console.error(`seeded ${report.customers} customers, ${report.transactions} transactions in ${(report.ms / 1000).toFixed(1)} s`);
    }
    const [counts] = (await pool.query<{ customers: number; transactions: number }>('SELECT (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM transactions) AS transactions')).rows;
    return counts;
  } finally {
    await pool.end();
  }
}

/**
 * `count` staff members of one role for a load run (`<prefix>-<i>`, added to the directory when
 * missing): the server serves only members, and budgets are per person per day, so a run spreads
 * its requests over many. Returns their usernames (a token's subject may be the username).
 */
export async function loadStaff(pool: Pool, role: string, prefix: string, count: number): Promise<string[]> {
  const usernames = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await pool.query(
    `INSERT INTO staff (username, display_name, role) SELECT u, u, $2 FROM unnest($1::text[]) AS u ON CONFLICT (username) DO NOTHING`,
    [usernames, role],
  );
  return usernames;
}

export interface SpawnedServer {
  server: ChildProcess;
  url: string;
  /** Everything the server printed so far (its JSON log). */
  output(): string;
  kill(): void;
}

/** Spawns a server that prints {"url": …} once it listens; resolves then. */
function spawnListening(command: string, args: string[], env: NodeJS.ProcessEnv, name: string): Promise<SpawnedServer> {
  const server = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => server.kill('SIGKILL');
  process.once('exit', kill);
  let output = '';
  return new Promise<SpawnedServer>((resolve, reject) => {
    server.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) resolve({ server, url: match[1], output: () => output, kill });
    });
    server.on('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

/** Starts the compiled server in production mode on `databaseUrl`; resolves once it listens. */
/** `nodeArgs`: options for node itself (`--cpu-prof`, which NODE_OPTIONS does not accept). */
export function spawnServer(databaseUrl: string, dataDir: string, args: string[] = [], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<SpawnedServer> {
  return spawnListening(
    process.execPath,
    [...nodeArgs, SERVER, ...args],
    { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, PORT: '0', SEED_CUSTOMERS: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...env },
    'server',
  );
}

/**
 * PostGraphile v5 (the peer) needs Node 22; the machines run 20, so the binary comes from the
 * npm package node@22 through npx (downloaded once into npm's cache). Spawned directly: a signal
 * to npx does not reach the process it started.
 */
export async function node22(): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) =>
    execFile('npx', ['-y', '-p', 'node@22', 'node', '-p', 'process.execPath'], { timeout: 180_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim().split('\n').pop()!),
    ),
  );
}

/**
 * PostGraphile lives in bench/peer's own package (its Node 22 requirement would otherwise warn on
 * every `npm install` of the project): installed there from its lockfile the first time the peer runs.
 */
async function installPeer(peerDir: string): Promise<void> {
  if (existsSync(path.join(peerDir, 'node_modules', 'postgraphile', 'package.json'))) return;
  const { execFile } = await import('node:child_process');
  console.error('installing the PostGraphile peer into bench/peer/node_modules (npm ci, once)');
  await new Promise<void>((resolve, reject) =>
    execFile('npm', ['ci', '--prefix', peerDir, '--no-audit', '--no-fund', '--engine-strict=false'], { timeout: 600_000 }, (error) => (error ? reject(error) : resolve())),
  );
}

export async function spawnPeer(databaseUrl: string, nodeBinary: string): Promise<SpawnedServer> {
  const peerDir = path.join(projectRoot(), 'bench', 'peer');
  await installPeer(peerDir);
  const script = path.join(peerDir, 'postgraphile.mjs');
  return spawnListening(nodeBinary, [script], { ...process.env, DATABASE_URL: databaseUrl, PORT: '0' }, 'PostGraphile');
}

/** Stops a spawned server and waits for it to be gone. */
export async function stopServer(spawned: SpawnedServer): Promise<void> {
  const { server } = spawned;
  if (server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await gone;
  }
  process.removeListener('exit', spawned.kill);
}
