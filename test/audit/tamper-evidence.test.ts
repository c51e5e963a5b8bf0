/**
 * Tamper evidence of the audit register (issue "Accountability", item 4): the application's
 * role may only append; even the owner is refused UPDATE/DELETE by triggers; and whatever a
 * database superuser does anyway — edit, delete from the middle, the start or the tail, rewrite
 * the chain — verification names the first broken record, the signed checkpoints kept outside
 * the database included. Retention drops old months without breaking verification.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PoolClient } from 'pg';
import { appendToChain, chainHash, selectList, STREAM_TABLES, type ChainedRow, type Stream } from '../../src/audit/chain';
import { checkpointHeads, signCheckpoint, type Checkpoint } from '../../src/audit/checkpoints';
import { keyIdOf, loadSigningKey, loadVerifyKeys, type SigningKey } from '../../src/audit/keys';
import { applyRetention } from '../../src/audit/retention';
import { verifyRegister, type VerifyReport } from '../../src/audit/verify';
import { loadConfig } from '../../src/config';
import { startTestServer, type TestServer } from '../harness/server';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const APP_ROLE = 'customer_records_app';

/** The current UTC month as partitions are named: `2026_05`. */
function currentMonth(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}_${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

const verify = (server: TestServer) => verifyRegister(server.db.pool, loadVerifyKeys(server.config), server.config.audit.checkpointFile);
const streamOf = (report: VerifyReport, stream: Stream) => report.streams.find((s) => s.stream === stream)!;
const signCheckpoints = (server: TestServer) => checkpointHeads(server.db.pool, loadSigningKey(server.config), server.config.audit.checkpointFile);

/** Runs statements as a database superuser with triggers off: what an attacker with full rights can do. */
async function asSuperuserBypassingTriggers(server: TestServer, work: (client: PoolClient) => Promise<void>): Promise<void> {
  const client = await server.db.pool.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await work(client);
  } finally {
    await client.query('RESET session_replication_role').catch(() => undefined);
    client.release();
  }
}

async function seqs(server: TestServer, stream: Stream): Promise<bigint[]> {
  const { rows } = await server.db.pool.query<{ seq: string }>(`SELECT seq FROM ${STREAM_TABLES[stream].table} ORDER BY seq`);
  return rows.map((r) => BigInt(r.seq));
}

/** A record strictly between the first and the last one. */
async function middleSeq(server: TestServer, stream: Stream): Promise<string> {
  const all = await seqs(server, stream);
  expect(all.length).toBeGreaterThanOrEqual(3);
  return all[Math.floor(all.length / 2)].toString();
}

/**
 * Some ordinary use: sensitive reads (clear for the relationship manager, masked for an
 * administrator), a refusal, and writes. Waits until every access record is committed.
 */
async function traffic(server: TestServer): Promise<void> {
  const rep = (await server.db.pool.query(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows[0].id;
  const { rows: own } = await server.db.pool.query(
    `SELECT id FROM customers WHERE relationship_manager_id = $1 AND kind = 'INDIVIDUAL' AND status = 'ACTIVE' AND bank_card_number_sealed IS NOT NULL ORDER BY archive_number LIMIT 3`,
    [rep],
  );
  expect(own).toHaveLength(3);
  const ok = async (query: string, options: Parameters<TestServer['gql']>[1]) => {
    const { body } = await server.gql(query, options);
    expect(body.errors).toBeUndefined();
  };
  const sales = { role: 'sales' as const, sub: rep };
  await ok(`query Look($id: ID!) { customer(id: $id) { name phone idNumber bankCardNumber } }`, { ...sales, variables: { id: own[0].id } });
  await ok(`query Browse { customers(first: 5) { edges { node { id name phone } } } }`, { role: 'admin' });
  await ok(`mutation Phone($id: ID!) { updateCustomer(id: $id, input: { phone: "13955550001", tier: KEY }) { id } }`, { ...sales, variables: { id: own[0].id } });
  await ok(`query Look($id: ID!) { customer(id: $id) { name phone email } }`, { ...sales, variables: { id: own[1].id } });
  await ok(`mutation Pay($id: ID!) { recordTransaction(input: { customerId: $id, amount: "88.00", direction: DEBIT, channel: POS, product: "消费" }) { id } }`, {
    ...sales,
    variables: { id: own[1].id },
  });
  await ok(`query Browse { customers(first: 3) { edges { node { id name idNumber } } } }`, { role: 'admin' });
  await ok(`mutation Contact($id: ID!) { addContact(customerId: $id, input: { name: "王芳", phone: "13955550002" }) { id } }`, { ...sales, variables: { id: own[2].id } });
  await ok(`query Look($id: ID!) { customer(id: $id) { name phone } }`, { ...sales, variables: { id: own[2].id } });
  // Refused: registered too.
  const refused = await server.gql(`query Look($id: ID!) { customer(id: $id) { name } }`, { token: await server.token({ role: 'partner', partner: 'acme' }), variables: { id: own[0].id } });
  expect(refused.body.errors).toBeDefined();
  await ok(`mutation Tier($id: ID!) { updateCustomer(id: $id, input: { tier: GENERAL }) { id } }`, { ...sales, variables: { id: own[0].id } });
  await server.audit.writer.idle();
}

describe('Tamper evidence', () => {
  describe('who may change the register', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer();
      await traffic(server);
      await signCheckpoints(server);
    });

    afterAll(() => server.stop());

    it('the server acts as the restricted app role', async () => {
      const { rows } = await server.pool.query(`SELECT current_user AS role`);
      expect(rows[0].role).toBe(APP_ROLE);
    });

    it.each(['audit_access', 'audit_changes', 'audit_checkpoints'])('the app role may not UPDATE, DELETE or TRUNCATE %s (42501)', async (table) => {
      await expect(server.pool.query(`UPDATE ${table} SET seq = seq`)).rejects.toMatchObject({ code: '42501' });
      await expect(server.pool.query(`DELETE FROM ${table}`)).rejects.toMatchObject({ code: '42501' });
      await expect(server.pool.query(`DELETE FROM ${table} WHERE seq = 1`)).rejects.toMatchObject({ code: '42501' });
      await expect(server.pool.query(`TRUNCATE ${table}`)).rejects.toMatchObject({ code: '42501' });
      // It still reads and the rows are all there.
      const { rows } = await server.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect(rows[0].n).toBeGreaterThan(0);
    });

    it('the app role may not change the register id, nor drop or disable the protections', async () => {
      await expect(server.pool.query(`UPDATE audit_register SET id = gen_random_uuid()`)).rejects.toMatchObject({ code: '42501' });
      await expect(server.pool.query(`DELETE FROM audit_register`)).rejects.toMatchObject({ code: '42501' });
      await expect(server.pool.query(`ALTER TABLE audit_access DISABLE TRIGGER ALL`)).rejects.toMatchObject({ code: '42501' });
      await expect(server.pool.query(`DROP TRIGGER audit_changes_append_only ON audit_changes`)).rejects.toMatchObject({ code: '42501' });
      await expect(server.pool.query(`DROP TABLE audit_access_${currentMonth()}`)).rejects.toMatchObject({ code: '42501' });
      await expect(server.pool.query(`SET session_replication_role = replica`)).rejects.toMatchObject({ code: '42501' });
    });

    it('the app role may not read or write a partition directly', async () => {
      const month = currentMonth();
      for (const parent of ['audit_access', 'audit_changes']) {
        const partition = `${parent}_${month}`;
        await expect(server.pool.query(`SELECT * FROM ${partition} LIMIT 1`)).rejects.toMatchObject({ code: '42501' });
        await expect(server.pool.query(`UPDATE ${partition} SET seq = seq`)).rejects.toMatchObject({ code: '42501' });
        await expect(server.pool.query(`DELETE FROM ${partition}`)).rejects.toMatchObject({ code: '42501' });
        await expect(server.pool.query(`TRUNCATE ${partition}`)).rejects.toMatchObject({ code: '42501' });
      }
      await expect(
        server.pool.query(
          `INSERT INTO audit_changes_${month} (seq, occurred_at, prev_hash, hash, request_id, principal_sub, principal_role, entity, entity_id, action, changes)
           VALUES (999999, now(), '\\x00', '\\x00', 'x', 'x', 'admin', 'Customer', gen_random_uuid(), 'UPDATE', '[]')`,
        ),
      ).rejects.toMatchObject({ code: '42501' });
    });

    it('the owner (a superuser) is refused UPDATE and DELETE by the append-only triggers, on the tables and their partitions', async () => {
      const month = currentMonth();
      const statements = [
        `UPDATE audit_access SET clear_values = clear_values + 1 WHERE seq = 1`,
        `DELETE FROM audit_access WHERE seq = 1`,
        `UPDATE audit_changes SET changes = '[]' WHERE seq = 1`,
        `DELETE FROM audit_changes WHERE seq = 1`,
        `UPDATE audit_checkpoints SET seq = seq + 1`,
        `DELETE FROM audit_checkpoints`,
        `UPDATE audit_register SET id = gen_random_uuid()`,
        `DELETE FROM audit_register`,
        `UPDATE audit_access_${month} SET outcome = 'OK' WHERE seq = 1`,
        `DELETE FROM audit_changes_${month} WHERE seq = 1`,
      ];
      for (const statement of statements) {
        await expect(server.db.pool.query(statement)).rejects.toThrow(/append-only/);
      }
      for (const table of ['audit_access', 'audit_changes', 'audit_checkpoints', 'audit_register', `audit_access_${month}`, `audit_changes_${month}`]) {
        const client = await server.db.pool.connect();
        try {
          await client.query('BEGIN');
          await expect(client.query(`TRUNCATE ${table}`)).rejects.toThrow(/append-only/);
        } finally {
          await client.query('ROLLBACK');
          client.release();
        }
      }
      // Nothing moved: the register still verifies.
      expect((await verify(server)).ok).toBe(true);
    });
  });

  describe('verification of an intact register', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer();
      await traffic(server);
    });

    afterAll(() => server.stop());

    it('checks every record of both streams, in order, from the genesis hash', async () => {
      const report = await verify(server);
      expect(report.checkpointProblems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.registerId).toBe((await server.db.pool.query(`SELECT id FROM audit_register`)).rows[0].id);
      for (const stream of ['access', 'change'] as const) {
        const all = await seqs(server, stream);
        expect(all.length).toBeGreaterThanOrEqual(stream === 'access' ? 6 : 4);
        expect(streamOf(report, stream)).toEqual({
          stream,
          records: all.length,
          firstSeq: '1',
          lastSeq: all[all.length - 1].toString(),
          checkpointsChecked: 0,
          broken: null,
        });
        const head = (await server.db.pool.query(`SELECT seq FROM audit_chain_heads WHERE stream = $1`, [stream])).rows[0].seq;
        expect(head).toBe(all[all.length - 1].toString());
      }
    });

    it('checks the signed checkpoints, in the database and in the file, against the records they name', async () => {
      const made = await signCheckpoints(server);
      expect(made.map((c) => c.stream).sort()).toEqual(['access', 'change']);
      const lines = readFileSync(server.config.audit.checkpointFile, 'utf8').trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      const report = await verify(server);
      expect(report.ok).toBe(true);
      // Each checkpoint is there twice: in the database and in the file.
      for (const stream of report.streams) expect(stream.checkpointsChecked).toBe(2);
      // More traffic after the checkpoint: the chain goes on past it.
      await traffic(server);
      const later = await verify(server);
      expect(later.ok).toBe(true);
      for (const stream of later.streams) expect(BigInt(stream.lastSeq!)).toBeGreaterThan(BigInt(made.find((c) => c.stream === stream.stream)!.seq));
    });

    it('stays one unbroken chain per stream under concurrent requests', async () => {
      const rep = (await server.db.pool.query(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows[0].id;
      const { rows } = await server.db.pool.query(
        `SELECT id FROM customers WHERE relationship_manager_id = $1 AND status = 'ACTIVE' AND bank_card_number_sealed IS NOT NULL ORDER BY archive_number LIMIT 8`,
        [rep],
      );
      const changesBefore = (await seqs(server, 'change')).length;
      const results = await Promise.all(
        rows.flatMap((row, i) => [
          server.gql(`mutation ($id: ID!) { recordTransaction(input: { customerId: $id, amount: "${i + 1}.00", direction: CREDIT, channel: ATM, product: "现金存入" }) { id } }`, {
            role: 'sales',
            sub: rep,
            variables: { id: row.id },
          }),
          server.gql(`query ($id: ID!) { customer(id: $id) { name phone } }`, { role: 'sales', sub: rep, variables: { id: row.id } }),
          server.gql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { tier: KEY }) { id } }`, { role: 'manager', variables: { id: row.id } }),
        ]),
      );
      for (const { body } of results) expect(body.errors).toBeUndefined();
      await server.audit.writer.idle();
      expect((await seqs(server, 'change')).length).toBe(changesBefore + 2 * rows.length);
      const report = await verify(server);
      expect(report.ok).toBe(true);
      for (const stream of report.streams) {
        expect(stream.records).toBe((await seqs(server, stream.stream)).length);
        expect(BigInt(stream.lastSeq!) - BigInt(stream.firstSeq!) + 1n).toBe(BigInt(stream.records));
      }
    });
  });

  describe('tampering by a database superuser is detected', () => {
    let server: TestServer;

    // A fresh register each: every test damages it.
    beforeEach(async () => {
      server = await startTestServer();
      await traffic(server);
    });

    afterEach(() => server.stop());

    it('an edited access record (a count changed): broken at that record, "altered"', async () => {
      const seq = await middleSeq(server, 'access');
      await asSuperuserBypassingTriggers(server, async (c) => {
        const { rowCount } = await c.query(`UPDATE audit_access SET clear_values = clear_values + 5 WHERE seq = $1`, [seq]);
        expect(rowCount).toBe(1);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, 'access').broken).toEqual({ seq, problem: expect.stringMatching(/altered/) });
      expect(streamOf(report, 'change').broken).toBeNull();
    });

    it('an edited access record (a customer taken out of customers_masked): broken at that record', async () => {
      const { rows } = await server.db.pool.query<{ seq: string }>(
        `SELECT seq FROM audit_access WHERE cardinality(customers_masked) > 0 AND seq > 1 AND seq < (SELECT max(seq) FROM audit_access) ORDER BY seq LIMIT 1`,
      );
      expect(rows).toHaveLength(1);
      const { seq } = rows[0];
      await asSuperuserBypassingTriggers(server, async (c) => {
        await c.query(`UPDATE audit_access SET customers_masked = customers_masked[2:] || ARRAY[$2::uuid] WHERE seq = $1`, [seq, randomUUID()]);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, 'access').broken).toEqual({ seq, problem: expect.stringMatching(/altered/) });
    });

    it('an edited change record: broken at that record', async () => {
      const seq = await middleSeq(server, 'change');
      await asSuperuserBypassingTriggers(server, async (c) => {
        await c.query(`UPDATE audit_changes SET principal_sub = 'someone-else' WHERE seq = $1`, [seq]);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, 'change').broken).toEqual({ seq, problem: expect.stringMatching(/altered/) });
      expect(streamOf(report, 'access').broken).toBeNull();
    });

    it('an edit whose hashes were all recomputed, head included, is caught by the signed checkpoint', async () => {
      const [checkpoint] = (await signCheckpoints(server)).filter((c) => c.stream === 'change');
      const seq = await middleSeq(server, 'change');
      await asSuperuserBypassingTriggers(server, async (c) => {
        const { rows } = await c.query<ChainedRow & { hash: Buffer; changes: unknown }>(`SELECT ${selectList('change')} FROM audit_changes r WHERE r.seq >= $1 ORDER BY r.seq`, [seq]);
        let prevHash = rows[0].prevHash;
        for (const row of rows) {
          if (row.seq === seq) row.changes = [];
          row.prevHash = prevHash;
          const hash = chainHash(prevHash, row);
          await c.query(`UPDATE audit_changes SET changes = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, [row.seq, JSON.stringify(row.changes), prevHash, hash]);
          prevHash = hash;
        }
        await c.query(`UPDATE audit_chain_heads SET hash = $1 WHERE stream = 'change'`, [prevHash]);
        // The checkpoints in the database go too; the file outside it stays.
        await c.query(`DELETE FROM audit_checkpoints`);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, 'change').broken).toEqual({ seq: checkpoint.seq, problem: expect.stringMatching(/checkpoint/) });
    });

    it('records cut from the tail, checkpoints in the database deleted and the head set back: caught by the checkpoint file', async () => {
      const made = await signCheckpoints(server);
      expect(made).toHaveLength(2);
      const cut: Record<string, string> = {};
      await asSuperuserBypassingTriggers(server, async (c) => {
        for (const stream of ['access', 'change'] as const) {
          const { table } = STREAM_TABLES[stream];
          const { rows } = await c.query<{ seq: string; hash: Buffer }>(`SELECT seq, hash FROM ${table} ORDER BY seq DESC LIMIT 3`);
          const newLast = rows[2];
          await c.query(`DELETE FROM ${table} WHERE seq > $1`, [newLast.seq]);
          await c.query(`UPDATE audit_chain_heads SET seq = $2, hash = $3 WHERE stream = $1`, [stream, newLast.seq, newLast.hash]);
          cut[stream] = newLast.seq;
        }
        await c.query(`DELETE FROM audit_checkpoints`);
      });
      expect(Number((await server.db.pool.query(`SELECT count(*) AS n FROM audit_checkpoints`)).rows[0].n)).toBe(0);
      const report = await verify(server);
      expect(report.ok).toBe(false);
      for (const stream of ['access', 'change'] as const) {
        expect(streamOf(report, stream).lastSeq).toBe(cut[stream]);
        expect(streamOf(report, stream).broken).toEqual({ seq: (BigInt(cut[stream]) + 1n).toString(), problem: expect.stringMatching(/cut from the tail/) });
      }
    });

    it('records cut from the tail without setting the head back: caught by the head', async () => {
      const last = (await seqs(server, 'change')).pop()!;
      await asSuperuserBypassingTriggers(server, async (c) => {
        await c.query(`DELETE FROM audit_changes WHERE seq = $1`, [last.toString()]);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, 'change').broken).toEqual({ seq: last.toString(), problem: expect.stringMatching(/head/) });
    });

    it.each(['access', 'change'] as const)('a %s record deleted from the middle: broken at the next one, "missing"', async (stream) => {
      const seq = await middleSeq(server, stream);
      await asSuperuserBypassingTriggers(server, async (c) => {
        const { rowCount } = await c.query(`DELETE FROM ${STREAM_TABLES[stream].table} WHERE seq = $1`, [seq]);
        expect(rowCount).toBe(1);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      const broken = streamOf(report, stream).broken!;
      expect(broken.seq).toBe((BigInt(seq) + 1n).toString());
      expect(broken.problem).toMatch(/missing/);
      expect(broken.problem).toContain(seq);
    });

    it('a record deleted from the middle and the next one relinked with seq renumbered: caught by prev_hash or hash', async () => {
      // Deleting seq N and moving every later record one down keeps the numbers contiguous.
      const seq = await middleSeq(server, 'access');
      await asSuperuserBypassingTriggers(server, async (c) => {
        await c.query(`DELETE FROM audit_access WHERE seq = $1`, [seq]);
        await c.query(`UPDATE audit_access SET seq = seq - 1 WHERE seq > $1`, [seq]);
        await c.query(`UPDATE audit_chain_heads SET seq = seq - 1 WHERE stream = 'access'`);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, 'access').broken!.seq).toBe(seq);
    });

    it.each(['access', 'change'] as const)('the first %s record deleted: caught, the chain no longer starts at the genesis', async (stream) => {
      await asSuperuserBypassingTriggers(server, async (c) => {
        const { rowCount } = await c.query(`DELETE FROM ${STREAM_TABLES[stream].table} WHERE seq = 1`);
        expect(rowCount).toBe(1);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, stream).firstSeq).toBe('2');
      expect(streamOf(report, stream).broken).toEqual({ seq: '2', problem: expect.stringMatching(/missing/) });
    });

    it("a whole month's partition emptied (TRUNCATE of the partition), head reset and database checkpoints deleted: caught by the file", async () => {
      await signCheckpoints(server);
      await asSuperuserBypassingTriggers(server, async (c) => {
        await c.query(`TRUNCATE audit_access_${currentMonth()}`);
        await c.query(`UPDATE audit_chain_heads SET seq = 0, hash = $1 WHERE stream = 'access'`, [Buffer.alloc(32)]);
        await c.query(`DELETE FROM audit_checkpoints`);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, 'access')).toMatchObject({ records: 0, broken: { seq: '1', problem: expect.stringMatching(/cut from the tail/) } });
    });

    it('a forged signature in the checkpoint file is reported, and the forged checkpoint not trusted', async () => {
      const file = server.config.audit.checkpointFile;
      const [real] = (await signCheckpoints(server)).filter((c) => c.stream === 'access');
      expect((await verify(server)).ok).toBe(true);
      const lines = readFileSync(file, 'utf8');

      // The real checkpoint moved ahead (a claim of more records), its signature kept.
      const moved: Checkpoint = { ...real, seq: (BigInt(real.seq) + 10n).toString() };
      // A made-up signature.
      const garbled: Checkpoint = { ...real, signature: Buffer.alloc(64, 7).toString('base64') };
      appendFileSync(file, `${JSON.stringify(moved)}\n${JSON.stringify(garbled)}\n`);
      let report = await verify(server);
      expect(report.ok).toBe(false);
      expect(report.checkpointProblems).toHaveLength(2);
      for (const problem of report.checkpointProblems) expect(problem).toMatch(/no valid signature/);
      expect(report.checkpointProblems.join('\n')).toContain(file);
      // The forged claim of seq + 10 is not believed: no "cut from the tail".
      expect(streamOf(report, 'access').broken).toBeNull();

      // Signed properly, but by a key the verifier does not trust.
      writeFileSync(file, lines);
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const stranger: SigningKey = { privateKey, key: publicKey, keyId: keyIdOf(publicKey) };
      const foreign = signCheckpoint(stranger, { registerId: real.registerId, stream: 'access', kind: 'HEAD', seq: real.seq, hash: '00'.repeat(32), signedAt: new Date().toISOString() });
      appendFileSync(file, `${JSON.stringify(foreign)}\nnot a checkpoint\n`);
      report = await verify(server);
      expect(report.ok).toBe(false);
      expect(report.checkpointProblems).toHaveLength(2);
      expect(report.checkpointProblems.some((p) => /no valid signature/.test(p))).toBe(true);
      expect(report.checkpointProblems.some((p) => /is not a checkpoint/.test(p))).toBe(true);
      expect(streamOf(report, 'access').broken).toBeNull();

      // A forged checkpoint slipped into the database is reported as well.
      writeFileSync(file, lines);
      await server.db.pool.query(
        `INSERT INTO audit_checkpoints (stream, kind, seq, hash, signed_at, key_id, signature) VALUES ('change', 'HEAD', 1, $1, now(), $2, $3)`,
        [Buffer.alloc(32), real.keyId, Buffer.alloc(64, 1)],
      );
      report = await verify(server);
      expect(report.ok).toBe(false);
      expect(report.checkpointProblems).toEqual([expect.stringMatching(/database.*change seq 1.*no valid signature/)]);
    });
  });

  describe('retention', () => {
    let server: TestServer;
    const OLD_RECORDS = 3;

    beforeAll(async () => {
      // A fresh register: the chain starts with the records of January 2019.
      server = await startTestServer();
    });

    afterAll(() => server.stop());

    function oldRecord(i: number) {
      return {
        occurredAt: new Date(Date.UTC(2019, 0, 10 + i, 9, 30)),
        requestId: `old-${i}`,
        principalSub: 'legacy-sales',
        principalRole: 'sales',
        tokenId: null,
        partnerId: null,
        operationName: 'Look',
        purpose: null,
        clientAddress: '10.0.0.1',
        operationType: 'query',
        documentHash: null,
        fields: [{ path: 'customer.phone', field: 'Customer.phone', decision: 'CLEAR', strategy: null, reason: 'ROLE_CLEAR', count: 1 }],
        customersClear: [randomUUID()],
        customersMasked: [],
        clearValues: 1,
        maskedValues: 0,
        removedValues: 0,
        outcome: 'OK',
        errorCodes: [],
        durationUs: '1200',
      };
    }

    it('drops access months past the retention period; verification stays ok from the signed retention anchor', async () => {
      const heads = (await server.db.pool.query(`SELECT stream, seq FROM audit_chain_heads ORDER BY stream`)).rows;
      expect(heads).toEqual([
        { stream: 'access', seq: '0' },
        { stream: 'change', seq: '0' },
      ]);
      await server.db.pool.query(`CREATE TABLE audit_access_2019_01 PARTITION OF audit_access FOR VALUES FROM ('2019-01-01 00:00+00') TO ('2019-02-01 00:00+00')`);
      const client = await server.db.pool.connect();
      try {
        await client.query('BEGIN');
        await appendToChain({ rows: async (text, values) => (await client.query(text, values)).rows }, 'access', Array.from({ length: OLD_RECORDS }, (_, i) => oldRecord(i)));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
      expect(Number((await server.db.pool.query(`SELECT count(*) AS n FROM audit_access_2019_01`)).rows[0].n)).toBe(OLD_RECORDS);
      await traffic(server);

      const before = await verify(server);
      expect(before.ok).toBe(true);
      expect(streamOf(before, 'access').firstSeq).toBe('1');
      const total = streamOf(before, 'access').records;

      const file = server.config.audit.checkpointFile;
      const result = await applyRetention(server.db.pool, 60, loadSigningKey(server.config), file);
      expect(result.dropped).toEqual(['audit_access_2019_01']);
      expect(result.kept).toEqual([]);
      expect((await server.db.pool.query(`SELECT to_regclass('audit_access_2019_01') AS t`)).rows[0].t).toBeNull();

      // The anchor: a signed RETENTION checkpoint naming the last dropped record, in the database and the file.
      const anchors = (await server.db.pool.query(`SELECT stream, seq, encode(hash, 'hex') AS hash FROM audit_checkpoints WHERE kind = 'RETENTION'`)).rows;
      const lastDropped = (await server.db.pool.query(`SELECT encode(prev_hash, 'hex') AS hash FROM audit_access WHERE seq = $1`, [OLD_RECORDS + 1])).rows[0].hash;
      expect(anchors).toEqual([{ stream: 'access', seq: String(OLD_RECORDS), hash: lastDropped }]);
      const fileAnchors = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((c) => c.kind === 'RETENTION');
      expect(fileAnchors).toEqual([expect.objectContaining({ stream: 'access', seq: String(OLD_RECORDS), hash: lastDropped })]);

      const after = await verify(server);
      expect(after.checkpointProblems).toEqual([]);
      expect(after.ok).toBe(true);
      expect(streamOf(after, 'access')).toMatchObject({ firstSeq: String(OLD_RECORDS + 1), records: total - OLD_RECORDS, broken: null });
      expect(BigInt(streamOf(after, 'access').firstSeq!)).toBeGreaterThan(1n);
      // The change history is not subject to access-register retention.
      expect(streamOf(after, 'change')).toMatchObject({ firstSeq: '1', broken: null });
    });

    it('after retention, deleting the new first record is still detected', async () => {
      await asSuperuserBypassingTriggers(server, async (c) => {
        await c.query(`DELETE FROM audit_access WHERE seq = $1`, [OLD_RECORDS + 1]);
      });
      const report = await verify(server);
      expect(report.ok).toBe(false);
      expect(streamOf(report, 'access').broken).toEqual({ seq: String(OLD_RECORDS + 2), problem: expect.stringMatching(/missing/) });
    });

    it('refuses a retention period under 36 months (PIPL art. 56) in the configuration', () => {
      expect(() => loadConfig({ ...process.env, AUDIT_RETENTION_MONTHS: '12' })).toThrow(/AUDIT_RETENTION_MONTHS/);
      expect(() => loadConfig({ ...process.env, AUDIT_RETENTION_MONTHS: '35' })).toThrow(/AUDIT_RETENTION_MONTHS/);
      expect(loadConfig({ ...process.env, AUDIT_RETENTION_MONTHS: '36' }).audit.retentionMonths).toBe(36);
      expect(loadConfig({ ...process.env, AUDIT_RETENTION_MONTHS: '' }).audit.retentionMonths).toBe(60);
    });
  });

  describe('retention over a register tampered with before it ran', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer();
    });

    afterAll(() => server.stop());

    it('does not launder records deleted just after the expired months: verification still reports them missing', async () => {
      await server.db.pool.query(`CREATE TABLE audit_access_2019_03 PARTITION OF audit_access FOR VALUES FROM ('2019-03-01 00:00+00') TO ('2019-04-01 00:00+00')`);
      const client = await server.db.pool.connect();
      try {
        await client.query('BEGIN');
        const old = (i: number) => ({
          occurredAt: new Date(Date.UTC(2019, 2, 5 + i)),
          requestId: `old-${i}`,
          principalSub: 'legacy-sales',
          principalRole: 'sales',
          tokenId: null,
          partnerId: null,
          operationName: null,
          purpose: null,
          clientAddress: null,
          operationType: 'query',
          documentHash: null,
          fields: [],
          customersClear: [],
          customersMasked: [randomUUID()],
          clearValues: 0,
          maskedValues: 1,
          removedValues: 0,
          outcome: 'OK',
          errorCodes: [],
          durationUs: '900',
        });
        await appendToChain({ rows: async (text, values) => (await client.query(text, values)).rows }, 'access', [old(0), old(1)]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await traffic(server);
      expect((await verify(server)).ok).toBe(true);

      // The first two records of this month (seq 3 and 4) removed by a superuser.
      await asSuperuserBypassingTriggers(server, async (c) => {
        const { rowCount } = await c.query(`DELETE FROM audit_access WHERE seq IN (3, 4)`);
        expect(rowCount).toBe(2);
      });
      const tampered = await verify(server);
      expect(tampered.ok).toBe(false);
      expect(streamOf(tampered, 'access').broken).toEqual({ seq: '5', problem: expect.stringMatching(/missing/) });

      // Then the monthly maintenance runs. Whether it refuses or drops, the gap must stay visible:
      // a retention anchor may vouch only for records that were really dropped.
      await expect(applyRetention(server.db.pool, 60, loadSigningKey(server.config), server.config.audit.checkpointFile)).rejects.toThrow(/retention refused: the access register is broken at seq 5/);
      expect((await server.db.pool.query(`SELECT to_regclass('audit_access_2019_03') AS t`)).rows[0].t).not.toBeNull();
      const after = await verify(server);
      expect(after.ok).toBe(false);
      expect(streamOf(after, 'access').broken).toEqual({ seq: '5', problem: expect.stringMatching(/missing/) });
    });
  });

  describe('npm run audit:verify and audit:checkpoint', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer();
      await traffic(server);
    });

    afterAll(() => server.stop());

    const npm = (script: string) =>
      run('npm', ['run', '--silent', script], {
        cwd: ROOT,
        env: {
          ...process.env,
          TS_NODE_PROJECT: 'tsconfig.build.json',
          DATABASE_URL: server.db.url,
          AUDIT_SIGNING_KEY_FILE: server.config.audit.signingKeyFile,
          AUDIT_VALUE_KEY_FILE: server.config.audit.valueKeyFile,
          AUDIT_CHECKPOINT_FILE: server.config.audit.checkpointFile,
        },
      });

    const fileLines = () => (existsSync(server.config.audit.checkpointFile) ? readFileSync(server.config.audit.checkpointFile, 'utf8').trim().split('\n').filter(Boolean) : []);

    it('audit:checkpoint signs the heads and appends them to the checkpoint file', async () => {
      const before = fileLines().length;
      const { stdout } = await npm('audit:checkpoint');
      const made = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(made.map((c: Checkpoint) => c.stream).sort()).toEqual(['access', 'change']);
      const lines = fileLines();
      expect(lines).toHaveLength(before + 2);
      expect(lines.slice(-2).map((l) => JSON.parse(l))).toEqual(made);
      const heads = (await server.db.pool.query(`SELECT stream, seq FROM audit_chain_heads ORDER BY stream`)).rows;
      expect(made.map((c: Checkpoint) => ({ stream: c.stream, seq: c.seq }))).toEqual(heads);
    }, 120_000);

    it('audit:verify exits 0 on an intact register', async () => {
      const { stdout } = await npm('audit:verify');
      const report = JSON.parse(stdout) as VerifyReport;
      expect(report.ok).toBe(true);
      for (const stream of report.streams) expect(stream.checkpointsChecked).toBeGreaterThanOrEqual(2);
    }, 120_000);

    it('audit:verify exits 1 naming the broken record after tampering', async () => {
      const seq = await middleSeq(server, 'access');
      await asSuperuserBypassingTriggers(server, async (c) => {
        await c.query(`UPDATE audit_access SET outcome = 'FORBIDDEN' WHERE seq = $1`, [seq]);
      });
      const failure = await npm('audit:verify').then(
        () => null,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failure).not.toBeNull();
      expect(failure!.code).toBe(1);
      expect(JSON.parse(failure!.stdout)).toMatchObject({ ok: false, streams: expect.arrayContaining([expect.objectContaining({ stream: 'access', broken: { seq, problem: expect.stringMatching(/altered/) } })]) });
      expect(failure!.stderr).toContain(`access seq ${seq}`);
    }, 120_000);
  });
});
