/**
 * `npm run restore`: a data backup into an empty database, then the key store from a key-store
 * backup (by default the newest), then every erasure re-applied — the deletion records of the
 * restored data, of the live database (`--live`) and a list (`--erasures`) — so that a customer
 * erased after the data backup was taken cannot be read back from it.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Client, escapeIdentifier, type ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from '../logger';
import type { Keyring } from '../crypto/keyring';
import { restoreKeys, type KeyRestoreReport } from '../crypto/restore-keys';
import { KEYSTORE_SCHEMA, listBackups, verifyBackup, type BackupManifest, type BackupSettings } from './backup';
import { copyIn } from './copy-backup';
import { migrateUp } from './migrate';
import { findPgTools, runTool } from './pg-tools';

/** The erasure flow's table (built with it): one row per erased customer, `customer_id`. */
export const DELETION_RECORDS = 'deletion_records';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RestoreOptions {
  /** A data backup directory. */
  data: string;
  /** A key-store backup directory (default: the newest in the settings' key-store directory). */
  keys?: string;
  /** An empty database. */
  into: string;
  /** Customer ids erased (from `--erasures <file>`: one id a line, or a JSON array). */
  erasures?: string[];
  /** The live database, to read its deletion records. */
  liveUrl?: string;
  /**
   * The operator states that neither the live database nor a list of the erasures since the backup
   * is to be had: a customer erased after the newest key-store backup would then open again.
   * Without it (or `liveUrl` / `erasures`) a restore refuses.
   */
  withoutLiveErasures?: boolean;
  keyring: Keyring;
  settings: BackupSettings;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface RestoreReport {
  data: { id: string; format: string; createdAt: string };
  keystore: { id: string; createdAt: string; pairedBackup: string | null } & KeyRestoreReport;
  erasures: { restoredDeletionRecords: number; liveDeletionRecords: number; listed: number; erasedStatus: number; customers: number };
  seconds: number;
}

/** Reads an erasure list: one customer id a line (# comments allowed), or a JSON array of ids. */
export function readErasureList(file: string): string[] {
  const text = readFileSync(file, 'utf8').trim();
  const ids = text.startsWith('[') ? (JSON.parse(text) as string[]) : text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  const bad = ids.filter((id) => !UUID.test(id));
  if (bad.length) throw new Error(`${file}: not customer ids: ${bad.slice(0, 3).join(', ')}`);
  return ids.map((id) => id.toLowerCase());
}

async function deletionRecords(client: ClientBase): Promise<string[] | null> {
  const { rows: [{ present }] } = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [DELETION_RECORDS]);
  if (!present) return null;
  return (await client.query<{ id: string }>(`SELECT DISTINCT customer_id::text AS id FROM ${DELETION_RECORDS} WHERE customer_id IS NOT NULL`)).rows.map((r) => r.id);
}

/** The `COPY … FROM stdin;` block of the key table in a pg_dump archive, as pg_restore prints it. */
async function keyRowsOfArchive(pgRestore: string, archive: string): Promise<{ columns: string[]; text: string }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await runTool(pgRestore, null, ['--data-only', `--schema=${KEYSTORE_SCHEMA}`, '--table=customer_keys', '--file=-', archive], { stdout: sink });
  const script = Buffer.concat(chunks).toString('utf8');
  const match = /^COPY keystore\.customer_keys \(([^)]*)\) FROM stdin;\n([\s\S]*?)^\\\.$/m.exec(script);
  if (!match) throw new Error(`${archive}: no key rows found`);
  return { columns: match[1].split(',').map((c) => c.trim().replace(/^"|"$/g, '')), text: match[2] };
}

/** Loads a key-store backup's rows into a temporary table shaped like keystore.customer_keys. */
async function loadKeyBackup(client: ClientBase, dir: string, manifest: BackupManifest, table: string, pgRestore: string | null): Promise<void> {
  await client.query(`CREATE TEMPORARY TABLE ${table} (LIKE keystore.customer_keys) ON COMMIT DROP`);
  if (manifest.format === 'copy-gzip') {
    const entry = manifest.tables!.find((t) => t.schema === KEYSTORE_SCHEMA && t.table === 'customer_keys');
    if (!entry) throw new Error(`${dir}: no key table in the backup`);
    await pipeline(createReadStream(path.join(dir, entry.file)), createGunzip(), client.query(copyFrom(`COPY ${table} (${entry.columns.map(escapeIdentifier).join(', ')}) FROM STDIN`)));
  } else {
    if (!pgRestore) throw new Error(`${dir} was made by pg_dump: restoring it needs pg_restore (PG_RESTORE)`);
    const { columns, text } = await keyRowsOfArchive(pgRestore, path.join(dir, manifest.files[0].name));
    await pipeline(Readable.from([text]), client.query(copyFrom(`COPY ${table} (${columns.map(escapeIdentifier).join(', ')}) FROM STDIN`)));
  }
}

export async function restore(options: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  const { settings, log, keyring } = options;
  const data = await verifyBackup(options.data);
  if (data.kind !== 'data') throw new Error(`${options.data} is a ${data.kind} backup, not a data backup`);
  const kept = listBackups(settings.keystoreDir);
  const keysDir = options.keys ?? kept.at(-1)?.dir;
  if (!keysDir) throw new Error(`no key-store backup in ${settings.keystoreDir}: name one with --keys`);
  const keys = await verifyBackup(keysDir);
  if (keys.kind !== 'keystore') throw new Error(`${keysDir} is not a key-store backup`);
  const pairedEntry = keys.id === data.pairedWith ? null : kept.find((b) => b.manifest.id === data.pairedWith) ?? null;
  if (pairedEntry) await verifyBackup(pairedEntry.dir);
  const missingKeks = (keys.kekIds ?? []).filter((id) => !keyring.provider.kekIds().includes(id));
  if (missingKeks.length) log.warn({ missingKeks }, 'the key-store backup has keys wrapped under KEKs the key file no longer has: those customers will not open');

  const client = new Client({ connectionString: options.into, application_name: 'customer-records:restore' });
  await client.connect();
  try {
    const { rows: [target] } = await client.query<{ tables: number; version: string }>(
      `SELECT (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%') AS tables,
              current_setting('server_version_num') AS version`,
    );
    if (target.tables > 0) throw new Error('--into must name an empty database (it has tables)');
    // Fail closed: the restored data and key store know only the erasures made before they were taken.
    if (!options.liveUrl && !options.erasures && !options.withoutLiveErasures) {
      throw new Error(
        'a restore re-applies the erasures made since the backup: give --live <url of the live database> or --erasures <file> ' +
          '(the deletion records since then), or --without-live-erasures if neither exists — a customer erased after the newest key-store backup would then be readable again',
      );
    }
    if (options.withoutLiveErasures && !options.liveUrl && !options.erasures) {
      log.warn('restoring without the erasures made since the backup: customers erased after the key-store backup open again until erased anew');
    }
    const needsPgRestore = data.format === 'pg_dump-custom' || keys.format === 'pg_dump-custom' || pairedEntry?.manifest.format === 'pg_dump-custom';
    const tools = needsPgRestore ? await findPgTools(Number(target.version), options.env ?? process.env) : null;
    if (needsPgRestore && !tools) throw new Error('this backup was made by pg_dump: restoring it needs pg_restore at least as new as the target server (PG_RESTORE, PATH)');

    // 1. The data.
    if (data.format === 'pg_dump-custom') {
      await runTool(tools!.pgRestore, options.into, ['--no-owner', '--exit-on-error', path.join(options.data, data.files[0].name)]);
    } else {
      await migrateUp(options.into);
      const applied = (await client.query<{ name: string }>(`SELECT name FROM schema_migrations ORDER BY id`)).rows.map((r) => r.name);
      if (JSON.stringify(applied) !== JSON.stringify(data.migrations)) {
        throw new Error(`the backup is of another version (migrations ${data.migrations.at(-1)}; this one ${applied.at(-1)}): restore it with the version that made it`);
      }
      await copyIn(client, options.data, data.tables!, data.sequences!);
    }
    // 2. The key store's definition (a COPY restore has it from the migrations).
    const { rows: [{ present }] } = await client.query<{ present: boolean }>(`SELECT to_regclass('keystore.customer_keys') IS NOT NULL AS present`);
    if (!present) {
      if (keys.format !== 'pg_dump-custom') throw new Error('the restored data has no key store and the key-store backup is not a pg_dump archive: use the key-store backup taken with the data');
      await runTool(tools!.pgRestore, options.into, ['--no-owner', '--exit-on-error', '--schema-only', path.join(keysDir, keys.files[0].name)]);
    }

    // 3. Erasures: deletion records here, in the live database, a list; customers already ERASED.
    const restoredRecords = (await deletionRecords(client)) ?? [];
    let liveRecords: string[] = [];
    if (options.liveUrl) {
      const live = new Client({ connectionString: options.liveUrl, application_name: 'customer-records:restore' });
      await live.connect();
      try {
        const found = await deletionRecords(live);
        if (found === null) log.warn('the live database has no deletion records table: only the restored one and --erasures are applied');
        liveRecords = found ?? [];
      } finally {
        await live.end();
      }
    }
    const listed = options.erasures ?? [];
    const erasedStatus = (await client.query<{ id: string }>(`SELECT id::text FROM customers WHERE status = 'ERASED'`)).rows.map((r) => r.id);
    const erased = [...new Set([...restoredRecords, ...liveRecords, ...listed, ...erasedStatus])];

    // 4. The keys, without the erased ones, in one transaction.
    await client.query('BEGIN');
    let keyReport: KeyRestoreReport;
    try {
      const { rows: [{ n }] } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM keystore.customer_keys`);
      if (n > 0) throw new Error('the restored key store is not empty');
      await loadKeyBackup(client, keysDir, keys, 'restore_keys_chosen', tools?.pgRestore ?? null);
      if (pairedEntry) await loadKeyBackup(client, pairedEntry.dir, pairedEntry.manifest, 'restore_keys_paired', tools?.pgRestore ?? null);
      keyReport = await restoreKeys(client, keyring, 'restore_keys_chosen', pairedEntry ? 'restore_keys_paired' : null, erased);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const report: RestoreReport = {
      data: { id: data.id, format: data.format, createdAt: data.createdAt },
      keystore: { id: keys.id, createdAt: keys.createdAt, pairedBackup: pairedEntry?.manifest.id ?? null, ...keyReport },
      erasures: { restoredDeletionRecords: restoredRecords.length, liveDeletionRecords: liveRecords.length, listed: listed.length, erasedStatus: erasedStatus.length, customers: erased.length },
      seconds: (Date.now() - started) / 1000,
    };
    if (keyReport.unreadable > 0) log.warn({ unreadable: keyReport.unreadable }, 'some customers\' values open under no key available');
    log.info(report, 'restored');
    return report;
  } finally {
    await client.end();
  }
}
