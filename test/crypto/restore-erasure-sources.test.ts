import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { destroyCustomerKeys } from '../../src/crypto/erasure-keys';
import { clearSealedValues } from '../../src/crypto/restore-keys';
import { backup, type BackupSettings } from '../../src/db/backup';
import { restore } from '../../src/db/restore';
import { createLogger } from '../../src/logger';
import { clearRowsOf } from '../harness/clear-rows';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { startTestServer, type TestServer } from '../harness/server';

const log = createLogger('silent');

/**
 * Found by review: a customer erased after the newest key-store backup, and a restore with the
 * defaults (the live database is what was lost, so no --live) — the key store and deletion records
 * it restores predate the erasure, and the customer would open again. A restore refuses without a
 * source of the erasures since the backup, unless the operator states there is none.
 */
describe('a restore needs the erasures made since the backup', () => {
  let server: TestServer;
  let dir: string;
  const databases: TestDatabase[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'cr-erasure-sources-'));
  });
  afterAll(async () => {
    for (const db of databases) await db.drop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const emptyDatabase = async () => {
    const db = await createTestDatabase({ empty: true });
    databases.push(db);
    return db;
  };

  it('refuses with the defaults, erases the customer with --erasures, and opens them again only when told there is no source', async () => {
    const settings: BackupSettings = { dataDir: path.join(dir, 'data'), keystoreDir: path.join(dir, 'keystore'), keystoreDays: 7, format: 'copy' };
    const nightly = await backup(server.db.url, settings, log);
    const [x] = (await server.db.pool.query(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' AND id_number_sealed IS NOT NULL ORDER BY archive_number OFFSET 5 LIMIT 1`)).rows;
    const [truth] = await server.clearRows('customers', 't.id = $1', [x.id]);
    expect(truth.id_number).toEqual(expect.any(String));
    // Erased at noon, after the nightly backup (as eraseCustomer does it: keys destroyed, sealed columns cleared).
    const client = await server.db.pool.connect();
    try {
      await client.query('BEGIN');
      await destroyCustomerKeys({ rows: async (t, v) => (await client.query(t, v)).rows }, x.id);
      await clearSealedValues(client, [x.id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    server.keyring.forget();

    // The defaults: refused before anything is written, naming the way out.
    const refused = await emptyDatabase();
    await expect(restore({ data: nightly.data.dir, into: refused.url, keyring: server.keyring, settings, log })).rejects.toThrow(/--live .*--erasures .*--without-live-erasures/);
    expect((await refused.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('public', 'keystore')`)).rows[0].n).toBe(0);

    // With the erasures since the backup (a list kept apart, e.g. exported daily): X stays erased.
    const listed = await emptyDatabase();
    const report = await restore({ data: nightly.data.dir, into: listed.url, erasures: [x.id], keyring: server.keyring, settings, log });
    expect(report.keystore.erasedKeysLeftOut).toBe(1);
    const [kept] = await clearRowsOf(listed.pool, server.keyring)('customers', 't.id = $1', [x.id]);
    expect(kept.id_number).toBeNull();

    // The operator's explicit statement that no source exists: restored as the backup was (the refusal above is the guard).
    const stated = await emptyDatabase();
    await restore({ data: nightly.data.dir, into: stated.url, withoutLiveErasures: true, keyring: server.keyring, settings, log });
    const [back] = await clearRowsOf(stated.pool, server.keyring)('customers', 't.id = $1', [x.id]);
    expect(back.id_number).toBe(truth.id_number);
  }, 180_000);
});
