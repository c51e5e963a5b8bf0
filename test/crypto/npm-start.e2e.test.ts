/**
 * Issue 15, "done when": the erasure flow and the restore drill end to end on the server as
 * `npm start` runs it — its own process, its own DATA_DIR (so its own key-encryption and
 * blind-index keys, generated on first start), migrations, start-up sealing and demo seed — with
 * the operator commands as their own processes too (`npm run backup`, `npm run restore`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { keyFilesIn, loadConfig } from '../../src/config';
import { loadKeyring } from '../../src/crypto/keyring';
import { buildCreditCode } from '../../src/domain/credit-code';
import { issueDevToken } from '../../src/auth/token-issuer';
import type { Role } from '../../src/auth/principal';
import { ROLE_POLICIES } from '../../permissions/policy';
import { clearRowsOf } from '../harness/clear-rows';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { spawnServer } from '../harness/process';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

describe('Data at rest, end to end on the server as npm start runs it', () => {
  let live: TestDatabase;
  let restored: TestDatabase;
  let dataDir: string;
  let server: ReturnType<typeof spawnServer>;
  let url: string;
  const env = () => ({ ...process.env, DATABASE_URL: live.url, DATA_DIR: dataDir, TS_NODE_PROJECT: 'tsconfig.build.json', LOG_LEVEL: 'silent' });
  /** An operator command as its own process (what `npm run <script>` runs), its JSON report parsed. */
  const operator = async (script: string, args: string[]) => {
    const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', script, ...args], { cwd: ROOT, env: env(), maxBuffer: 16 << 20 });
    return JSON.parse(stdout.slice(stdout.indexOf('{')));
  };
  const gql = async (username: string, role: string, query: string, variables: Record<string, unknown> = {}, purpose?: string) => {
    const token = await issueDevToken({ ...loadConfig(), dataDir }, { role: role as never, sub: username });
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': purpose ?? ROLE_POLICIES[role as Role].purposes.default },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    if (body.errors) throw new Error(`${username}: ${JSON.stringify(body.errors)}`);
    return body.data;
  };

  beforeAll(async () => {
    live = await createTestDatabase({ empty: true });
    restored = await createTestDatabase({ empty: true });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cr-npm-start-'));
    // Not the test run's keys: this server makes its own on first start, as a fresh install does.
    server = spawnServer({ DATABASE_URL: live.url, DATA_DIR: dataDir, SEED_CUSTOMERS: '30', KEK_FILE: undefined, BLIND_INDEX_KEY_FILE: undefined });
    url = await server.listening();
  }, 120_000);

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await restored?.drop();
    await live?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('erases a customer through the four steps; an old backup restored afterwards opens everyone but them', async () => {
    // A customer of the bank, with personal data in clear on the way in.
    const phone = '13912345678';
    const created = await gql('manager01', 'manager', `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, {
      input: { kind: 'CORPORATE', name: '端到端擦除测试有限公司', creditCode: buildCreditCode('310101', 99_100_001), legalRepresentative: '李雷', phone, email: 'e2e@example.com', address: '上海市浦东新区测试路1号' },
    }, 'supervision');
    const customerId: string = created.createCustomer.id;

    // The files of a fresh install: its own keys, 0600.
    expect(readdirSync(path.join(dataDir, 'keys')).sort()).toEqual(['blind-index-key', 'kek.json']);
    const keyring = loadKeyring(keyFilesIn(dataDir));
    const livePool = new Pool({ connectionString: live.url, max: 2 });
    const restoredPool = new Pool({ connectionString: restored.url, max: 2 });
    try {
      const liveRows = clearRowsOf(livePool, keyring);
      const everyoneBefore = await liveRows('customers', 't.id <> $1', [customerId], 'ORDER BY t.id');
      expect(everyoneBefore.length).toBe(30);
      expect((await liveRows('customers', 't.id = $1', [customerId]))[0].phone).toBe(phone);
      // Stored sealed: the plaintext column is empty, and the server's blind index finds the phone.
      expect((await livePool.query(`SELECT phone, phone_sealed IS NOT NULL AS sealed FROM customers WHERE id = $1`, [customerId])).rows[0]).toEqual({ phone: null, sealed: true });

      // Backed up while the customer still exists (npm run backup: data and key store apart).
      const backup = await operator('src/cli/backup.ts', ['backup']);
      expect(JSON.stringify(backup)).not.toContain(phone);

      // Application → department head → information-management head → execution: four people.
      const [{ id: headId }] = (await livePool.query(`SELECT id FROM staff WHERE username = 'manager03'`)).rows;
      await gql('admin01', 'admin', `mutation ($id: ID!) { setStaffDesignations(id: $id, designations: [INFORMATION_MANAGEMENT_HEAD], reason: "designated by the board") { id } }`, { id: headId });
      const requested = await gql('service01', 'service', `mutation ($input: RequestErasureInput!) { requestErasure(input: $input) { id status } }`, {
        input: { customerId, basis: 'CUSTOMER_REQUEST', reason: 'the customer asked in writing at the branch' },
      });
      const id = requested.requestErasure.id;
      await gql('manager02', 'manager', `mutation ($id: ID!) { approveErasure(id: $id) { status } }`, { id });
      await gql('manager03', 'manager', `mutation ($id: ID!) { approveErasureAsInformationHead(id: $id) { status } }`, { id });
      const executed = await gql('admin02', 'admin', `mutation ($id: ID!) { executeErasure(id: $id) { status } }`, { id });
      expect(executed.executeErasure.status).toBe('ERASED');

      // Nothing of the person is left to read, by the API or in the database; the key is gone.
      const seen = await gql('manager01', 'manager', `query ($id: ID!) { customer(id: $id) { status name phone email address legalRepresentative } }`, { id: customerId }, 'supervision');
      expect(seen.customer).toEqual({ status: 'ERASED', name: null, phone: null, email: null, address: null, legalRepresentative: null });
      expect((await livePool.query(`SELECT count(*)::int AS n FROM keystore.customer_keys WHERE customer_id = $1`, [customerId])).rows[0].n).toBe(0);
      expect((await livePool.query(`SELECT phone_sealed, phone_masked, phone_bidx FROM customers WHERE id = $1`, [customerId])).rows[0]).toEqual({ phone_sealed: null, phone_masked: null, phone_bidx: null });

      // The restore drill: the backup from before the erasure, into a fresh database (npm run restore),
      // with the newest key-store backup — which still held the customer's key — and the live erasures re-applied.
      const report = await operator('src/cli/backup.ts', ['restore', '--data', backup.data.dir, '--into', restored.url, '--live', live.url]);
      expect(JSON.stringify(report)).not.toContain(phone);
      const restoredRows = clearRowsOf(restoredPool, loadKeyring(keyFilesIn(dataDir)));
      const [them] = await restoredRows('customers', 't.id = $1', [customerId]);
      expect(them).toBeDefined();
      for (const column of ['phone', 'email', 'address', 'id_number', 'bank_card_number']) expect(them[column]).toBeNull();
      expect((await restoredPool.query(`SELECT count(*)::int AS n FROM keystore.customer_keys WHERE customer_id = $1`, [customerId])).rows[0].n).toBe(0);
      // Everyone else opens, value for value.
      expect(await restoredRows('customers', 't.id <> $1', [customerId], 'ORDER BY t.id')).toEqual(everyoneBefore);
    } finally {
      await livePool.end();
      await restoredPool.end();
    }
  }, 180_000);
});
