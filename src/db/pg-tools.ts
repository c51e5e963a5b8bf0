/**
 * pg_dump / pg_restore, when this machine has a pair at least as new as the server: pg_dump
 * refuses a newer server (the embedded PostgreSQL 18 against Debian's 15), so the backup falls
 * back to its built-in COPY format then (src/db/copy-backup.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PgTools {
  pgDump: string;
  pgRestore: string;
  /** Major version of both (`pg_dump --version`). */
  major: number;
  version: string;
}

async function versionOf(binary: string): Promise<{ major: number; version: string } | null> {
  try {
    const { stdout } = await run(binary, ['--version']);
    const match = /(\d+)(?:\.(\d+))?/.exec(stdout);
    return match ? { major: Number(match[1]), version: match[0] } : null;
  } catch {
    return null;
  }
}

/** Where to look: PG_DUMP / PG_RESTORE, the PATH, then Debian's versioned directories. */
function candidates(env: NodeJS.ProcessEnv): { pgDump: string; pgRestore: string }[] {
  const list: { pgDump: string; pgRestore: string }[] = [];
  if (env.PG_DUMP) list.push({ pgDump: env.PG_DUMP, pgRestore: env.PG_RESTORE ?? path.join(path.dirname(env.PG_DUMP), 'pg_restore') });
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (existsSync(path.join(dir, 'pg_dump'))) list.push({ pgDump: path.join(dir, 'pg_dump'), pgRestore: env.PG_RESTORE ?? path.join(dir, 'pg_restore') });
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const version of readdirSync(debian)) list.push({ pgDump: path.join(debian, version, 'bin', 'pg_dump'), pgRestore: path.join(debian, version, 'bin', 'pg_restore') });
  }
  return list;
}

/** The newest pg_dump/pg_restore pair whose major version is at least the server's (`server_version_num`), or null. */
export async function findPgTools(serverVersionNum: number, env: NodeJS.ProcessEnv = process.env): Promise<PgTools | null> {
  const serverMajor = Math.floor(serverVersionNum / 10_000);
  let best: PgTools | null = null;
  for (const candidate of candidates(env)) {
    const dump = await versionOf(candidate.pgDump);
    if (!dump || dump.major < serverMajor || (best && best.major >= dump.major)) continue;
    const restore = await versionOf(candidate.pgRestore);
    if (!restore || restore.major !== dump.major) continue;
    best = { ...candidate, ...dump };
  }
  return best;
}

/** `--dbname` for a client tool, with the password moved to PGPASSWORD (arguments are visible to every user in `ps`). */
export function connectionOf(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** Runs a PostgreSQL client tool against `url`; rejects with its stderr when it fails. Stdout goes to `stdout` when given. */
export function runTool(binary: string, url: string | null, args: string[], options: { stdout?: NodeJS.WritableStream } = {}): Promise<void> {
  const connection = url ? connectionOf(url) : null;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...(connection ? [`--dbname=${connection.dbname}`] : []), ...args], {
      stdio: ['ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'],
      env: { ...process.env, ...connection?.env },
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    if (options.stdout) child.stdout!.pipe(options.stdout, { end: false });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(binary)} exited with ${code}: ${stderr.trim().slice(0, 2000)}`))));
  });
}
