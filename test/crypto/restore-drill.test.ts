import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { operatorContext } from '../../src/cli/operator-context';
import { destroyCustomerKeys } from '../../src/crypto/erasure-keys';
import { attachKeyring } from '../../src/crypto/keyring';
import { clearSealedValues } from '../../src/crypto/restore-keys';
import { rotateDataKeys } from '../../src/crypto/rotation';
import { backup, readManifest, type BackupSettings } from '../../src/db/backup';
import { findPgTools, runTool } from '../../src/db/pg-tools';
import { restore } from '../../src/db/restore';
import { appRoleFor } from '../../src/db/app-role';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { clearRowsOf } from '../harness/clear-rows';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { startTestServer, type TestServer } from '../harness/server';

const run = promisify(execFile);
const log = createLogger('silent');

/**
 * The restore drill (issue 15 item 6): back up, erase customer X, restore the old backup into a
 * fresh database → X's sealed fields open under no key while everyone else's do. Run for the
 * backup as `npm run backup` takes it here (pg_dump when one is new enough for the server, the
 * built-in COPY format otherwise) and for the built-in format forced: both give the same guarantees.
 */
describe('Backups that honour erasure', () => {
  let server: TestServer;
  let dir: string;
  const databases: TestDatabase[] = [];
  const sql = async <T = any>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  let pgDumpUsable: boolean;
  let truth: Record<'customers' | 'transactions' | 'contacts', Record<string, any>[]>;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'cr-backups-'));
    const [{ version }] = await sql<{ version: string }>(`SELECT current_setting('server_version_num') AS version`);
    pgDumpUsable = (await findPgTools(Number(version))) !== null;
    truth = {
      customers: await server.clearRows('customers', 'TRUE', [], 'ORDER BY t.id'),
      transactions: await server.clearRows('transactions', 'TRUE', [], 'ORDER BY t.id'),
      contacts: await server.clearRows('contacts', 'TRUE', [], 'ORDER BY t.id'),
    };
  });

  afterAll(async () => {
    for (const db of databases) await db.drop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const settingsFor = (name: string, format: BackupSettings['format']): BackupSettings => ({
    dataDir: path.join(dir, name, 'data'), keystoreDir: path.join(dir, name, 'keystore'), keystoreDays: 7, format,
  });
  const emptyDatabase = async () => {
    const db = await createTestDatabase({ empty: true });
    databases.push(db);
    return db;
  };

  /** Every byte of a data backup as text: pg_dump archives through pg_restore (decompressed), COPY files gunzipped. */
  async function backupText(backupDir: string): Promise<string> {
    const manifest = readManifest(backupDir);
    const parts = manifest.files.map((f) => readFileSync(path.join(backupDir, f.name)));
    if (manifest.format === 'copy-gzip') return parts.map((p) => gunzipSync(p).toString('utf8')).join('\n');
    const [{ version }] = await sql<{ version: string }>(`SELECT current_setting('server_version_num') AS version`);
    const tools = (await findPgTools(Number(version)))!;
    const chunks: Buffer[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (chunks.push(chunk), done()) });
    await runTool(tools.pgRestore, null, ['--file=-', path.join(backupDir, manifest.files[0].name)], { stdout: sink });
    return `${Buffer.concat(chunks).toString('utf8')}\n${parts.map((p) => p.toString('latin1')).join('\n')}`;
  }

  /** `text.includes(value)` for many values at once: every window of digit runs, by the lengths asked for. */
  const windows = new WeakMap<object, Set<string>>();
  const textKey = new Map<string, object>();
  function found(text: string, value: string): boolean {
    if (!/^[0-9X]+$/.test(value)) return text.includes(value);
    let key = textKey.get(text);
    if (!key) textKey.set(text, (key = {}));
    let set = windows.get(key);
    if (!set) {
      set = new Set();
      const lengths = [...new Set(Object.values(truth).flatMap((rows) => rows.flatMap((r) => Object.values(r))).filter((v): v is string => typeof v === 'string' && /^[0-9X]{8,}$/.test(v)).map((v) => v.length))];
      for (const [run] of text.matchAll(/[0-9X]{8,}/g)) {
        for (const length of lengths) for (let i = 0; i + length <= run.length; i++) set.add(run.slice(i, i + length));
      }
      windows.set(key, set);
    }
    return set.has(value);
  }

  /** Customers erased by earlier tests of this file (their live values are gone). */
  const erased: string[] = [];

  describe.each([['as npm run backup takes it', 'auto'], ['in the built-in COPY format', 'copy']] as const)('%s', (name, format) => {
    it('names its format in the manifest: pg_dump when one is new enough for the server, the built-in COPY format otherwise', async () => {
      const report = await backup(server.db.url, settingsFor(`${format}-format`, format), log);
      const expected = format === 'auto' && pgDumpUsable ? 'pg_dump-custom' : 'copy-gzip';
      expect(report.format).toBe(expected);
      expect(readManifest(report.data.dir)).toMatchObject({ kind: 'data', format: expected, pairedWith: readManifest(report.keystore.dir).id });
      expect(readManifest(report.keystore.dir)).toMatchObject({ kind: 'keystore', format: expected });
    });

    it('the data backup holds no clear ID number, card, account or phone number; the key store is not in it', async () => {
      const report = await backup(server.db.url, settingsFor(`${format}-scan`, format), log);
      const text = await backupText(report.data.dir);
      // The scan reads what it should: names are not sealed, so they are there.
      expect(text).toContain(truth.customers[0].name);
      const values = [
        ...truth.customers.flatMap((c) => [c.id_number, c.bank_card_number, c.phone]),
        ...truth.transactions.flatMap((t) => [t.account_number, t.counterparty_account]),
        ...truth.contacts.map((c) => c.phone),
      ].filter((v): v is string => typeof v === 'string' && v.length >= 8);
      expect(values.length).toBeGreaterThan(1000);
      expect(values.filter((value) => found(text, value))).toEqual([]);
      // …and would find one that was there.
      expect(found(`${text}\n${values[7]}`, values[7])).toBe(true);
      expect(text).not.toMatch(/customer_keys/);
    });

    it('restore drill: back up, erase X, restore the old backup into a fresh database → X opens under no key, everyone else does', async () => {
      const settings = settingsFor(`${format}-drill`, format);
      const t0 = new Date();
      const old = await backup(server.db.url, settings, log, { now: t0 });
      const [x] = await sql<{ id: string }>(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND id_number_sealed IS NOT NULL AND phone_sealed IS NOT NULL ORDER BY archive_number OFFSET 3 LIMIT 1`);
      const xTruth = truth.customers.find((c) => c.id === x.id)!;
      expect(xTruth.id_number).toMatch(/^\d{17}[\dX]$/);

      // Erasure (as the erasure flow will do it): X's key destroyed, X's sealed columns cleared.
      const client = await server.db.pool.connect();
      try {
        await client.query('BEGIN');
        await destroyCustomerKeys({ rows: async (text, values) => (await client.query(text, values)).rows }, x.id);
        await clearSealedValues(client, [x.id]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      server.keyring.forget();
      erased.push(x.id);
      const current = await backup(server.db.url, settings, log, { now: new Date(t0.getTime() + 60_000) });

      // The OLD data with the current key store (the newest key-store backup: the default).
      const fresh = await emptyDatabase();
      const report = await restore({ data: old.data.dir, into: fresh.url, keyring: server.keyring, settings, log, withoutLiveErasures: true });
      expect(report).toMatchObject({ data: { id: readManifest(old.data.dir).id }, keystore: { id: readManifest(current.keystore.dir).id, unreadable: 0, keysFromPairedBackup: 0 } });
      const restored = clearRowsOf(fresh.pool, server.keyring);
      // X's ciphertext is in the old backup, and nothing opens it.
      const [stored] = (await fresh.pool.query(`SELECT id_number_sealed, phone_sealed FROM customers WHERE id = $1`, [x.id])).rows;
      expect(stored.id_number_sealed).not.toBeNull();
      expect((await fresh.pool.query(`SELECT 1 FROM keystore.customer_keys WHERE customer_id = $1`, [x.id])).rowCount).toBe(0);
      const [xRestored] = await restored('customers', 't.id = $1', [x.id]);
      expect({ idNumber: xRestored.id_number, phone: xRestored.phone, card: xRestored.bank_card_number }).toEqual({ idNumber: null, phone: null, card: null });
      expect((await restored('transactions', 't.customer_id = $1 AND t.account_number_sealed IS NOT NULL', [x.id])).every((t) => t.account_number === null)).toBe(true);
      // Everyone else: every value as it was.
      const others = (rows: Record<string, any>[], owner: (r: Record<string, any>) => string) => rows.filter((r) => !erased.includes(owner(r))).map((r) => ({ ...r, updated_at: undefined }));
      expect(others(await restored('customers', 'TRUE', [], 'ORDER BY t.id'), (r) => r.id)).toEqual(others(truth.customers, (r) => r.id));
      expect(others(await restored('transactions', 'TRUE', [], 'ORDER BY t.id'), (r) => r.customer_id)).toEqual(others(truth.transactions, (r) => r.customer_id));
      expect(others(await restored('contacts', 'TRUE', [], 'ORDER BY t.id'), (r) => r.customer_id)).toEqual(others(truth.contacts, (r) => r.customer_id));

      // The OLD key store too (it still holds X's key), with the erasure listed: X's key left out, X's columns cleared.
      const withList = await emptyDatabase();
      const listed = await restore({ data: old.data.dir, keys: old.keystore.dir, erasures: [x.id], into: withList.url, keyring: server.keyring, settings, log });
      expect(listed.keystore).toMatchObject({ erasedKeysLeftOut: 1, erasedCustomersCleared: 1, unreadable: 0 });
      const [xListed] = (await withList.pool.query(`SELECT id_number_sealed, id_number_masked, id_number_bidx, phone_sealed FROM customers WHERE id = $1`, [x.id])).rows;
      expect(xListed).toEqual({ id_number_sealed: null, id_number_masked: null, id_number_bidx: null, phone_sealed: null });
      expect((await withList.pool.query(`SELECT 1 FROM keystore.customer_keys WHERE customer_id = $1`, [x.id])).rowCount).toBe(0);
      expect((await clearRowsOf(withList.pool, server.keyring)('customers', 't.id <> ALL($1::uuid[])', [erased], 'ORDER BY t.id'))).toEqual(
        (await clearRowsOf(fresh.pool, server.keyring)('customers', 't.id <> ALL($1::uuid[])', [erased], 'ORDER BY t.id')),
      );

      // …or read from the live database's deletion records (the erasure flow's table), as the flow leaves them.
      const [a, b, c, d] = (await sql<{ id: string }>(`SELECT id FROM staff ORDER BY username LIMIT 4`)).map((r) => r.id);
      const [{ id: requestId }] = await sql<{ id: string }>(
        `INSERT INTO erasure_requests (customer_id, basis, reason, status, requested_by, requested_at, department_approved_by, department_approved_at,
           information_head_approved_by, information_head_approved_at, executed_by, executed_at, erased_at)
         VALUES ($1, 'CUSTOMER_REQUEST', 'restore drill', 'ERASED', $2, now(), $3, now(), $4, now(), $5, now(), now()) RETURNING id`,
        [x.id, a, b, c, d],
      );
      await sql(
        `INSERT INTO deletion_records (request_id, customer_id, basis, requested_by, requested_at, department_approved_by, department_approved_at,
           information_head_approved_by, information_head_approved_at, executed_by, executed_at, erased_at, categories)
         VALUES ($1, $2, 'CUSTOMER_REQUEST', $3, now(), $4, now(), $5, now(), $6, now(), now(), '{Customer.idNumber}')`,
        [requestId, x.id, a, b, c, d],
      );
      try {
        const withLive = await emptyDatabase();
        const live = await restore({ data: old.data.dir, keys: old.keystore.dir, liveUrl: server.db.url, into: withLive.url, keyring: server.keyring, settings, log });
        expect(live).toMatchObject({ erasures: { liveDeletionRecords: 1 }, keystore: { erasedKeysLeftOut: 1 } });
        expect((await withLive.pool.query(`SELECT 1 FROM keystore.customer_keys WHERE customer_id = $1`, [x.id])).rowCount).toBe(0);
      } finally {
        await sql(`DELETE FROM deletion_records WHERE request_id = $1`, [requestId]);
        await sql(`DELETE FROM erasure_requests WHERE id = $1`, [requestId]);
      }
    }, 120_000);
  });

  it('a data key rotated after the backup: the restore takes that customer\'s key from the key-store backup of the data\'s own snapshot', async () => {
    const settings = settingsFor('rotated', 'copy');
    const t0 = new Date();
    const old = await backup(server.db.url, settings, log, { now: t0 });
    const [y] = await sql<{ id: string }>(`SELECT k.customer_id AS id FROM keystore.customer_keys k JOIN customers c ON c.id = k.customer_id WHERE c.phone_sealed IS NOT NULL ORDER BY k.customer_id DESC LIMIT 1`);
    const pool = createPool(server.db.url, 2, { role: await appRoleFor(server.db.url, log) });
    attachKeyring(pool, server.keyring);
    try {
      const ctx = await operatorContext(pool, server.config, log, 'test:keys', 'test-admin');
      expect(await rotateDataKeys({ db: ctx.db, keyring: server.keyring }, { customerId: y.id })).toMatchObject({ customers: 1, failed: [] });
    } finally {
      await pool.end();
    }
    await backup(server.db.url, settings, log, { now: new Date(t0.getTime() + 60_000) });
    const fresh = await emptyDatabase();
    const report = await restore({ data: old.data.dir, into: fresh.url, keyring: server.keyring, settings, log, withoutLiveErasures: true });
    expect(report.keystore).toMatchObject({ pairedBackup: readManifest(old.keystore.dir).id, keysFromPairedBackup: 1, unreadable: 0 });
    const [restored] = await clearRowsOf(fresh.pool, server.keyring)('customers', 't.id = $1', [y.id]);
    expect(restored.phone).toBe(truth.customers.find((c) => c.id === y.id)!.phone);
  });

  it('key-store backups older than KEYSTORE_BACKUP_DAYS are deleted by the next backup; data backups stay', async () => {
    const settings = settingsFor('retention', 'copy');
    const t0 = new Date('2026-11-01T00:00:00Z');
    const first = await backup(server.db.url, settings, log, { now: t0 });
    const week = await backup(server.db.url, settings, log, { now: new Date(t0.getTime() + 7 * 86_400_000 - 1) });
    expect(week.deletedKeystoreBackups).toEqual([]);
    const later = await backup(server.db.url, settings, log, { now: new Date(t0.getTime() + 8 * 86_400_000) });
    expect(later.deletedKeystoreBackups).toEqual([path.basename(first.keystore.dir)]);
    expect(readdirSync(settings.keystoreDir).sort()).toEqual([path.basename(week.keystore.dir), path.basename(later.keystore.dir)].sort());
    expect(readdirSync(settings.dataDir)).toHaveLength(3);
  });

  it('npm run backup and npm run restore end to end; a restore refuses a database that is not empty and a tampered backup', async () => {
    const root = path.join(dir, 'cli');
    const env = {
      ...process.env, TS_NODE_PROJECT: 'tsconfig.build.json', DATABASE_URL: server.db.url,
      BACKUP_DIR: path.join(root, 'data'), KEYSTORE_BACKUP_DIR: path.join(root, 'keystore'),
    };
    const cli = (args: string[]) => run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/backup.ts', ...args], { cwd: path.join(__dirname, '..', '..'), env });
    const [{ keys }] = await sql<{ keys: number }>(`SELECT count(*)::int AS keys FROM keystore.customer_keys`);
    const taken = JSON.parse((await cli(['backup'])).stdout);
    expect(taken.format).toBe(pgDumpUsable ? 'pg_dump-custom' : 'copy-gzip');
    const fresh = await emptyDatabase();
    const erasures = path.join(root, 'erasures.txt');
    const [someone] = await sql<{ id: string }>(`SELECT customer_id AS id FROM keystore.customer_keys ORDER BY customer_id LIMIT 1`);
    writeFileSync(erasures, `# erased after the backup\n${someone.id}\n`);
    const restored = JSON.parse((await cli(['restore', '--data', path.basename(taken.data.dir), '--into', fresh.url, '--erasures', erasures])).stdout);
    expect(restored).toMatchObject({ erasures: { listed: 1 }, keystore: { erasedKeysLeftOut: 1, unreadable: 0 } });
    expect(restored.keystore.keysRestored).toBe(keys - 1);
    await expect(cli(['restore', '--data', taken.data.dir, '--into', fresh.url, '--without-live-erasures'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('empty database') });
    const manifest = readManifest(taken.data.dir);
    const file = path.join(taken.data.dir, manifest.files[0].name);
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('x')]));
    await expect(cli(['restore', '--data', taken.data.dir, '--into', (await emptyDatabase()).url, '--without-live-erasures'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('does not match') });
  }, 120_000);
});
