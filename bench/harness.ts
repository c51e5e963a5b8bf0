/** Plumbing the benchmarks share: the seeded database and the compiled server in its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Pool } from 'pg';
import { migrateUp } from '../src/db/migrate';
import { projectRoot } from '../src/project-root';
import { seedDatabase } from '../src/seed/seed';

export const SERVER = path.join(projectRoot(), 'dist', 'bench', 'server.js');

export async function ensureData(url: string, customers: number): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    await migrateUp(url);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customers');
    if (rows[0].n === customers) return;
    const report = await seedDatabase(pool, { customers, seed: 42, reset: true });
    console.log(`seeded ${report.customers} customers, ${report.transactions} transactions in ${(report.ms / 1000).toFixed(1)} s`);
  } finally {
    await pool.end();
  }
}

export interface SpawnedServer {
  server: ChildProcess;
  url: string;
  /** Everything the server printed so far (its JSON log). */
  output(): string;
  kill(): void;
}

/** Starts the compiled server in production mode on `databaseUrl`; resolves once it listens. */
export async function spawnServer(databaseUrl: string, dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<SpawnedServer> {
  const server = spawn(process.execPath, [SERVER, ...args], {
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, PORT: '0', SEED_CUSTOMERS: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = () => server.kill('SIGKILL');
  process.once('exit', kill);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { server, url, output: () => output, kill };
}
