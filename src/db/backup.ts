/**
 * Backups that honour erasure (issue 15 item 6). One `npm run backup` takes, from one snapshot:
 *  - the data, without the key store (`pg_dump --exclude-schema=keystore`, or the built-in COPY
 *    format when no pg_dump is new enough for the server), into BACKUP_DIR, kept as long as the
 *    bank keeps backups;
 *  - the key store alone, into KEYSTORE_BACKUP_DIR, kept KEYSTORE_BACKUP_DAYS days (default 7):
 *    this command deletes older ones. An erased customer's key survives only in key-store backups
 *    younger than that; a restore uses the newest and re-applies every erasure it can learn of, so
 *    a customer erased after a data backup stays erased when that backup is restored.
 * Each backup is a directory with a manifest (format, snapshot, files with SHA-256), written under
 * a temporary name and renamed when complete.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import { copyOut, fileDigest, type BackupFile, type CopiedSequence, type CopiedTable } from './copy-backup';
import { findPgTools, runTool, type PgTools } from './pg-tools';

export const KEYSTORE_SCHEMA = 'keystore';
export type BackupKind = 'data' | 'keystore';
/** `pg_dump-custom`: one pg_dump archive; `copy-gzip`: one gzip COPY file per table (src/db/copy-backup.ts). */
export type BackupFormat = 'pg_dump-custom' | 'copy-gzip';

export interface BackupManifest {
  kind: BackupKind;
  id: string;
  format: BackupFormat;
  createdAt: string;
  /** The backup of the other kind taken from the same snapshot. */
  pairedWith: string;
  serverVersionNum: number;
  tool: string;
  /** Migrations applied in the backed-up database (a COPY backup restores into the same version only). */
  migrations: string[];
  files: BackupFile[];
  tables?: CopiedTable[];
  sequences?: CopiedSequence[];
  /** Key store backups: the KEKs its keys are wrapped under (a restore needs them in the key file). */
  kekIds?: string[];
}

export interface BackupSettings {
  dataDir: string;
  keystoreDir: string;
  keystoreDays: number;
  /** `auto`: pg_dump when one is new enough, otherwise COPY; `copy`: always the built-in format. */
  format: 'auto' | 'copy';
}

export function backupSettings(config: Pick<AppConfig, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): BackupSettings {
  const days = Number(env.KEYSTORE_BACKUP_DAYS ?? 7);
  if (!Number.isFinite(days) || days < 0) throw new Error('KEYSTORE_BACKUP_DAYS must be a number of days');
  const format = env.BACKUP_FORMAT ?? 'auto';
  if (format !== 'auto' && format !== 'copy') throw new Error('BACKUP_FORMAT must be auto or copy');
  return {
    dataDir: path.resolve(env.BACKUP_DIR ?? path.join(config.dataDir, 'backups', 'data')),
    keystoreDir: path.resolve(env.KEYSTORE_BACKUP_DIR ?? path.join(config.dataDir, 'backups', 'keystore')),
    keystoreDays: days,
    format,
  };
}

const MANIFEST = 'manifest.json';

export function readManifest(dir: string): BackupManifest {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) throw new Error(`${dir} is not a backup (no ${MANIFEST})`);
  return JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
}

/** Every file present with the size and SHA-256 the manifest names. */
export async function verifyBackup(dir: string): Promise<BackupManifest> {
  const manifest = readManifest(dir);
  for (const expected of manifest.files) {
    const actual = await fileDigest(path.join(dir, expected.name));
    if (actual.sha256 !== expected.sha256 || actual.bytes !== expected.bytes) throw new Error(`${path.join(dir, expected.name)} does not match the backup's manifest`);
  }
  return manifest;
}

/** Complete backups in a directory, oldest first. */
export function listBackups(dir: string): { dir: string; manifest: BackupManifest }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.') && existsSync(path.join(dir, name, MANIFEST)))
    .map((name) => ({ dir: path.join(dir, name), manifest: readManifest(path.join(dir, name)) }))
    .sort((a, b) => a.manifest.createdAt.localeCompare(b.manifest.createdAt) || a.manifest.id.localeCompare(b.manifest.id));
}

export interface BackupReport {
  format: BackupFormat;
  data: { dir: string; bytes: number };
  keystore: { dir: string; bytes: number; keys: number };
  /** Key-store backups older than KEYSTORE_BACKUP_DAYS, deleted. */
  deletedKeystoreBackups: string[];
  seconds: number;
}

const stampOf = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace('.', '');

async function chooseTools(settings: BackupSettings, serverVersionNum: number, log: Logger, env: NodeJS.ProcessEnv): Promise<PgTools | null> {
  if (settings.format === 'copy') return null;
  const tools = await findPgTools(serverVersionNum, env);
  if (!tools) {
    log.warn(
      { serverVersionNum },
      `no pg_dump at least as new as the server (PostgreSQL ${Math.floor(serverVersionNum / 10_000)}) on this machine (PG_DUMP, PATH, /usr/lib/postgresql): using the built-in backup format (COPY of every table, one gzip file each)`,
    );
  }
  return tools;
}

/** Backs up the data and the key store from one snapshot, then deletes key-store backups past their retention. */
export async function backup(url: string, settings: BackupSettings, log: Logger, options: { now?: Date; env?: NodeJS.ProcessEnv } = {}): Promise<BackupReport> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const id = stampOf(now);
  const snapshot = new Client({ connectionString: url, application_name: 'customer-records:backup' });
  await snapshot.connect();
  try {
    // One snapshot for both halves: a key rotated or destroyed in between cannot split them.
    await snapshot.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: [facts] } = await snapshot.query<{ snapshot: string; version: string }>(`SELECT pg_export_snapshot() AS snapshot, current_setting('server_version_num') AS version`);
    const serverVersionNum = Number(facts.version);
    const tools = await chooseTools(settings, serverVersionNum, log, options.env ?? process.env);
    const format: BackupFormat = tools ? 'pg_dump-custom' : 'copy-gzip';
    const migrations = (await snapshot.query<{ name: string }>(`SELECT name FROM schema_migrations ORDER BY id`)).rows.map((r) => r.name);
    const kekIds = (await snapshot.query<{ kek: string }>(`SELECT kek_id AS kek FROM keystore.customer_keys UNION SELECT history_kek_id FROM keystore.customer_keys ORDER BY 1`)).rows.map((r) => r.kek);
    const { rows: [{ keys }] } = await snapshot.query<{ keys: number }>(`SELECT count(*)::int AS keys FROM keystore.customer_keys`);
    const { rows: schemaRows } = await snapshot.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname NOT IN ('information_schema', $1) AND nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
      [KEYSTORE_SCHEMA],
    );
    const dataSchemas = schemaRows.map((r) => r.name);

    const take = async (kind: BackupKind, root: string): Promise<{ dir: string; bytes: number }> => {
      mkdirSync(root, { recursive: true, mode: 0o700 });
      const partial = path.join(root, `.${id}.partial`);
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { mode: 0o700 });
      let files: BackupFile[];
      let copied: { tables?: CopiedTable[]; sequences?: CopiedSequence[] } = {};
      if (tools) {
        const file = path.join(partial, `${kind}.dump`);
        const scope = kind === 'data' ? [`--exclude-schema=${KEYSTORE_SCHEMA}`] : [`--schema=${KEYSTORE_SCHEMA}`];
        await runTool(tools.pgDump, url, ['--format=custom', `--snapshot=${facts.snapshot}`, ...scope, `--file=${file}`]);
        chmodSync(file, 0o600);
        files = [await fileDigest(file)];
      } else {
        const out = await copyOut(snapshot, kind === 'data' ? dataSchemas : [KEYSTORE_SCHEMA], partial);
        files = out.files;
        copied = { tables: out.tables, sequences: out.sequences };
      }
      const manifest: BackupManifest = {
        kind, id, format, createdAt: now.toISOString(), pairedWith: id, serverVersionNum,
        tool: tools ? `pg_dump ${tools.version}` : 'built-in COPY (pg-copy-streams)',
        migrations, files, ...copied, ...(kind === 'keystore' ? { kekIds } : {}),
      };
      writeFileSync(path.join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
      const dir = path.join(root, id);
      renameSync(partial, dir);
      return { dir, bytes: files.reduce((sum, f) => sum + f.bytes, 0) };
    };
    const data = await take('data', settings.dataDir);
    const keystore = await take('keystore', settings.keystoreDir);
    await snapshot.query('COMMIT');
    const deletedKeystoreBackups = pruneKeystoreBackups(settings, now);
    log.info({ format, data: data.dir, keystore: keystore.dir, deletedKeystoreBackups }, 'backup taken');
    return { format, data, keystore: { ...keystore, keys }, deletedKeystoreBackups, seconds: (Date.now() - started) / 1000 };
  } finally {
    await snapshot.end();
  }
}

/** Deletes key-store backups older than the retention: an erased customer's key goes with them. */
export function pruneKeystoreBackups(settings: BackupSettings, now: Date): string[] {
  const limit = now.getTime() - settings.keystoreDays * 86_400_000;
  const deleted: string[] = [];
  for (const { dir, manifest } of listBackups(settings.keystoreDir)) {
    if (new Date(manifest.createdAt).getTime() < limit) {
      rmSync(dir, { recursive: true, force: true });
      deleted.push(path.basename(dir));
    }
  }
  // Leftovers of an interrupted backup (they may hold keys too).
  if (existsSync(settings.keystoreDir)) {
    for (const name of readdirSync(settings.keystoreDir)) {
      const full = path.join(settings.keystoreDir, name);
      if (name.endsWith('.partial') && statSync(full).mtimeMs < limit) rmSync(full, { recursive: true, force: true });
    }
  }
  return deleted;
}

/** A backup directory named by path, or by id inside the configured directory. */
export function locateBackup(reference: string, root: string): string {
  if (existsSync(path.join(reference, MANIFEST))) return path.resolve(reference);
  if (existsSync(path.join(root, reference, MANIFEST))) return path.join(root, reference);
  throw new Error(`no backup ${reference} (neither a backup directory nor one in ${root})`);
}
