/**
 * Data at rest (issue 15, item 5): the personal parts of change records about a customer — masked
 * values and keyed hashes — are sealed under the customer's history key, the chain is computed over
 * the ciphertext; after the key is destroyed (erasure) the records still list who changed which
 * field when, the chain still verifies, and nothing of the person can be read back.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { PoolClient } from 'pg';
import { appendToChain, chainHash } from '../../src/audit/chain';
import { changeRecorder, type EntityChange } from '../../src/audit/change-log';
import { exportRegister } from '../../src/audit/export';
import { loadValueHasher, loadVerifyKeys, type ValueHasher } from '../../src/audit/keys';
import { verifyRegister } from '../../src/audit/verify';
import type { Principal } from '../../src/auth/principal';
import { inTransaction, RequestDb } from '../../src/db/pool';
import { withLuhnDigit } from '../../src/domain/bank-card';
import { buildNationalId } from '../../src/domain/national-id';
import { maskIdNumber, maskPhone } from '../../permissions/masks';
import { example } from '../harness/examples';
import { startTestServer, type TestServer } from '../harness/server';

interface StoredChange {
  seq: string;
  customer_id: string | null;
  changes: Record<string, unknown>[];
  text: string;
  row: string;
}

const HISTORY_QUERY = `query ($entity: AuditedEntity!, $id: ID!) {
  changeHistory(entity: $entity, id: $id, first: 20) {
    totalCount
    edges { node { seq occurredAt requestId entity entityId customerId action principal { sub role } changes { field sensitive old new oldHash newHash sealing } hash } }
  }
}`;

describe('Change history sealed under the customer’s history key', () => {
  let server: TestServer;
  let hash: ValueHasher;
  let rep: string;
  let customerId: string;
  let idNumber: string;
  let oldPhone: string;
  let newPhone: string;
  let createRequest: string;
  let phoneRequest: string;

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];

  const storedOf = (requestId: string) =>
    sql<StoredChange>(
      `SELECT r.seq::text AS seq, r.customer_id, r.changes, r.changes::text AS text, row_to_json(r)::text AS row FROM audit_changes r WHERE r.request_id = $1 ORDER BY r.seq`,
      [requestId],
    );

  const verify = () => verifyRegister(server.db.pool, loadVerifyKeys(server.config), server.config.audit.checkpointFile);

  const history = async (entity: string, id: string) => {
    const { body } = await server.gql<any>(HISTORY_QUERY, { role: 'auditor', variables: { entity, id } });
    expect(body.errors).toBeUndefined();
    return { nodes: body.data.changeHistory.edges.map((e: any) => e.node) as any[], text: JSON.stringify(body) };
  };

  /** Runs statements as a database superuser with triggers off: what an attacker with full rights can do. */
  async function bypassingTriggers(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await server.db.pool.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await work(client);
    } finally {
      await client.query('RESET session_replication_role').catch(() => undefined);
      client.release();
    }
  }

  beforeAll(async () => {
    server = await startTestServer();
    hash = loadValueHasher(server.config);
    rep = (await sql<{ id: string }>(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`))[0].id;
    const unique = Date.now() % 1_000_000;
    idNumber = buildNationalId('310101', '1986-03-21', 100 + (unique % 800), 'FEMALE');
    oldPhone = `1375${String(unique).padStart(6, '0')}1`;
    newPhone = `1376${String(unique).padStart(6, '0')}2`;
    createRequest = `hs-create-${randomUUID()}`;
    const created = await server.gql<any>(example('CreateIndividualCustomer'), {
      role: 'sales',
      sub: rep,
      headers: { 'x-request-id': createRequest },
      variables: {
        input: {
          kind: 'INDIVIDUAL',
          name: '封存测试',
          idNumber,
          phone: oldPhone,
          email: `sealed.${unique}@example.com`,
          bankCardNumber: withLuhnDigit(`62220211${String(unique).padStart(6, '0')}0001`),
          annualIncome: '180000.00',
        },
      },
    });
    expect(created.body.errors).toBeUndefined();
    customerId = created.body.data.createCustomer.id;
    // The rep's own customer, so the rep may change it (naming an RM only opens a request).
    await sql(`UPDATE customers SET relationship_manager_id = $2 WHERE id = $1`, [customerId, rep]);
    phoneRequest = `hs-phone-${randomUUID()}`;
    const updated = await server.gql<any>(`mutation ChangePhone($id: ID!, $phone: String!) { updateCustomer(id: $id, input: { phone: $phone, tier: KEY }) { id } }`, {
      role: 'sales',
      sub: rep,
      headers: { 'x-request-id': phoneRequest },
      variables: { id: customerId, phone: newPhone },
    });
    expect(updated.body.errors).toBeUndefined();
  });

  afterAll(() => server?.stop());

  it('the stored record of a phone change holds neither the phone, nor its masked form, nor its keyed hash — but names the field', async () => {
    const [record, ...more] = await storedOf(phoneRequest);
    expect(more).toEqual([]);
    expect(record.customer_id).toBe(customerId);
    for (const secret of [oldPhone, newPhone, maskPhone(oldPhone), maskPhone(newPhone), hash(oldPhone), hash(newPhone)]) {
      expect(record.row).not.toContain(secret);
    }
    // Field names and non-sensitive values stay clear; the sensitive entry is ciphertext.
    expect(record.changes).toEqual([
      { field: 'phone', sensitive: true, sealed: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) },
      { field: 'tier', sensitive: false, old: 'GENERAL', new: 'KEY' },
    ]);
  });

  it('a customer created in the same transaction has its creation sealed too (its key row is already there)', async () => {
    const records = await storedOf(createRequest);
    const creation = records.find((r) => r.changes.some((c) => c.field === 'idNumber'))!;
    expect(creation.customer_id).toBe(customerId);
    for (const secret of [idNumber, maskIdNumber(idNumber), hash(idNumber), oldPhone, maskPhone(oldPhone), hash(oldPhone), '封存测试']) {
      expect(records.map((r) => r.row).join('\n')).not.toContain(secret);
    }
    expect(creation.changes.find((c) => c.field === 'kind')).toEqual({ field: 'kind', sensitive: false, old: null, new: 'INDIVIDUAL' });
  });

  it('the auditor’s changeHistory opens the sealed parts: masked old/new values and keyed hashes as before', async () => {
    const { nodes } = await history('CUSTOMER', customerId);
    const update = nodes.find((n) => n.requestId === phoneRequest);
    expect(update).toMatchObject({ entity: 'CUSTOMER', entityId: customerId, customerId, action: 'UPDATE', principal: { sub: rep, role: 'SALES' } });
    expect(update.changes).toEqual([
      { field: 'phone', sensitive: true, old: maskPhone(oldPhone), new: maskPhone(newPhone), oldHash: hash(oldPhone), newHash: hash(newPhone), sealing: 'OPENED' },
      { field: 'tier', sensitive: false, old: 'GENERAL', new: 'KEY', oldHash: null, newHash: null, sealing: 'NOT_SEALED' },
    ]);
    const creation = nodes.find((n) => n.requestId === createRequest);
    expect(creation.changes.find((c: any) => c.field === 'idNumber')).toEqual({
      field: 'idNumber', sensitive: true, old: null, new: maskIdNumber(idNumber), oldHash: null, newHash: hash(idNumber), sealing: 'OPENED',
    });
  });

  it('records not about a customer (staff, partners) keep their form: masks and keyed hashes, no sealing', async () => {
    const requestId = `hs-staff-${randomUUID()}`;
    const principal = { sub: rep, role: 'admin', scopes: [], partnerId: null, tokenId: null, staffId: rep, issuedAt: null, expiresAt: new Date(Date.now() + 60_000) } as unknown as Principal;
    const db = new RequestDb(server.pool, changeRecorder({ principal, requestId, operationName: () => 'StaffChange' }, server.audit.hashValue));
    const staffId = randomUUID();
    await db.transaction(async (tx) => {
      tx.changed({ entity: 'StaffMember', entityId: staffId, customerId: null, action: 'UPDATE', before: { active: true }, after: { active: false }, reason: 'left the bank' });
    });
    const [record] = await storedOf(requestId);
    expect(record.changes).toEqual([
      { field: 'active', sensitive: false, old: 'true', new: 'false' },
      { field: 'reason', sensitive: false, old: null, new: 'left the bank' },
    ]);
  });

  it('the access register keeps no probed value: a lookup by ID number or phone leaves neither value, masked form, keyed hash nor blind index', async () => {
    const requests: string[] = [];
    for (const [argument, value] of [['idNumber', idNumber], ['phone', newPhone]] as const) {
      const requestId = `hs-probe-${randomUUID()}`;
      requests.push(requestId);
      const { body } = await server.gql<any>(`query Probe($v: String!) { customers(first: 5, filter: { ${argument}: $v }) { totalCount edges { node { id name } } } }`, {
        role: 'service',
        headers: { 'x-request-id': requestId },
        variables: { v: value },
      });
      expect(body.errors).toBeUndefined();
    }
    await server.audit.writer.idle();
    const rows = await sql<{ fields: { reason: string; path: string }[]; row: string }>(`SELECT r.fields, row_to_json(r)::text AS row FROM audit_access r WHERE r.request_id = ANY($1)`, [requests]);
    expect(rows).toHaveLength(2);
    // Registered as probes of their fields: the argument's path, never its value.
    for (const row of rows) expect(row.fields.filter((f) => f.reason === 'PROBE').length).toBeGreaterThan(0);
    const text = rows.map((r) => r.row).join('\n');
    const blind = [server.keyring.blindIndex('idNumber', idNumber), server.keyring.blindIndex('phone', newPhone)];
    for (const secret of [idNumber, newPhone, maskIdNumber(idNumber), maskPhone(newPhone), hash(idNumber), hash(newPhone), ...blind.flatMap((b) => [b.toString('hex'), b.toString('base64')])]) {
      expect(text).not.toContain(secret);
    }
  });

  describe('after the customer’s keys are destroyed (erasure)', () => {
    let before: { nodes: any[]; text: string };
    let after: { nodes: any[]; text: string };

    const legacyRequest = `hs-legacy-${randomUUID()}`;

    beforeAll(async () => {
      // A record in the form written before sealing began (masks and keyed hashes clear): append-only, it stays so.
      await inTransaction(server.pool, (client) =>
        appendToChain({ rows: async (text, values) => (await client.query(text, values)).rows }, 'change', [
          {
            occurredAt: new Date(), requestId: legacyRequest, principalSub: rep, principalRole: 'sales', tokenId: null, partnerId: null, operationName: 'Legacy',
            entity: 'Customer', entityId: customerId, customerId, action: 'UPDATE',
            changes: [{ field: 'email', sensitive: true, old: 's***@example.com', new: 'n***@example.com', oldHash: hash('old@example.com'), newHash: hash('new@example.com') }],
          },
        ]),
      );
      before = await history('CUSTOMER', customerId);
      await sql(`DELETE FROM keystore.customer_keys WHERE customer_id = $1`, [customerId]);
      after = await history('CUSTOMER', customerId);
    });

    it('changeHistory still lists every record — who, when, what field — but no masked value or hash of the person', () => {
      expect(after.nodes.map((n) => [n.seq, n.requestId, n.action, n.principal, n.hash])).toEqual(before.nodes.map((n) => [n.seq, n.requestId, n.action, n.principal, n.hash]));
      const update = after.nodes.find((n) => n.requestId === phoneRequest);
      expect(update.changes).toEqual([
        { field: 'phone', sensitive: true, old: null, new: null, oldHash: null, newHash: null, sealing: 'ERASED' },
        { field: 'tier', sensitive: false, old: 'GENERAL', new: 'KEY', oldHash: null, newHash: null, sealing: 'NOT_SEALED' },
      ]);
      for (const node of after.nodes) {
        for (const change of node.changes.filter((c: any) => c.sensitive)) {
          expect(change).toMatchObject({ old: null, new: null, oldHash: null, newHash: null, sealing: 'ERASED' });
        }
      }
      for (const secret of [oldPhone, newPhone, maskPhone(oldPhone), maskPhone(newPhone), hash(oldPhone), hash(newPhone), idNumber, maskIdNumber(idNumber), hash(idNumber)]) {
        expect(after.text).not.toContain(secret);
      }
      // It was there before the keys went.
      expect(before.text).toContain(maskPhone(newPhone));
      // A record from before sealing: its masks stay in the table, but the API no longer gives them out.
      expect(before.nodes.find((n) => n.requestId === legacyRequest).changes[0]).toMatchObject({ old: 's***@example.com', sealing: 'NOT_SEALED' });
      expect(after.nodes.find((n) => n.requestId === legacyRequest).changes).toEqual([
        { field: 'email', sensitive: true, old: null, new: null, oldHash: null, newHash: null, sealing: 'ERASED' },
      ]);
    });

    it('the hash chain still verifies (npm run audit:verify’s check), with the key gone', async () => {
      const report = await verify();
      expect(report.streams.find((s) => s.stream === 'change')).toMatchObject({ broken: null });
      expect(report.ok).toBe(true);
    });

    it('audit:export of the change stream carries the sealed parts as stored: the chain recomputes from the export alone, nothing of the person in it', async () => {
      let text = '';
      const out = new PassThrough();
      out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      const count = await exportRegister(server.db.pool, { stream: 'change', from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 60_000), format: 'ndjson' }, out);
      const records = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
      expect(records).toHaveLength(count);
      for (const record of records) {
        // Only the export and a JCS implementation: hex prev_hash, ISO times, the stored changes.
        expect(chainHash(Buffer.from(record.prevHash, 'hex'), record).toString('hex')).toBe(record.hash);
      }
      const ours = records.filter((r) => r.customerId === customerId);
      expect(ours.map((r) => r.requestId)).toEqual(expect.arrayContaining([createRequest, phoneRequest]));
      expect(ours.find((r) => r.requestId === phoneRequest).changes[0]).toEqual({ field: 'phone', sensitive: true, sealed: expect.any(String) });
      for (const secret of [oldPhone, newPhone, maskPhone(oldPhone), maskPhone(newPhone), hash(oldPhone), hash(newPhone), idNumber, maskIdNumber(idNumber), hash(idNumber)]) {
        expect(text).not.toContain(secret);
      }
    });

    it('a change written after the key is gone (the erasure’s own transaction) keeps no value of the person', async () => {
      const requestId = `hs-erase-${randomUUID()}`;
      const principal = { sub: rep, role: 'admin', scopes: [], partnerId: null, tokenId: null, staffId: rep, issuedAt: null, expiresAt: new Date(Date.now() + 60_000) } as unknown as Principal;
      const db = new RequestDb(server.pool, changeRecorder({ principal, requestId, operationName: () => 'Erase' }, server.audit.hashValue));
      const change: EntityChange = {
        entity: 'Customer', entityId: customerId, customerId, action: 'UPDATE',
        before: { phone: newPhone, idNumber, status: 'ACTIVE' }, after: { phone: null, idNumber: null, status: 'ERASED' }, reason: `客户 ${newPhone} 申请删除`,
      };
      await db.transaction(async (tx) => tx.changed(change));
      const [record] = await storedOf(requestId);
      expect(record.changes).toEqual([
        { field: 'idNumber', sensitive: true, sealed: null },
        { field: 'phone', sensitive: true, sealed: null },
        { field: 'status', sensitive: false, old: 'ACTIVE', new: 'ERASED' },
        // The operator's free text about a customer is the person's too.
        { field: 'reason', sensitive: false, sealed: null },
      ]);
      for (const secret of [newPhone, maskPhone(newPhone), hash(newPhone), idNumber, maskIdNumber(idNumber), hash(idNumber)]) expect(record.row).not.toContain(secret);
      expect((await verify()).ok).toBe(true);
    });
  });

  describe('tampering with a sealed part', () => {
    it('breaks verification at that record, and the part no longer opens', async () => {
      // Another customer, keys intact: move the sealed phone of one of its records onto another record.
      const other = (await server.clearRows<{ id: string; phone: string }>('customers', `t.relationship_manager_id = $1 AND t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.phone_sealed IS NOT NULL AND t.id <> $2`, [rep, customerId], 'ORDER BY t.archive_number LIMIT 1'))[0];
      const requests: string[] = [];
      for (const phone of ['13911110001', '13911110002']) {
        const requestId = `hs-tamper-${randomUUID()}`;
        requests.push(requestId);
        const { body } = await server.gql<any>(`mutation ($id: ID!, $phone: String!) { updateCustomer(id: $id, input: { phone: $phone }) { id } }`, {
          role: 'sales', sub: rep, headers: { 'x-request-id': requestId }, variables: { id: other.id, phone },
        });
        expect(body.errors).toBeUndefined();
      }
      const [[first], [second]] = [await storedOf(requests[0]), await storedOf(requests[1])];
      expect((await verify()).ok).toBe(true);

      const original = second.text;
      await bypassingTriggers(async (client) => {
        await client.query(`UPDATE audit_changes SET changes = $2::jsonb WHERE seq = $1`, [second.seq, JSON.stringify(first.changes)]);
      });
      try {
        const report = await verify();
        expect(report.ok).toBe(false);
        expect(report.streams.find((s) => s.stream === 'change')!.broken).toEqual({ seq: second.seq, problem: 'the record was altered: its hash does not match its contents' });
        // The moved part is bound to its record: it does not open in another one.
        const { nodes } = await history('CUSTOMER', other.id);
        const moved = nodes.find((n) => n.seq === second.seq);
        expect(moved.changes).toEqual([{ field: 'phone', sensitive: true, old: null, new: null, oldHash: null, newHash: null, sealing: 'UNREADABLE' }]);
      } finally {
        await bypassingTriggers(async (client) => {
          await client.query(`UPDATE audit_changes SET changes = $2::jsonb WHERE seq = $1`, [second.seq, original]);
        });
      }
      expect((await verify()).ok).toBe(true);
    });
  });
});
