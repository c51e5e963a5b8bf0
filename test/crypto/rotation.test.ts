import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { withLuhnDigit } from '../../src/domain/bank-card';
import { operatorContext } from '../../src/cli/operator-context';
import { FileKeyProvider, RETIRED_KEK_GRACE_MS } from '../../src/crypto/key-provider';
import { attachKeyring, keyReferenceSql, loadKeyring, wrappingPlace, type Keyring } from '../../src/crypto/keyring';
import { keyStatus, rotateDataKeys, rotateKek, type KeyOperator } from '../../src/crypto/rotation';
import { SEALED_TABLES } from '../../src/crypto/sealed-fields';
import { sealedColumns } from '../../src/crypto/sealed-rows';
import { customerDataKey } from '../../src/crypto/sealed-writes';
import { newDataKey } from '../../src/crypto/sealing';
import { appRoleFor } from '../../src/db/app-role';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * Key rotation while the server serves (issue 15 item 3): readers see every clear value as it was
 * before, during and after; writers keep writing; nothing fails; the old KEK leaves the key file.
 * This file has a KEK file of its own (a copy of the run's): retiring a KEK here must not touch
 * the key file every other test database was sealed with.
 */
describe('Key rotation', () => {
  let server: TestServer;
  let keysDir: string;
  let kekFile: string;
  /** Pools of the rotation "processes": the app role, as `npm run keys` uses. */
  const pools: Pool[] = [];
  const log = createLogger('silent');
  const sql = async <T = any>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const kekIdsInFile = () => Object.keys(JSON.parse(readFileSync(kekFile, 'utf8')).keys as Record<string, string>).sort();

  /** A key operator as a separate `npm run keys` process would be: its own pool, provider and key cache. */
  async function operator(): Promise<KeyOperator & { keyring: Keyring }> {
    const pool = createPool(server.db.url, 3, { role: await appRoleFor(server.db.url, log) });
    pools.push(pool);
    const keyring = loadKeyring(server.config.keys);
    attachKeyring(pool, keyring);
    const ctx = await operatorContext(pool, server.config, log, 'test:keys', 'test-admin');
    return { db: ctx.db, keyring, monitor: server.db.pool };
  }

  beforeAll(async () => {
    keysDir = mkdtempSync(path.join(os.tmpdir(), 'cr-rotation-keys-'));
    kekFile = path.join(keysDir, 'kek.json');
    copyFileSync(process.env.KEK_FILE!, kekFile);
    server = await startTestServer({ keys: { kekFile, blindIndexKeyFile: process.env.BLIND_INDEX_KEY_FILE! } });
  });

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await server.stop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  /** Every stored row of every sealed table, opened (ground truth), with the stored masked forms and blind indexes. */
  async function everything(): Promise<Record<string, Record<string, unknown>[]>> {
    const result: Record<string, Record<string, unknown>[]> = {};
    for (const table of Object.keys(SEALED_TABLES)) {
      const clear = await server.clearRows(table, 'TRUE', [], 'ORDER BY t.id');
      const stored = await sql(`SELECT * FROM ${table} t ORDER BY t.id`);
      const kept = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([name]) => /(_masked|_bidx)$/.test(name)));
      result[table] = clear.map((row, i) => ({ ...row, ...kept(stored[i]) }));
    }
    return result;
  }

  it('rotates the KEK and every data key while reads and writes go on: no failed request, every clear value as it was', async () => {
    const [rep] = await sql<{ id: string }>(`SELECT relationship_manager_id AS id FROM customers WHERE relationship_manager_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    const own = await sql<{ id: string }>(
      `SELECT c.id FROM customers c WHERE c.relationship_manager_id = $1 AND c.status = 'ACTIVE' AND c.kind = 'INDIVIDUAL'
       ORDER BY (SELECT count(*) FROM contacts ct WHERE ct.customer_id = c.id) DESC, c.id LIMIT 10`,
      [rep.id],
    );
    expect(own.length).toBe(10);
    const readIds = own.slice(0, 8).map((r) => r.id);
    const writeIds = own.slice(8).map((r) => r.id);
    const before = await everything();
    const oldKeks = kekIdsInFile();

    // Ground truth of what readers ask for: the rep's own customers, clear (sales policy).
    const READ = `query ($id: ID!) { customer(id: $id) { id phone email contacts(first: 2) { edges { node { id phone } } } transactions(first: 3) { edges { node { id description } } } } }`;
    const truth = new Map<string, unknown>();
    for (const id of readIds) {
      const [customer] = await server.clearRows('customers', 't.id = $1', [id]);
      const contacts = await server.clearRows('contacts', 't.customer_id = $1', [id], 'ORDER BY t.created_at, t.id');
      const transactions = await server.clearRows('transactions', 't.customer_id = $1', [id], 'ORDER BY t.occurred_at DESC, t.id DESC');
      truth.set(id, {
        id,
        phone: customer.phone,
        email: customer.email,
        contacts: { edges: contacts.slice(0, 2).map((c) => ({ node: { id: c.id, phone: c.phone } })) },
        transactions: { edges: transactions.slice(0, 3).map((t) => ({ node: { id: t.id, description: t.description } })) },
      });
    }

    const failures: unknown[] = [];
    const mismatches: unknown[] = [];
    const reads: { started: number; ended: number }[] = [];
    let stop = false;
    const MAX_READS = 1500;
    const reader = async (offset: number) => {
      for (let i = offset; !stop && reads.length < MAX_READS; i++) {
        const id = readIds[i % readIds.length];
        const started = performance.now();
        const { status, body } = await server.gql<any>(READ, { role: 'sales', sub: rep.id, variables: { id } });
        reads.push({ started, ended: performance.now() });
        if (status !== 200 || body.errors) failures.push({ status, errors: body.errors });
        else if (JSON.stringify(body.data.customer) !== JSON.stringify(truth.get(id))) mismatches.push({ id, got: JSON.stringify(body.data.customer), want: JSON.stringify(truth.get(id)) });
      }
    };
    const lastEmail = new Map<string, string>();
    const recorded = new Map<string, { description: string; account: string }>();
    let writes = 0;
    const writer = async () => {
      for (let i = 0; !stop && i < 400; i++) {
        const id = writeIds[i % writeIds.length];
        if (i % 2 === 0) {
          const email = `rotation.${i}@example.com`;
          const { status, body } = await server.gql<any>(`mutation ($id: ID!, $email: String) { updateCustomer(id: $id, input: { email: $email }) { email } }`, {
            role: 'sales', sub: rep.id, variables: { id, email },
          });
          if (status !== 200 || body.errors) failures.push({ status, errors: body.errors });
          else if (body.data.updateCustomer.email !== email) mismatches.push({ id, wrote: email, got: body.data.updateCustomer.email });
          lastEmail.set(id, email);
        } else {
          const description = `rotation payment ${i}`;
          const account = withLuhnDigit(`62220200${String(1000000 + i)}`);
          const { status, body } = await server.gql<any>(`mutation ($input: RecordTransactionInput!) { recordTransaction(input: $input) { id } }`, {
            role: 'sales', sub: rep.id,
            variables: { input: { customerId: id, amount: '12.50', direction: 'DEBIT', channel: 'ONLINE', product: 'DEPOSIT', description, accountNumber: account } },
          });
          if (status !== 200 || body.errors) failures.push({ status, errors: body.errors });
          else recorded.set(body.data.recordTransaction.id, { description, account });
        }
        writes++;
      }
    };

    const round = async () => {
      for (const id of readIds) {
        const { status, body } = await server.gql<any>(READ, { role: 'sales', sub: rep.id, variables: { id } });
        if (status !== 200 || body.errors) failures.push({ status, errors: body.errors });
        else if (JSON.stringify(body.data.customer) !== JSON.stringify(truth.get(id))) mismatches.push({ id, got: JSON.stringify(body.data.customer), want: JSON.stringify(truth.get(id)) });
      }
    };
    // Before: one full round of reads, all clear and right.
    await round();
    expect({ failures, mismatches }).toEqual({ failures: [], mismatches: [] });

    const traffic = Promise.all([reader(0), reader(3), reader(5), writer()]);
    const kekOperator = await operator();
    const dataOperator = await operator();
    const rotationStarted = performance.now();
    const [kek, data] = await Promise.all([rotateKek(kekOperator, { batch: 50 }), rotateDataKeys(dataOperator)]);
    const rotationEnded = performance.now();
    stop = true;
    await traffic;
    // After: another round.
    await round();

    expect(failures).toEqual([]);
    expect(mismatches).toEqual([]);
    const during = reads.filter((r) => r.started >= rotationStarted && r.ended <= rotationEnded).length;
    expect(during).toBeGreaterThan(20);
    expect(writes).toBeGreaterThan(5);

    // The KEK: a new one, every key under it, the old one gone from the file.
    expect(kek).toMatchObject({ complete: true, remaining: 0, retired: oldKeks });
    expect(kekIdsInFile()).toEqual([kek.current]);
    expect(oldKeks).not.toContain(kek.current);
    const keyRows = await sql<{ kek_id: string; history_kek_id: string; data_key_rotated_at: Date | null }>(`SELECT kek_id, history_kek_id, data_key_rotated_at FROM keystore.customer_keys`);
    expect(keyRows.every((r) => r.kek_id === kek.current && r.history_kek_id === kek.current)).toBe(true);
    // Every data key new, every value re-sealed under it.
    expect(data).toMatchObject({ complete: true, busy: [], failed: [], remaining: 0 });
    expect(data.customers).toBe(keyRows.length);
    expect(keyRows.every((r) => r.data_key_rotated_at !== null)).toBe(true);

    // Every stored value opens to what it was (or to what the writers wrote); masked forms and blind indexes unchanged.
    const after = await everything();
    const untouched = (table: string, rows: Record<string, unknown>[]) =>
      rows.filter((row) => !writeIds.includes(String(table === 'customers' ? row.id : row.customer_id)) && table !== 'complaint_events').map((row) => ({ ...row, updated_at: undefined }));
    for (const table of Object.keys(SEALED_TABLES)) expect(untouched(table, after[table])).toEqual(untouched(table, before[table]));
    expect(after.complaint_events).toEqual(before.complaint_events);
    for (const [id, email] of lastEmail) expect((await server.clearRows('customers', 't.id = $1', [id]))[0].email).toBe(email);
    for (const [id, { description, account }] of recorded) {
      expect((await server.clearRows('transactions', 't.id = $1', [id]))[0]).toMatchObject({ description, account_number: account });
    }

    // The change history has every step, and no key material.
    const history = await sql<{ action: string; entity_id: string; customer_id: string | null; changes: { field: string; new: string }[] }>(
      `SELECT action, entity_id, customer_id, changes FROM audit_changes WHERE entity = 'KeyRotation' ORDER BY seq`,
    );
    expect(history.filter((h) => h.action === 'CREATE').map((h) => h.entity_id)).toEqual([kek.current]);
    expect(history.filter((h) => h.action === 'DELETE').map((h) => h.entity_id)).toEqual(oldKeks);
    expect(history.filter((h) => h.action === 'UPDATE' && h.entity_id === kek.current).length).toBe(kek.batches);
    expect(history.filter((h) => h.action === 'UPDATE' && h.customer_id !== null).length).toBe(data.customers);
    const keyFile = readFileSync(kekFile, 'utf8');
    const secrets = Object.values(JSON.parse(keyFile).keys as Record<string, string>);
    const text = JSON.stringify(history);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  }, 180_000);

  it('a request sealing with a customer\'s key holds it: a data-key rotation waits, so the value written meanwhile still opens', async () => {
    const [customer] = await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY id LIMIT 1`);
    const contactId = randomUUID();
    const writer = await server.pool.connect();
    try {
      await writer.query('BEGIN');
      const runner = { keyring: server.keyring, rows: async (text: string, values?: unknown[]) => (await writer.query(text, values)).rows };
      // What every write path does: the customer's data key first, then the sealed columns, then the write, in one transaction.
      const dataKey = await customerDataKey(runner, customer.id);
      const sealed = sealedColumns(server.keyring, dataKey, 'contacts', contactId, { phone: '13800138000', email: 'held@example.com' });
      const rotation = rotateDataKeys(await operator(), { customerId: customer.id, lockTimeoutMs: 30_000 });
      let finished = false;
      void rotation.then(() => (finished = true), () => (finished = true));
      // The rotation waits for the writer's hold on the key (without one, it runs to the end at once).
      for (let polls = 0; ; polls++) {
        const [{ waiting }] = await sql<{ waiting: number }>(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (waiting > 0 || finished) break;
        if (polls > 5_000) throw new Error('the rotation neither waited nor finished');
      }
      await writer.query(
        `INSERT INTO contacts (id, customer_id, name, ${Object.keys(sealed).join(', ')}) VALUES ($1, $2, 'Held', ${Object.keys(sealed).map((_, i) => `$${i + 3}`).join(', ')})`,
        [contactId, customer.id, ...Object.values(sealed)],
      );
      await writer.query('COMMIT');
      expect(await rotation).toMatchObject({ customers: 1, failed: [], busy: [] });
    } finally {
      writer.release();
    }
    const [contact] = await server.clearRows('contacts', 't.id = $1', [contactId]);
    expect(contact).toMatchObject({ phone: '13800138000', email: 'held@example.com' });
  });

  it('is resumable: an interrupted KEK rotation and an interrupted data-key rotation continue where they stopped', async () => {
    const op = await operator();
    const total = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM keystore.customer_keys`))[0].n;
    const oldKek = JSON.parse(readFileSync(kekFile, 'utf8')).current as string;
    const first = await rotateKek(op, { batch: 50, maxBatches: 1 });
    expect(first).toMatchObject({ complete: false, batches: 1, dataKeysRewrapped: 50, retired: [] });
    expect(first.added).not.toBeNull();
    expect(first.remaining).toBe(total - 50);
    expect(kekIdsInFile()).toEqual([oldKek, first.added].sort());
    const second = await rotateKek(await operator(), { batch: 50 });
    expect(second).toMatchObject({ added: null, current: first.added, complete: true, remaining: 0, retired: [oldKek], dataKeysRewrapped: total - 50 });
    expect(kekIdsInFile()).toEqual([first.added]);

    // One cutoff for both runs: the second takes only the keys the first left.
    const now = new Date();
    const partial = await rotateDataKeys(op, { now, maxCustomers: 25 });
    expect(partial).toMatchObject({ customers: 25, complete: false, remaining: total - 25 });
    const rest = await rotateDataKeys(await operator(), { now });
    expect(rest).toMatchObject({ customers: total - 25, complete: true, remaining: 0, failed: [] });
    expect((await sql(`SELECT 1 FROM keystore.customer_keys WHERE data_key_rotated_at >= $1`, [now])).length).toBe(total);
  });

  it('a rotated key is a new key reference: the server\'s key cache cannot serve the old key for the new ciphertext', async () => {
    const [customer] = await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' AND phone_sealed IS NOT NULL ORDER BY id DESC LIMIT 1`);
    const reference = async () => (await sql<{ ref: string }>(`SELECT ${keyReferenceSql('$1::uuid')} AS ref`, [customer.id]))[0].ref;
    const truth = (await server.clearRows('customers', 't.id = $1', [customer.id]))[0].phone;
    const old = await reference();
    await server.keyring.prefetch([old]);
    expect(server.keyring.cached(old)).toBeDefined();
    await rotateDataKeys(await operator(), { customerId: customer.id });
    const fresh = await reference();
    expect(fresh).not.toBe(old);
    expect(server.keyring.cached(fresh)).toBeUndefined();
    // Read through the server's own keyring (its cache still holds the old key under the old reference).
    expect((await server.clearRows('customers', 't.id = $1', [customer.id]))[0].phone).toBe(truth);
    expect(server.keyring.cached(fresh)!.equals(server.keyring.cached(old)!)).toBe(false);
  });

  it('a process that held a KEK still unwraps with it for a moment after another retired it; no one else can', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cr-kek-grace-'));
    try {
      let clock = 0;
      const file = path.join(dir, 'kek.json');
      const server = new FileKeyProvider(file, () => clock);
      const wrapped = await server.wrap(newDataKey(), wrappingPlace('c', 'data'));
      const operatorProcess = new FileKeyProvider(file);
      operatorProcess.addKek();
      operatorProcess.retireKek(wrapped.kekId);
      expect(operatorProcess.kekIds()).not.toContain(wrapped.kekId);
      // The server reads the file again (it wraps a new key under the new KEK) and still opens the old reference.
      await server.wrap(newDataKey(), wrappingPlace('d', 'data'));
      await expect(server.unwrap(wrapped.kekId, wrapped.wrapped, wrappingPlace('c', 'data'))).resolves.toHaveLength(32);
      await expect(server.wrap(newDataKey(), 'x')).resolves.toMatchObject({ kekId: operatorProcess.currentKekId() });
      await expect(new FileKeyProvider(file).unwrap(wrapped.kekId, wrapped.wrapped, wrappingPlace('c', 'data'))).rejects.toThrow(/is not in/);
      clock += RETIRED_KEK_GRACE_MS;
      await expect(server.unwrap(wrapped.kekId, wrapped.wrapped, wrappingPlace('c', 'data'))).rejects.toThrow(/is not in/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm run keys: status prints counts and key ids only; every command needs --as', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, TS_NODE_PROJECT: 'tsconfig.build.json', DATABASE_URL: server.db.url, KEK_FILE: kekFile, AUDIT_SIGNING_KEY_FILE: server.config.audit.signingKeyFile, AUDIT_VALUE_KEY_FILE: server.config.audit.valueKeyFile };
    const cli = (args: string[]) => run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/keys.ts', ...args], { cwd: path.join(__dirname, '..', '..'), env });
    const { stdout } = await cli(['status', '--as', 'test-admin']);
    const status = JSON.parse(stdout);
    expect(status).toEqual(await keyStatus((await operator()).db, new FileKeyProvider(kekFile)).then((s) => ({ ...s, oldestDataKey: status.oldestDataKey })));
    expect(status.customersWithoutKeys).toBe(0);
    expect(Object.values(status.plaintextRows).every((n) => n === 0)).toBe(true);
    for (const secret of Object.values(JSON.parse(readFileSync(kekFile, 'utf8')).keys as Record<string, string>)) expect(stdout).not.toContain(secret);
    await expect(cli(['status'])).rejects.toMatchObject({ code: 1 });
    await expect(cli(['rotate-kek', '--as', 'test-sales'])).rejects.toMatchObject({ code: 1 });
  });
});
