import { maskAddress, maskBirthDate, maskCard, maskEmail, maskIdNumber, maskName, maskPhone } from '../../permissions/masks';
import { decodeCursor as openCursor } from '../../src/paging/cursor';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * Attempts to get past the policy with GraphQL's own features — aliases, fragments, variables,
 * directives, batching, nested paths, filters and cursors, __typename, introspection — and
 * with roles that must not reach the data. Every expectation is computed from the database:
 * the clear value must not appear, the exact mask (or null) must.
 */

interface Tally {
  path: string;
  field: string;
  decision: 'CLEAR' | 'MASK' | 'REMOVE';
  strategy?: string;
  reason: string;
  count: number;
}

interface CustomerRow {
  id: string;
  name: string;
  id_number: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  bank_card_number: string | null;
  birth_date: string | null;
  relationship_manager_id: string | null;
}


/** The explanation the response carries: one entry per path, decision and reason. */
function privacyOf(body: unknown): Tally[] {
  return ((body as { extensions?: { privacy?: { fields?: Tally[] } } }).extensions?.privacy?.fields ?? []) as Tally[];
}

function exposureOf(body: unknown): Record<string, number> | undefined {
  return (body as { extensions?: { privacy?: { exposure?: Record<string, number> } } }).extensions?.privacy?.exposure;
}

function entriesAt(body: unknown, path: string): Tally[] {
  return privacyOf(body).filter((t) => t.path === path);
}

/** Fails naming the value's kind (not the value itself) when a clear value is in the response. */
function expectNoClear(body: unknown, values: readonly (string | null | undefined)[]): void {
  const text = JSON.stringify(body);
  const present = values.filter((v): v is string => typeof v === 'string' && v.length > 0);
  expect(present.length).toBeGreaterThan(0); // the check compares against something real
  for (const value of present) expect(text).not.toContain(value);
}

/** What a cursor says, read with the server's key (the test runs the server in-process): `list:id`. */
function decodeCursor(cursor: string): string {
  return `customers:${openCursor('customers', cursor)}`;
}

describe('Bypass attempts', () => {
  let server: TestServer;
  /** The sales rep with the most customers (30 in the seed). */
  let rep: string;
  /** An individual customer of someone else, with every sensitive field set and no complaint at all. */
  let foreign: CustomerRow;
  /** An individual customer of `rep`, with every identifying contact field set. */
  let own: CustomerRow;
  let serviceAgent: string;

  async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.pool.query(text, values)).rows as T[];
  }

  /** Ground truth: stored customers with their sealed fields opened (the plaintext columns are NULL). */
  const customers = (where: string, values: unknown[] = [], tail = '') => server.clearRows<CustomerRow>('customers', where, values, tail);

  async function customersById(ids: string[]): Promise<Map<string, CustomerRow>> {
    const rows = await customers(`t.id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Calls to the pool the server shares with the tests while `fn` runs: HTTP requests have no statement count. */
  /**
   * Pool calls made for the request's data: the access register's own batches (one connection
   * each), the partner-token lookup of authentication and the budget counters are left out.
   */
  async function poolCallsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; calls: number }> {
    const query = jest.spyOn(server.pool, 'query');
    const connect = jest.spyOn(server.pool, 'connect');
    const { batches, failures } = server.audit.writer.stats;
    try {
      const result = await fn();
      const registerBatches = server.audit.writer.stats.batches - batches + server.audit.writer.stats.failures - failures;
      // The directory's own look-ups (who is calling) are authentication, not data.
      const dataQueries = query.mock.calls.filter(([text]) => !/FROM partner_tokens|usage_counters|"tokensValidAfter" FROM staff/.test(String(text))).length;
      // pool.query() checks out a connection through connect() itself: count those once.
      const directConnects = connect.mock.calls.length - query.mock.calls.length;
      return { result, calls: dataQueries + directConnects - registerBatches };
    } finally {
      query.mockRestore();
      connect.mockRestore();
    }
  }

  const sales: TestServer['gql'] = (query, options = {}) => server.gql(query, { role: 'sales', sub: rep, ...options });

  beforeAll(async () => {
    server = await startTestServer();
    rep = (await sql<{ id: string }>(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`))[0].id;
    [foreign] = await customers(
      `t.kind = 'INDIVIDUAL' AND t.relationship_manager_id <> $1
       AND t.id_number_sealed IS NOT NULL AND t.phone_sealed IS NOT NULL AND t.email_sealed IS NOT NULL AND t.bank_card_number_sealed IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = t.id)
       AND EXISTS (SELECT 1 FROM transactions x WHERE x.customer_id = t.id AND x.counterparty_account_sealed IS NOT NULL)`,
      [rep],
      'ORDER BY t.archive_number LIMIT 1',
    );
    [own] = await customers(
      `t.kind = 'INDIVIDUAL' AND t.relationship_manager_id = $1
       AND t.phone_sealed IS NOT NULL AND t.email_sealed IS NOT NULL AND t.address_sealed IS NOT NULL`,
      [rep],
      'ORDER BY t.archive_number LIMIT 1',
    );
    serviceAgent = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'service' ORDER BY username LIMIT 1`))[0].id;
    expect(foreign).toBeDefined();
    expect(own).toBeDefined();
  });

  afterAll(() => server.stop());

  describe('aliases', () => {
    it("masks every alias of another rep's customer's identifiers", async () => {
      const { body } = await sales<any>(`query ($id: ID!) { customer(id: $id) { a: idNumber b: idNumber c: phone } }`, { variables: { id: foreign.id } });
      expect(body.errors).toBeUndefined();
      expect(body.data.customer).toEqual({
        a: maskIdNumber(foreign.id_number!),
        b: maskIdNumber(foreign.id_number!),
        c: maskPhone(foreign.phone!),
      });
      expectNoClear(body, [foreign.id_number, foreign.phone]);
      expect(entriesAt(body, 'customer.a')).toEqual([expect.objectContaining({ decision: 'MASK', strategy: 'idNumber', count: 1 })]);
      expect(entriesAt(body, 'customer.b')).toEqual([expect.objectContaining({ decision: 'MASK', strategy: 'idNumber', count: 1 })]);
      expect(entriesAt(body, 'customer.c')).toEqual([expect.objectContaining({ decision: 'MASK', strategy: 'phone', reason: 'NOT_OWN_CUSTOMER' })]);
    });

    it('counts each alias toward the volume: 21 aliases × 100 rows are refused before any SQL', async () => {
      const aliases = [
        ...Array.from({ length: 11 }, (_, i) => `i${i}: idNumber`),
        ...Array.from({ length: 10 }, (_, i) => `c${i}: bankCardNumber`),
      ].join(' ');
      const { body, statements } = await server.execute<any>(`{ customers(first: 100) { edges { node { ${aliases} } } } }`, { role: 'sales', sub: rep });
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions).toMatchObject({ code: 'EXPOSURE_LIMIT', volume: 21 * 100, limit: 2000 });
      expect(statements).toBe(0);
    });

    it('serves exactly the limit (20 aliases × 100 rows), every alias masked', async () => {
      const aliases = Array.from({ length: 20 }, (_, i) => `p${i}: phone`).join(' ');
      const { body } = await sales<any>(`{ customers(first: 100) { edges { node { id ${aliases} } } } }`);
      expect(body.errors).toBeUndefined();
      const nodes: Record<string, string>[] = body.data.customers.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(100);
      const rows = await customersById(nodes.map((n) => n.id));
      for (const node of nodes) {
        const expected = maskPhone(rows.get(node.id)!.phone!);
        for (let i = 0; i < 20; i += 1) expect(node[`p${i}`]).toBe(expected);
      }
      expectNoClear(body, [...rows.values()].map((r) => r.phone));
      expect(exposureOf(body)).toMatchObject({ volume: 2000, clearVolume: 0 });
    });

    it('aliases of the list share one clear budget: two pages of own customers give at most 20 clear phones', async () => {
      const first = await sales<any>(`query ($rm: ID) { customers(first: 20, filter: { relationshipManagerId: $rm }) { pageInfo { endCursor } } }`, { variables: { rm: rep } });
      const after = first.body.data.customers.pageInfo.endCursor;
      const { body } = await sales<any>(
        `query ($rm: ID, $after: String) {
           a: customers(first: 20, filter: { relationshipManagerId: $rm }) { edges { node { id phone } } }
           b: customers(first: 10, after: $after, filter: { relationshipManagerId: $rm }) { edges { node { id phone } } }
         }`,
        { variables: { rm: rep, after } },
      );
      expect(body.errors).toBeUndefined();
      const nodes: { id: string; phone: string }[] = [...body.data.a.edges, ...body.data.b.edges].map((e: any) => e.node);
      expect(nodes).toHaveLength(30);
      expect(new Set(nodes.map((n) => n.id)).size).toBe(30);
      const rows = await customersById(nodes.map((n) => n.id));
      let clear = 0;
      for (const node of nodes) {
        const row = rows.get(node.id)!;
        expect(row.relationship_manager_id).toBe(rep);
        expect([row.phone, maskPhone(row.phone!)]).toContain(node.phone);
        if (node.phone === row.phone) clear += 1;
      }
      expect(clear).toBeLessThanOrEqual(20);
      expect(exposureOf(body)).toMatchObject({ volume: 30 });
      expect(exposureOf(body)!.clearVolume).toBeLessThanOrEqual(20);
      expect(privacyOf(body).filter((t) => t.decision === 'MASK').map((t) => t.reason)).toEqual(['EXPOSURE_CLEAR_BUDGET']);
    });

    it("do not split one record's clear breadth: the same customer under four aliases gets at most 3 identifying fields clear", async () => {
      // One path asks for 4 identifying fields: address is masked (COMBINATION). Spreading the
      // same 4 fields of the same record over 4 aliases of `customer` must not make all 4 clear.
      const single = await sales<any>(`query ($id: ID!) { customer(id: $id) { name phone email address } }`, { variables: { id: own.id } });
      expect(single.body.data.customer.address).toBe(maskAddress(own.address!));
      expect(entriesAt(single.body, 'customer.address')).toEqual([expect.objectContaining({ decision: 'MASK', reason: 'COMBINATION' })]);

      const { body } = await sales<any>(
        `query ($id: ID!) { a: customer(id: $id) { name } b: customer(id: $id) { phone } c: customer(id: $id) { email } d: customer(id: $id) { address } }`,
        { variables: { id: own.id } },
      );
      expect(body.errors).toBeUndefined();
      const got = [body.data.a.name, body.data.b.phone, body.data.c.email, body.data.d.address];
      const clear = [own.name, own.phone, own.email, own.address];
      const masked = [maskName(own.name), maskPhone(own.phone!), maskEmail(own.email!), maskAddress(own.address!)];
      got.forEach((value, i) => expect([clear[i], masked[i]]).toContain(value));
      const clearCount = got.filter((value, i) => value === clear[i]).length;
      expect(clearCount).toBeLessThanOrEqual(3);
      expect(privacyOf(body).filter((t) => t.decision === 'CLEAR')).toHaveLength(clearCount);
    });
  });

  it('fragments, inline fragments and one fragment spread at several paths are masked', async () => {
    const { body } = await sales<any>(
      `query ($id: ID!) {
         customer(id: $id) { ...F ... on Customer { phone } ... { email } }
         again: customer(id: $id) { ...F }
         customers(first: 3) { edges { node { id ...F } } }
       }
       fragment F on Customer { idNumber bankCardNumber }`,
      { variables: { id: foreign.id } },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.customer).toEqual({
      idNumber: maskIdNumber(foreign.id_number!),
      bankCardNumber: maskCard(foreign.bank_card_number!),
      phone: maskPhone(foreign.phone!),
      email: maskEmail(foreign.email!),
    });
    expect(body.data.again).toEqual({ idNumber: maskIdNumber(foreign.id_number!), bankCardNumber: maskCard(foreign.bank_card_number!) });
    const nodes: { id: string; idNumber: string | null; bankCardNumber: string | null }[] = body.data.customers.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(3);
    const rows = await customersById(nodes.map((n) => n.id));
    for (const node of nodes) {
      const row = rows.get(node.id)!;
      expect(node.idNumber).toBe(row.id_number === null ? null : maskIdNumber(row.id_number));
      expect(node.bankCardNumber).toBe(row.bank_card_number === null ? null : maskCard(row.bank_card_number));
    }
    expectNoClear(body, [foreign.id_number, foreign.bank_card_number, foreign.phone, foreign.email, ...[...rows.values()].flatMap((r) => [r.id_number, r.bank_card_number])]);
    for (const path of ['customer.idNumber', 'again.idNumber', 'customers.edges.node.idNumber']) {
      expect(entriesAt(body, path)).toEqual([expect.objectContaining({ decision: 'MASK', strategy: 'idNumber', reason: 'ROLE_POLICY' })]);
    }
    for (const path of ['customer.bankCardNumber', 'again.bankCardNumber', 'customers.edges.node.bankCardNumber']) {
      expect(entriesAt(body, path)).toEqual([expect.objectContaining({ decision: 'MASK', strategy: 'card' })]);
    }
    expect(entriesAt(body, 'customer.phone')).toEqual([expect.objectContaining({ decision: 'MASK', reason: 'NOT_OWN_CUSTOMER' })]);
  });

  describe('variables in first', () => {
    const ownPage = `query ($n: Int, $rm: ID) { customers(first: $n, filter: { relationshipManagerId: $rm }) { edges { node { id phone } } } }`;

    it("a page of 100 of the rep's own customers comes back masked: over the clear budget", async () => {
      const { body } = await sales<any>(ownPage, { variables: { n: 100, rm: rep } });
      expect(body.errors).toBeUndefined();
      const nodes: { id: string; phone: string }[] = body.data.customers.edges.map((e: any) => e.node);
      const mine = await customers(`t.relationship_manager_id = $1`, [rep]);
      expect(mine.length).toBeGreaterThan(20);
      expect(nodes).toHaveLength(mine.length);
      const byId = new Map(mine.map((r) => [r.id, r]));
      for (const node of nodes) expect(node.phone).toBe(maskPhone(byId.get(node.id)!.phone!));
      expectNoClear(body, mine.map((r) => r.phone));
      expect(entriesAt(body, 'customers.edges.node.phone')).toEqual([
        expect.objectContaining({ decision: 'MASK', strategy: 'phone', reason: 'EXPOSURE_CLEAR_BUDGET', count: mine.length }),
      ]);
    });

    it("a variable's default value is planned like a given one", async () => {
      const { body } = await sales<any>(
        `query ($n: Int = 100, $rm: ID) { customers(first: $n, filter: { relationshipManagerId: $rm }) { edges { node { id phone } } } }`,
        { variables: { rm: rep } },
      );
      expect(body.errors).toBeUndefined();
      const nodes: { id: string; phone: string }[] = body.data.customers.edges.map((e: any) => e.node);
      expect(nodes.length).toBeGreaterThan(20);
      const rows = await customersById(nodes.map((n) => n.id));
      for (const node of nodes) expect(node.phone).toBe(maskPhone(rows.get(node.id)!.phone!));
      expectNoClear(body, [...rows.values()].map((r) => r.phone));
      expect(entriesAt(body, 'customers.edges.node.phone')).toEqual([expect.objectContaining({ decision: 'MASK', reason: 'EXPOSURE_CLEAR_BUDGET' })]);
    });

    it('first: 1 on an own customer is clear', async () => {
      const { body } = await sales<any>(ownPage, { variables: { n: 1, rm: rep } });
      expect(body.errors).toBeUndefined();
      const [node] = body.data.customers.edges.map((e: any) => e.node);
      const [newest] = await customers(`t.relationship_manager_id = $1`, [rep], 'ORDER BY t.created_at DESC, t.id DESC LIMIT 1');
      expect(newest.phone).toEqual(expect.any(String));
      expect(node).toEqual({ id: newest.id, phone: newest.phone });
      expect(entriesAt(body, 'customers.edges.node.phone')).toEqual([expect.objectContaining({ decision: 'CLEAR', reason: 'OWN_CUSTOMER', count: 1 })]);
    });
  });

  describe('@include / @skip', () => {
    it('included fields are masked and counted, skipped ones are absent', async () => {
      const { body } = await sales<any>(
        `query ($id: ID!, $yes: Boolean!, $no: Boolean!) {
           customer(id: $id) {
             id
             idNumber @include(if: $yes)
             bankCardNumber @include(if: $no)
             phone @skip(if: $no)
             email @skip(if: $yes)
           }
         }`,
        { variables: { id: foreign.id, yes: true, no: false } },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.customer).toEqual({ id: foreign.id, idNumber: maskIdNumber(foreign.id_number!), phone: maskPhone(foreign.phone!) });
      expectNoClear(body, [foreign.id_number, foreign.phone, foreign.bank_card_number, foreign.email]);
      expect(privacyOf(body).map((t) => [t.path, t.decision]).sort()).toEqual([
        ['customer.idNumber', 'MASK'],
        ['customer.phone', 'MASK'],
      ]);
      expect(exposureOf(body)).toMatchObject({ volume: 2 });
    });

    it('a huge selection under @include(if: false) does not count toward the limit; under true it is refused before SQL', async () => {
      const huge = Array.from({ length: 25 }, (_, i) => `p${i}: phone`).join(' ');
      const query = `query ($on: Boolean!) { customers(first: 100) { edges { node { id ... @include(if: $on) { ${huge} } e: email @include(if: $on) } } } }`;
      const off = await server.execute<any>(query, { role: 'sales', sub: rep, variables: { on: false } });
      expect(off.body.errors).toBeUndefined();
      expect(off.body.data.customers.edges).toHaveLength(100);
      for (const edge of off.body.data.customers.edges) expect(Object.keys(edge.node)).toEqual(['id']);
      expect(off.statements).toBeGreaterThan(0);

      const on = await server.execute<any>(query, { role: 'sales', sub: rep, variables: { on: true } });
      expect(on.body.data ?? null).toBeNull();
      expect(on.body.errors![0].extensions).toMatchObject({ code: 'EXPOSURE_LIMIT', volume: 26 * 100 });
      expect(on.statements).toBe(0);
    });
  });

  it('batched (array) HTTP requests are refused without data and without SQL', async () => {
    const token = await server.token({ role: 'sales', sub: rep });
    const operations = [
      { query: `query ($id: ID!) { customer(id: $id) { idNumber phone bankCardNumber email } }`, variables: { id: foreign.id } },
      { query: `query ($id: ID!) { customer(id: $id) { name phone email address } }`, variables: { id: own.id } },
    ];
    const post = (payload: unknown) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'relationship_management' },
        body: JSON.stringify(payload),
      }).then(async (response) => ({ status: response.status, body: JSON.parse(await response.text()) }));

    const batched = await poolCallsDuring(() => post(operations));
    expect(batched.result.status).toBe(400);
    const body = batched.result.body;
    expect(Array.isArray(body)).toBe(false);
    expect(body.data).toBeUndefined();
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expectNoClear(body, [foreign.id_number, foreign.phone, foreign.bank_card_number, foreign.email, own.phone, own.email, own.address]);
    expect(batched.calls).toBe(0);

    // Control: the first operation on its own is served (so the spy sees SQL) and masked.
    const single = await poolCallsDuring(() => post(operations[0]));
    expect(single.result.status).toBe(200);
    expect(single.calls).toBeGreaterThan(0);
    expect(single.result.body.data.customer).toEqual({
      idNumber: maskIdNumber(foreign.id_number!),
      phone: maskPhone(foreign.phone!),
      bankCardNumber: maskCard(foreign.bank_card_number!),
      email: maskEmail(foreign.email!),
    });
  });

  describe('nested paths', () => {
    const viaTransactions = `{ transactions(first: 5) { edges { node { id customer { id idNumber bankCardNumber } } } } }`;
    const viaComplaints = `{ complaints(first: 5) { edges { node { id customer { id bankCardNumber phone } } } } }`;

    it('manager: the customer of a transaction and of a complaint is masked', async () => {
      const tx = await server.gql<any>(viaTransactions, { role: 'manager' });
      const cx = await server.gql<any>(viaComplaints, { role: 'manager' });
      expect(tx.body.errors).toBeUndefined();
      expect(cx.body.errors).toBeUndefined();
      const txCustomers: any[] = tx.body.data.transactions.edges.map((e: any) => e.node.customer);
      const cxCustomers: any[] = cx.body.data.complaints.edges.map((e: any) => e.node.customer);
      expect(txCustomers).toHaveLength(5);
      expect(cxCustomers).toHaveLength(5);
      const rows = await customersById([...txCustomers, ...cxCustomers].map((c) => c.id));
      for (const c of txCustomers) {
        const row = rows.get(c.id)!;
        expect(c.idNumber).toBe(row.id_number === null ? null : maskIdNumber(row.id_number));
        expect(c.bankCardNumber).toBe(row.bank_card_number === null ? null : maskCard(row.bank_card_number));
      }
      for (const c of cxCustomers) {
        const row = rows.get(c.id)!;
        expect(c.bankCardNumber).toBe(row.bank_card_number === null ? null : maskCard(row.bank_card_number));
        expect(c.phone).toBe(maskPhone(row.phone!));
      }
      expectNoClear(tx.body, txCustomers.flatMap((c) => [rows.get(c.id)!.id_number, rows.get(c.id)!.bank_card_number]));
      expectNoClear(cx.body, cxCustomers.flatMap((c) => [rows.get(c.id)!.bank_card_number, rows.get(c.id)!.phone]));
      expect(entriesAt(tx.body, 'transactions.edges.node.customer.idNumber').map((t) => t.decision)).toEqual(['MASK']);
      expect(entriesAt(cx.body, 'complaints.edges.node.customer.phone').map((t) => t.decision)).toEqual(['MASK']);
    });

    it('analyst: the same nested identifiers are removed (null)', async () => {
      const tx = await server.gql<any>(viaTransactions.replace('bankCardNumber', 'bankCardNumber phone'), { role: 'analyst' });
      const cx = await server.gql<any>(viaComplaints.replace('phone', 'phone idNumber'), { role: 'analyst' });
      expect(tx.body.errors).toBeUndefined();
      expect(cx.body.errors).toBeUndefined();
      const customers: any[] = [
        ...tx.body.data.transactions.edges.map((e: any) => e.node.customer),
        ...cx.body.data.complaints.edges.map((e: any) => e.node.customer),
      ];
      expect(customers).toHaveLength(10);
      for (const c of customers) expect(c).toEqual({ id: expect.any(String), idNumber: null, bankCardNumber: null, phone: null });
      // Their ids are the analyst's pseudonyms of real customers.
      const real = await server.realIdsOfPseudonyms();
      for (const c of customers) expect(real.has(c.id)).toBe(true);
      const rows = await customersById(customers.map((c) => real.get(c.id)!));
      expectNoClear([tx.body, cx.body], [...rows.values()].flatMap((r) => [r.id_number, r.bank_card_number, r.phone]));
      for (const field of ['idNumber', 'bankCardNumber', 'phone']) {
        expect(entriesAt(tx.body, `transactions.edges.node.customer.${field}`)).toEqual([expect.objectContaining({ decision: 'REMOVE', count: 5 })]);
        expect(entriesAt(cx.body, `complaints.edges.node.customer.${field}`)).toEqual([expect.objectContaining({ decision: 'REMOVE', count: 5 })]);
      }
    });

    it("sales: accounts and the customer reached back through another rep's customer's transactions are masked", async () => {
      const { body } = await sales<any>(
        `query ($id: ID!) { customer(id: $id) { transactions(first: 5) { edges { node { id accountNumber counterpartyAccount customer { id idNumber phone } } } } } }`,
        { variables: { id: foreign.id } },
      );
      expect(body.errors).toBeUndefined();
      const nodes: any[] = body.data.customer.transactions.edges.map((e: any) => e.node);
      expect(nodes.length).toBeGreaterThan(0);
      const txRows = await server.clearRows<{ id: string; account_number: string; counterparty_account: string | null }>(
        'transactions',
        `t.id = ANY($1::uuid[])`,
        [nodes.map((n) => n.id)],
      );
      const byId = new Map(txRows.map((t) => [t.id, t]));
      for (const node of nodes) {
        const row = byId.get(node.id)!;
        expect(node.accountNumber).toBe(maskCard(row.account_number));
        expect(node.counterpartyAccount).toBe(row.counterparty_account === null ? null : maskCard(row.counterparty_account));
        expect(node.customer).toEqual({ id: foreign.id, idNumber: maskIdNumber(foreign.id_number!), phone: maskPhone(foreign.phone!) });
      }
      expectNoClear(body, [foreign.id_number, foreign.phone, ...txRows.flatMap((t) => [t.account_number, t.counterparty_account])]);
      expect(entriesAt(body, 'customer.transactions.edges.node.customer.phone')).toEqual([expect.objectContaining({ decision: 'MASK', reason: 'NOT_OWN_CUSTOMER' })]);
    });
  });

  describe('filters, ordering and cursors', () => {
    it('sales may not filter by ID number or phone: FORBIDDEN before any SQL, the value not echoed', async () => {
      const attempts: { query: string; variables?: Record<string, unknown>; value: string }[] = [
        { query: `{ customers(filter: { idNumber: "${foreign.id_number}" }) { edges { node { id } } } }`, value: foreign.id_number! },
        { query: `query ($f: CustomerFilter) { customers(filter: $f) { totalCount } }`, variables: { f: { phone: foreign.phone } }, value: foreign.phone! },
        { query: `query ($p: String) { customers(first: 1, filter: { phone: $p }) { edges { node { id } } } }`, variables: { p: foreign.phone }, value: foreign.phone! },
      ];
      for (const { query, variables, value } of attempts) {
        const { body, statements } = await server.execute<any>(query, { role: 'sales', sub: rep, variables });
        expect(body.data ?? null).toBeNull();
        expect(body.errors![0].extensions!.code).toBe('FORBIDDEN');
        expect(body.errors![0].message).not.toContain(value);
        expect(JSON.stringify(body)).not.toContain(value);
        expect(statements).toBe(0);
        const { result: http, calls } = await poolCallsDuring(() => sales<any>(query, { variables }));
        expect(calls).toBe(0);
        expect(http.status).toBe(403);
        expect(http.body.errors![0].extensions!.code).toBe('FORBIDDEN');
        expect(JSON.stringify(http.body)).not.toContain(value);
      }
    });

    it('service may look a customer up by exact ID number or phone and gets the record masked', async () => {
      for (const filter of [{ idNumber: foreign.id_number }, { phone: foreign.phone }]) {
        const { body } = await server.gql<any>(
          `query ($f: CustomerFilter) { customers(filter: $f) { edges { node { id name idNumber phone bankCardNumber } } } }`,
          { role: 'service', sub: serviceAgent, variables: { f: filter } },
        );
        expect(body.errors).toBeUndefined();
        expect(body.data.customers.edges.map((e: any) => e.node)).toEqual([
          {
            id: foreign.id,
            name: maskName(foreign.name),
            idNumber: maskIdNumber(foreign.id_number!),
            phone: maskPhone(foreign.phone!),
            bankCardNumber: maskCard(foreign.bank_card_number!),
          },
        ]);
        expectNoClear(body, [foreign.name, foreign.id_number, foreign.phone, foreign.bank_card_number]);
      }
    });

    it('cursors decode to the list and the record id only, whatever the order', async () => {
      for (const orderBy of ['null', '{ field: ARCHIVE_NUMBER, direction: ASC }', '{ field: UPDATED_AT }']) {
        const { body } = await sales<any>(
          `{ customers(first: 5, orderBy: ${orderBy}) { pageInfo { startCursor endCursor } edges { cursor node { id } } } }`,
        );
        expect(body.errors).toBeUndefined();
        const edges: { cursor: string; node: { id: string } }[] = body.data.customers.edges;
        expect(edges).toHaveLength(5);
        for (const edge of edges) expect(decodeCursor(edge.cursor)).toBe(`customers:${edge.node.id}`);
        expect(decodeCursor(body.data.customers.pageInfo.startCursor)).toBe(`customers:${edges[0].node.id}`);
        expect(decodeCursor(body.data.customers.pageInfo.endCursor)).toBe(`customers:${edges[4].node.id}`);
        const rows = await customersById(edges.map((e) => e.node.id));
        // To the caller a cursor is opaque: not even the record id can be read out of it.
        const decoded = edges.map((e) => decodeCursor(e.cursor)).join('|');
        for (const edge of edges) expect(Buffer.from(edge.cursor, 'base64url').toString('latin1')).not.toContain(edge.node.id);
        for (const row of rows.values()) {
          for (const value of [row.name, row.id_number, row.phone, row.email, row.bank_card_number]) if (value) expect(decoded).not.toContain(value);
        }
      }
    });

    it('a forged cursor carrying an ID number is refused without echoing it', async () => {
      const forged = Buffer.from(`customers:${foreign.id_number}`, 'utf8').toString('base64url');
      const { body, statements } = await server.execute<any>(`query ($after: String) { customers(first: 1, after: $after) { edges { node { id } } } }`, {
        role: 'sales',
        sub: rep,
        variables: { after: forged },
      });
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(JSON.stringify(body)).not.toContain(foreign.id_number!);
      expect(JSON.stringify(body)).not.toContain(forged);
      expect(statements).toBe(0);
    });
  });

  describe('__typename and introspection', () => {
    it('__typename next to (or as the alias of) a sensitive field does not unmask it', async () => {
      const { body } = await sales<any>(`{ customers(first: 3) { edges { node { id __typename t: __typename idNumber } } } }`);
      expect(body.errors).toBeUndefined();
      const nodes: any[] = body.data.customers.edges.map((e: any) => e.node);
      const rows = await customersById(nodes.map((n) => n.id));
      for (const node of nodes) {
        const row = rows.get(node.id)!;
        expect(node).toEqual({ id: row.id, __typename: 'Customer', t: 'Customer', idNumber: row.id_number === null ? null : maskIdNumber(row.id_number) });
      }

      const aliased = await sales<any>(`query ($id: ID!) { customer(id: $id) { __typename: idNumber phone: bankCardNumber } }`, { variables: { id: foreign.id } });
      expect(aliased.body.errors).toBeUndefined();
      expect(aliased.body.data.customer).toEqual({ __typename: maskIdNumber(foreign.id_number!), phone: maskCard(foreign.bank_card_number!) });
      expectNoClear([body, aliased.body], [foreign.id_number, foreign.bank_card_number, ...[...rows.values()].map((r) => r.id_number)]);
    });

    it('__schema / __type introspection returns no data values and runs no SQL', async () => {
      const { body, statements } = await server.execute<any>(
        `{ __typename __schema { queryType { name } types { name fields { name args { name defaultValue } } } }
           __type(name: "Customer") { name fields { name description type { name kind } } } }`,
        { role: 'sales', sub: rep },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.__type.fields.map((f: any) => f.name)).toContain('idNumber');
      expect(statements).toBe(0);
      expect(privacyOf(body)).toEqual([]);
      expectNoClear(body, [foreign.id_number, foreign.phone, foreign.email, foreign.bank_card_number, foreign.name, own.phone, own.email, own.address]);
    });
  });

  it('analyst: a page of 100 customers has every identifier removed and birth dates reduced to the year', async () => {
    const { body } = await server.gql<any>(`{ customers(first: 100) { edges { node { id name idNumber phone email bankCardNumber birthDate birthYear } } } }`, { role: 'analyst' });
    expect(body.errors).toBeUndefined();
    const nodes: any[] = body.data.customers.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(100);
    const real = await server.realIdsOfPseudonyms();
    const rows = await customersById(nodes.map((n) => real.get(n.id)!));
    for (const node of nodes) {
      const row = rows.get(real.get(node.id)!)!;
      expect(node).toEqual({
        id: node.id, // a pseudonym (checked above to map to a real customer)
        name: null,
        idNumber: null,
        phone: null,
        email: null,
        bankCardNumber: null,
        // Masked to the year: the Date field is null, the year an Int of its own.
        birthDate: null,
        birthYear: row.birth_date === null ? null : Number(row.birth_date.slice(0, 4)),
      });
    }
    expect(nodes.some((n) => n.birthYear !== null)).toBe(true);
    expectNoClear(body, [...rows.values()].flatMap((r) => [r.name, r.id_number, r.phone, r.email, r.bank_card_number, r.birth_date]));
    for (const field of ['name', 'idNumber', 'phone', 'email', 'bankCardNumber']) {
      expect(entriesAt(body, `customers.edges.node.${field}`)).toEqual([expect.objectContaining({ decision: 'REMOVE', count: 100 })]);
    }
    expect(entriesAt(body, 'customers.edges.node.birthDate')).toEqual([expect.objectContaining({ decision: 'MASK', strategy: 'birthYear', count: 100 })]);
  });

  it('partner: customer queries are FORBIDDEN before any SQL', async () => {
    const token = await server.token({ role: 'partner', partner: 'acme' });
    const attempts: [string, Record<string, unknown>?][] = [
      [`{ customers(first: 5) { edges { node { name phone bankCardNumber } } } }`],
      [`query ($id: ID!) { customer(id: $id) { name phone bankCardNumber } }`, { id: foreign.id }],
      [`{ transactions(first: 5) { edges { node { customer { phone } } } } }`],
    ];
    for (const [query, variables] of attempts) {
      const { body, statements } = await server.execute<any>(query, { token, variables });
      expect(body.data ?? null).toBeNull();
      expect(body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect(statements).toBe(0);
      const { result: http, calls } = await poolCallsDuring(() => server.gql<any>(query, { token, variables }));
      expect(calls).toBe(0);
      expect(http.status).toBe(403);
      expect(http.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expectNoClear(http.body, [foreign.name, foreign.phone, foreign.bank_card_number]);
    }
    // The one thing a partner may ask: who it is.
    const me = await server.gql<any>(`{ me { partnerId } }`, { token });
    expect(me.body.data.me.partnerId).toBe('acme');
  });
});
