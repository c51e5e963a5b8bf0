/**
 * Issue 15, the storage itself: what is in the database is ciphertext bound to its place, keys
 * bound to their customer, no plaintext anywhere (and PostgreSQL refusing any), lookups and
 * uniqueness by blind index, and masked reads that decrypt nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildNationalId } from '../../src/domain/national-id';
import * as sealing from '../../src/crypto/sealing';
import { SEALED_TABLES } from '../../src/crypto/sealed-fields';
import { sealPlaintext } from '../../src/crypto/seal-plaintext';
import type { SqlRunner } from '../../src/db/pool';
import { maskPhone } from '../../permissions/masks';
import { example } from '../harness/examples';
import { spawnServer } from '../harness/process';
import { startTestServer, type TestServer } from '../harness/server';

describe('Sealed storage', () => {
  let server: TestServer;
  let rep: string;
  const taken = new Set<string>();

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  /** The superuser's pool as the keyring's SQL runner. */
  const runner = (): SqlRunner => ({ rows: async <R,>(text: string, values?: unknown[]) => (await server.db.pool.query(text, values)).rows as R[] });

  /** An individual customer of the rep with every sealed contact field stored, used by one test only. */
  async function ownCustomer(): Promise<{ id: string; phone: string; email: string; id_number: string }> {
    const [row] = await server.clearRows<{ id: string; phone: string; email: string; id_number: string }>(
      'customers',
      `t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.relationship_manager_id = $1 AND t.phone_sealed IS NOT NULL AND t.email_sealed IS NOT NULL
         AND t.id_number_sealed IS NOT NULL AND NOT (t.id = ANY($2::uuid[]))`,
      [rep, [...taken]],
      'ORDER BY t.archive_number LIMIT 1',
    );
    expect(row).toBeDefined();
    expect([row.phone, row.email, row.id_number].every((v) => typeof v === 'string' && v.length > 0)).toBe(true);
    taken.add(row.id);
    return row;
  }

  const asRep = <T = any>(query: string, variables: Record<string, unknown> = {}) => server.gql<T>(query, { role: 'sales', sub: rep, variables });

  beforeAll(async () => {
    server = await startTestServer();
    [{ id: rep }] = await sql<{ id: string }>(
      `SELECT relationship_manager_id AS id FROM customers WHERE kind = 'INDIVIDUAL' AND relationship_manager_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    // The seed writes no clear-access grant: one is requested through the API, so that every sealed table holds a row.
    const manager = await server.member('manager', 'sealed-storage-grantee');
    const [{ id: customerId }] = await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY id LIMIT 1`);
    const requested = await server.gql<any>(`mutation ($input: RequestClearAccessInput!) { requestClearAccess(input: $input) { id } }`, {
      role: 'manager', sub: manager, variables: { input: { customerId, fields: ['phone'], purpose: 'supervision', reason: 'the customer disputes a transfer' } },
    });
    expect(requested.body.errors).toBeUndefined();
  });

  afterAll(() => server.stop());

  beforeEach(() => server.resetBreadth());

  describe('no plaintext at rest', () => {
    it('leaves every plaintext column NULL after seeding, the values sealed beside them, and nothing for start-up sealing to do (after which PostgreSQL validates every check)', async () => {
      for (const spec of Object.values(SEALED_TABLES)) {
        const counts = await sql(
          `SELECT count(*)::int AS rows, ${spec.fields.map((f) => `count(${f.column})::int AS "${f.column}", count(${f.column}_sealed)::int AS "${f.column}_sealed"`).join(', ')} FROM ${spec.table}`,
        );
        expect(counts[0].rows).toBeGreaterThan(0);
        for (const field of spec.fields) {
          expect({ table: spec.table, column: field.column, plaintext: counts[0][field.column] }).toEqual({ table: spec.table, column: field.column, plaintext: 0 });
        }
        // What the seed fills is stored, sealed (a table's first field is always filled: ID number, phone, description, note).
        expect(counts[0][`${spec.fields[0].column}_sealed`]).toBeGreaterThan(0);
      }
      // What the server runs at start finds nothing left to seal, and then PostgreSQL itself vouches for it (checks validated).
      const report = await sealPlaintext(server.db.pool, server.keyring);
      expect(report.customerKeysCreated).toBe(0);
      expect(Object.values(report.rowsSealed)).toEqual(Object.values(SEALED_TABLES).map(() => 0));
      const checks = await sql(`SELECT conname, convalidated FROM pg_constraint WHERE conname LIKE '%\\_plaintext\\_sealed\\_check' ORDER BY 1`);
      expect(checks).toEqual(Object.values(SEALED_TABLES).map((spec) => ({ conname: `${spec.table}_plaintext_sealed_check`, convalidated: true })).sort((x, y) => x.conname.localeCompare(y.conname)));
      // A sealed value is ciphertext: no row's stored bytes contain its clear value.
      const [sample] = await server.clearRows('customers', `t.phone_sealed IS NOT NULL`, [], 'LIMIT 1');
      const [stored] = await sql(`SELECT phone_sealed, phone_masked FROM customers WHERE id = $1`, [sample.id]);
      expect((stored.phone_sealed as Buffer).includes(Buffer.from(sample.phone))).toBe(false);
      expect(stored.phone_masked).toBe(maskPhone(sample.phone));
    });

    it('refuses writing any plaintext column, even for the database superuser and through the app role', async () => {
      const valueOf = (column: string) => (column === 'birth_date' ? '1990-01-01' : ['annual_income', 'total_assets'].includes(column) ? '1.00' : column === 'credit_rating' ? 'AAA' : '13912345678');
      for (const spec of Object.values(SEALED_TABLES)) {
        const [{ id }] = await sql<{ id: string }>(`SELECT id FROM ${spec.table} LIMIT 1`);
        for (const field of spec.fields) {
          for (const pool of [server.db.pool, server.pool]) {
            await expect(pool.query(`UPDATE ${spec.table} SET ${field.column} = $2 WHERE id = $1`, [id, valueOf(field.column)])).rejects.toMatchObject({
              constraint: `${spec.table}_plaintext_sealed_check`,
            });
          }
        }
      }
    });
  });

  describe('a sealed value opens only in its own place (row, column) under its own customer key', () => {
    it('a value copied to another column of the same row does not open — the API fails the field rather than serve it', async () => {
      const customer = await ownCustomer();
      // Control: read clear as stored.
      const before = await asRep(`query ($id: ID!) { customer(id: $id) { phone email } }`, { id: customer.id });
      expect(before.body.data.customer).toEqual({ phone: customer.phone, email: customer.email });

      await sql(`UPDATE customers SET email_sealed = phone_sealed WHERE id = $1`, [customer.id]);
      const after = await asRep(`query ($id: ID!) { customer(id: $id) { email } }`, { id: customer.id });
      expect(after.body.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(after.body)).not.toContain(customer.phone);
      await expect(server.clearRows('customers', 't.id = $1', [customer.id])).rejects.toThrow();

      // The same bytes under the same key open in their own place only.
      const key = (await server.keyring.customerKey(runner(), customer.id))!;
      const [{ phone_sealed: sealed }] = await sql<{ phone_sealed: Buffer }>(`SELECT phone_sealed FROM customers WHERE id = $1`, [customer.id]);
      expect(sealing.open(key, sealed, sealing.placeOf('customers', 'phone', customer.id)).toString('utf8')).toBe(customer.phone);
      expect(() => sealing.open(key, sealed, sealing.placeOf('customers', 'email', customer.id))).toThrow();
    });

    it("a value copied to another row of the same customer (same key) does not open", async () => {
      const [{ customer_id: customerId }] = await sql<{ customer_id: string }>(
        `SELECT customer_id FROM transactions WHERE account_number_sealed IS NOT NULL GROUP BY 1 HAVING count(*) >= 2 ORDER BY 1 LIMIT 1`,
      );
      const [first, second] = await server.clearRows('transactions', 't.customer_id = $1', [customerId], 'ORDER BY t.id LIMIT 2');
      expect([typeof first.account_number, typeof second.account_number]).toEqual(['string', 'string']);
      await sql(`UPDATE transactions SET account_number_sealed = (SELECT account_number_sealed FROM transactions WHERE id = $1) WHERE id = $2`, [first.id, second.id]);
      await expect(server.clearRows('transactions', 't.id = $1', [second.id])).rejects.toThrow();
      // The first row still opens: nothing but the moved value is affected.
      const [again] = await server.clearRows('transactions', 't.id = $1', [first.id]);
      expect(again.account_number).toBe(first.account_number);

      const key = (await server.keyring.customerKey(runner(), customerId))!;
      const [{ account_number_sealed: sealed }] = await sql<{ account_number_sealed: Buffer }>(`SELECT account_number_sealed FROM transactions WHERE id = $1`, [first.id]);
      expect(sealing.open(key, sealed, sealing.placeOf('transactions', 'account_number', first.id)).toString('utf8')).toBe(first.account_number);
      expect(() => sealing.open(key, sealed, sealing.placeOf('transactions', 'account_number', second.id))).toThrow();
    });

    it("a value copied to another customer's row does not open (neither the key nor the place is its own)", async () => {
      const [a, b] = [await ownCustomer(), await ownCustomer()];
      await sql(`UPDATE customers SET phone_sealed = (SELECT phone_sealed FROM customers WHERE id = $1) WHERE id = $2`, [a.id, b.id]);
      const read = await asRep(`query ($id: ID!) { customer(id: $id) { phone } }`, { id: b.id });
      expect(read.body.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(read.body)).not.toContain(a.phone);
      await expect(server.clearRows('customers', 't.id = $1', [b.id])).rejects.toThrow();
    });
  });

  describe('a wrapped data key unwraps only for its own customer', () => {
    it("a data key moved to another customer's key-store row does not unwrap, and that customer's values are not served", async () => {
      const [a, b] = [await ownCustomer(), await ownCustomer()];
      expect(await server.keyring.customerKey(runner(), b.id)).toBeInstanceOf(Buffer);
      await sql(
        `UPDATE keystore.customer_keys SET (kek_id, data_key) = (SELECT kek_id, data_key FROM keystore.customer_keys WHERE customer_id = $1) WHERE customer_id = $2`,
        [a.id, b.id],
      );
      await expect(server.keyring.customerKey(runner(), b.id)).rejects.toThrow();
      // Nor as another kind of key of the same customer.
      await sql(`UPDATE keystore.customer_keys SET (history_kek_id, history_key) = (kek_id, data_key) WHERE customer_id = $1`, [a.id]);
      await expect(server.keyring.customerKey(runner(), a.id, 'history')).rejects.toThrow();
      expect(await server.keyring.customerKey(runner(), a.id, 'data')).toBeInstanceOf(Buffer);

      // Nothing of either customer is served in B's place.
      const read = await asRep(`query ($id: ID!) { customer(id: $id) { phone email } }`, { id: b.id });
      for (const value of [a.phone, a.email, b.phone, b.email]) expect(JSON.stringify(read.body)).not.toContain(value);

      // The code `npm start` runs fails the read outright. (In jest, node's crypto errors come from another realm than the
      // test's `Error`, so graphql-jit takes a rejected load for an object there; a server process has one realm.)
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cr-sealed-'));
      const spawned = spawnServer({ DATABASE_URL: server.db.url, DATA_DIR: dataDir });
      try {
        const url = await spawned.listening();
        const post = async (id: string) => {
          const response = await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token({ role: 'sales', sub: rep })}`, 'x-purpose': 'relationship_management' },
            body: JSON.stringify({ query: `query ($id: ID!) { customer(id: $id) { phone email } }`, variables: { id } }),
          });
          return { status: response.status, text: await response.text() };
        };
        const moved = await post(b.id);
        // Keys are unwrapped when a value is first read (a local KEK): each sealed field fails on its own, the rest of the record stands.
        const answer = JSON.parse(moved.text);
        expect(answer.data).toEqual({ customer: { phone: null, email: null } });
        expect(answer.errors.map((e: any) => e.extensions.code)).toEqual(['INTERNAL_SERVER_ERROR', 'INTERNAL_SERVER_ERROR']);
        for (const value of [a.phone, a.email, b.phone, b.email]) expect(moved.text).not.toContain(value);
        // The customer whose key it is still reads clear: only the moved copy is refused.
        expect(JSON.parse((await post(a.id)).text).data.customer).toEqual({ phone: a.phone, email: a.email });
      } finally {
        spawned.child.kill('SIGTERM');
        await spawned.exited;
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 90_000);
  });

  describe('blind indexes: lookups and uniqueness without plaintext', () => {
    const LOOKUP = `query ($f: CustomerFilter) { customers(filter: $f, first: 5) { totalCount edges { node { id } } } }`;

    it('finds a customer by ID number and by phone, written the way people write them', async () => {
      const customer = await ownCustomer();
      const [plain] = await sql(`SELECT id_number, phone FROM customers WHERE id = $1`, [customer.id]);
      expect(plain).toEqual({ id_number: null, phone: null });
      const service = (filter: Record<string, string>) => server.gql<any>(LOOKUP, { role: 'service', variables: { f: filter } });
      const spacedPhone = `${customer.phone.slice(0, 3)} ${customer.phone.slice(3, 7)}-${customer.phone.slice(7)}`;
      const filters: Record<string, string>[] = [{ idNumber: customer.id_number }, { idNumber: ` ${customer.id_number.toLowerCase()} ` }, { phone: customer.phone }, { phone: spacedPhone }];
      for (const filter of filters) {
        const { body } = await service(filter);
        expect(body.errors).toBeUndefined();
        expect(body.data.customers.edges.map((e: any) => e.node.id)).toContain(customer.id);
      }
      // A number nobody has finds nobody.
      const nobody = await service({ phone: '19999999999' });
      expect(nobody.body.data.customers).toMatchObject({ totalCount: 0, edges: [] });
    });

    it('one ID number, two createCustomer calls: the second is found by the blind index and held for review, the answer echoes no number', async () => {
      const idNumber = buildNationalId('330106', '1933-05-05', 111, 'MALE');
      const input = { kind: 'INDIVIDUAL', name: '盲索引测试', idNumber, phone: '13700002222' };
      const first = await asRep(example('CreateIndividualCustomer'), { input });
      // Written lowercase, the same number: normalised before its blind index is taken.
      const second = await asRep(example('CreateIndividualCustomer'), { input: { ...input, idNumber: idNumber.toLowerCase() } });
      for (const answer of [first, second]) {
        expect(answer.body.errors).toBeUndefined();
        expect(JSON.stringify(answer.body)).not.toContain(idNumber.slice(6, 14));
      }
      const [firstId, secondId] = [first.body.data.createCustomer.id, second.body.data.createCustomer.id];
      const [review] = await sql(`SELECT duplicate_of FROM customer_duplicate_reviews WHERE customer_id = $1`, [secondId]);
      expect(review.duplicate_of).toBe(firstId);
      const stored = await sql(`SELECT id_number, id_number_bidx FROM customers WHERE id = ANY($1::uuid[])`, [[firstId, secondId]]);
      expect(stored.map((r) => r.id_number)).toEqual([null, null]);
      expect(stored[0].id_number_bidx.equals(stored[1].id_number_bidx)).toBe(true);
      expect(stored[0].id_number_bidx.equals(server.keyring.blindIndex('idNumber', idNumber))).toBe(true);

      // Keeping the first makes it the customer with this number; keeping the second too is refused, naming the decision, echoing nothing.
      const [manager, other] = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' AND active AND username NOT LIKE 'test-%' ORDER BY username LIMIT 2`)).map((r) => r.id);
      const resolve = (customerId: string, sub: string) =>
        sql(`SELECT id FROM customer_duplicate_reviews WHERE customer_id = $1`, [customerId]).then(([r]) =>
          server.gql<any>(example('ResolveCustomerReview'), { role: 'manager', sub, variables: { id: r.id, decision: 'KEEP' } }));
      expect((await resolve(firstId, manager)).body.errors).toBeUndefined();
      const refused = await resolve(secondId, other);
      expect(refused.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'decision', reason: 'DUPLICATE_STANDS' });
      expect(JSON.stringify(refused.body)).not.toContain(idNumber.slice(6, 14));

      // And PostgreSQL holds the line by the blind index alone: a second established customer with the number is a unique violation.
      await expect(sql(`UPDATE customers SET status = 'ACTIVE' WHERE id = $1`, [secondId])).rejects.toMatchObject({ code: '23505', constraint: 'customers_id_number_key' });
    });
  });

  describe('top-level pages read what the plan needs of sealed fields, no more', () => {
    /** The SQL text of the statements the server ran while `work` ran. */
    async function statements(work: () => Promise<unknown>): Promise<string[]> {
      const spy = jest.spyOn(server.pool, 'query');
      try {
        await work();
        return spy.mock.calls.map((call) => String(typeof call[0] === 'string' ? call[0] : (call[0] as { text: string }).text));
      } finally {
        spy.mockRestore();
      }
    }
    const pageOf = (sqls: string[], table: string) => sqls.find((q) => new RegExp(`FROM ${table} \\w+ .*ORDER BY`, 's').test(q) && !q.includes('count(*)'))!;

    it('a page of transactions reads masked forms only where every value is masked (manager), nothing where removed (analyst)', async () => {
      const query = `{ transactions(first: 50) { edges { node { id amount description accountNumber counterpartyAccount } } } }`;
      const manager = pageOf(await statements(async () => {
        const { body } = await server.gql<any>(query, { role: 'manager' });
        expect(body.errors).toBeUndefined();
        expect(body.data.transactions.edges.some((e: any) => e.node.accountNumber?.includes('*'))).toBe(true);
      }), 'transactions');
      expect(manager).toMatch(/description_masked.*account_number_masked/s);
      expect(manager).not.toMatch(/_sealed|keystore/);
      const analyst = pageOf(await statements(async () => {
        const { body } = await server.gql<any>(query, { role: 'analyst' });
        expect(body.errors).toBeUndefined();
        expect(body.data.transactions.edges.every((e: any) => e.node.description === null && e.node.accountNumber === null)).toBe(true);
      }), 'transactions');
      expect(analyst).not.toMatch(/description_|account_number_|counterparty_account_|keystore/);
    });

    it('a manager page of customers (all masked) reads masked forms only; a rep whose own customers read clear reads the ciphertext', async () => {
      const query = `query ($rm: ID) { customers(first: 20, filter: { relationshipManagerId: $rm }) { edges { node { id phone birthYear } } } }`;
      const manager = pageOf(await statements(() => server.gql(query, { role: 'manager', variables: { rm: rep } })), 'customers');
      expect(manager).toContain('phone_masked');
      expect(manager).toContain('birth_date_masked');
      expect(manager).not.toMatch(/_sealed|keystore/);
      const own = pageOf(await statements(() => asRep(query, { rm: rep })), 'customers');
      expect(own).toContain('phone_sealed');
      expect(own).toContain('keystore.customer_keys');
      expect(own).not.toContain('birth_date_sealed');
    });
  });

  describe('masked and removed reads decrypt nothing', () => {
    /** Values opened (decrypted) while `work` runs, by place; key unwrapping (keystore.*) counted apart. */
    async function opened(work: () => Promise<unknown>): Promise<{ values: string[]; keys: number }> {
      const spy = jest.spyOn(sealing, 'open');
      try {
        await work();
        const places = spy.mock.calls.map((call) => call[2]);
        return { values: places.filter((p) => !p.startsWith('keystore.')), keys: places.filter((p) => p.startsWith('keystore.')).length };
      } finally {
        spy.mockRestore();
      }
    }
    const PAGE = `{ customers(first: 20, filter: { kind: INDIVIDUAL }) { edges { node { id phone email idNumber bankCardNumber birthDate annualIncome } } } }`;

    it('control: a rep reading own customers clear decrypts exactly the fields it is served', async () => {
      const customer = await ownCustomer();
      const result = await opened(() => asRep(`query ($id: ID!) { customer(id: $id) { phone email } }`, { id: customer.id }));
      expect(result.values.sort()).toEqual([sealing.placeOf('customers', 'email', customer.id), sealing.placeOf('customers', 'phone', customer.id)]);
    });

    it.each([
      ['a manager (every value masked)', 'manager', 'masked'],
      ['an analyst (phones removed, the rest generalised)', 'analyst', 'removed'],
      ['an administrator (masked)', 'admin', 'masked'],
    ] as const)('%s reading a page of customers decrypts no value', async (_label, role, phones) => {
      let nodes: { id: string; phone: string | null }[] = [];
      server.keyring.forget(); // nothing unwrapped before: an unwrap during the read would be counted
      const result = await opened(async () => {
        const { body } = await server.gql<any>(PAGE, { role });
        expect(body.errors).toBeUndefined();
        nodes = body.data.customers.edges.map((e: any) => e.node);
      });
      expect(result.values).toEqual([]);
      // Nor is a customer's data key unwrapped: with a local KEK keys are unwrapped when a value is first read.
      expect(result.keys).toBe(0);
      // The read happened: phones served as their stored masked forms, or removed.
      expect(nodes.length).toBeGreaterThan(0);
      if (phones === 'removed') {
        expect(nodes.every((n) => n.phone === null)).toBe(true);
      } else {
        const ids = nodes.map((n) => n.id);
        const stored = new Map((await sql<{ id: string; phone_masked: string | null }>(`SELECT id, phone_masked FROM customers WHERE id = ANY($1::uuid[])`, [ids])).map((r) => [r.id, r.phone_masked]));
        expect(nodes.map((n) => n.phone)).toEqual(nodes.map((n) => stored.get(n.id)));
        expect(nodes.some((n) => n.phone !== null)).toBe(true);
      }
    });

    it("a rep reading another rep's customers (masked) decrypts no value", async () => {
      const others = await sql<{ id: string }>(
        `SELECT id FROM customers WHERE relationship_manager_id <> $1 AND phone_sealed IS NOT NULL ORDER BY archive_number LIMIT 5`,
        [rep],
      );
      const result = await opened(async () => {
        for (const { id } of others) {
          const { body } = await asRep(`query ($id: ID!) { customer(id: $id) { phone email idNumber } }`, { id });
          expect(body.errors).toBeUndefined();
          expect(body.data.customer.phone).toMatch(/\*/);
        }
      });
      expect(result.values).toEqual([]);
    });
  });
});
