/**
 * Review of the read compiler (issue 16) with an attacker's eye: what the statement serves, to
 * whom, and what the register and the budget learn of it — on both paths where the finding is
 * shared with the resolver path.
 */
import { randomUUID } from 'node:crypto';
import { selectList } from '../../src/audit/chain';
import { windows } from '../../src/budget/budget-plugin';
import { startTestServer, type CallOptions, type TestServer } from '../harness/server';
import { comparableAccessRecord, withoutDayTotals } from '../harness/privacy';
import { decodeCursor, encodeCursor } from '../../src/paging/cursor';

describe('Compiled reads under attack (review)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  const fresh = async () => {
    await server.db.pool.query(`DELETE FROM usage_counters`);
    await server.db.pool.query(`DELETE FROM breadth_counters`);
  };

  async function accessRecord(requestId: string) {
    const { rows } = await server.db.pool.query(`SELECT ${selectList('access')} FROM audit_access r WHERE r.request_id = $1`, [requestId]);
    expect(rows).toHaveLength(1);
    return rows[0] as { customersClear: string[]; customersMasked: string[]; clearValues: number; maskedValues: number };
  }

  it.each([true, false])('a complaint timeline note read (compiled: %s) is registered against the complaint\'s customer', async (compiled) => {
    const { rows: [complaint] } = await server.db.pool.query<{ id: string; customer: string }>(
      `SELECT k.id::text, k.customer_id::text AS customer FROM complaints k JOIN customers c ON c.id = k.customer_id
       WHERE c.status = 'ACTIVE' AND EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = k.id AND e.note_sealed IS NOT NULL) LIMIT 1`,
    );
    expect(complaint).toBeDefined();
    await fresh();
    const requestId = randomUUID();
    const result = await server.execute<any>(`query Notes($id: ID!) { complaint(id: $id) { timeline { note } } }`, {
      role: 'manager', variables: { id: complaint.id }, requestId, ...(compiled ? {} : { compiledReads: false }),
    });
    expect(result.body.errors).toBeUndefined();
    expect(result.compiled).toBe(compiled);
    const notes = (result.body.data.complaint.timeline as { note: string | null }[]).filter((e) => e.note !== null);
    expect(notes.length).toBeGreaterThan(0);
    const record = await accessRecord(requestId);
    expect(record.maskedValues + record.clearValues).toBe(notes.length);
    // A customer whose values the response carries is named by the register (who read my data?).
    expect([...record.customersMasked, ...record.customersClear]).toContain(complaint.customer);
  });

  it.each([true, false])('values served past a plain list\'s estimate are charged to the day\'s budget (compiled: %s)', async (compiled) => {
    // A timeline is planned at 10 events (classification listEstimate); this complaint has 25 with notes.
    const { rows: [event] } = await server.db.pool.query<{ id: string; complaint: string }>(
      `SELECT e.id::text, e.complaint_id::text AS complaint FROM complaint_events e JOIN complaints k ON k.id = e.complaint_id JOIN customers c ON c.id = k.customer_id
       WHERE c.status = 'ACTIVE' AND e.note_sealed IS NOT NULL AND e.note_masked IS NOT NULL ORDER BY e.id LIMIT 1`,
    );
    const { rows: columns } = await server.db.pool.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'complaint_events' AND column_name NOT IN ('id', 'seq')`,
    );
    const list = columns.map((c) => `"${c.name}"`).join(', ');
    const { rows: [{ n }] } = await server.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM complaint_events WHERE complaint_id = $1`, [event.complaint]);
    if (n < 25) {
      // Copies of one event (served masked from the stored masked form: nothing is decrypted).
      await server.db.pool.query(`INSERT INTO complaint_events (${list}) SELECT ${list} FROM complaint_events e, generate_series(1, $2) WHERE e.id = $1`, [event.id, 25 - n]);
    }
    await fresh();
    // A manager of their own: the day's counters start at zero in either store (PostgreSQL or Redis).
    const manager = await server.member('manager', `review-budget-${randomUUID().slice(0, 8)}`);
    const requestId = randomUUID();
    const result = await server.execute<any>(`query Notes($id: ID!) { complaint(id: $id) { timeline { note } } }`, {
      role: 'manager', sub: manager, variables: { id: event.complaint }, requestId, ...(compiled ? {} : { compiledReads: false }),
    });
    expect(result.body.errors).toBeUndefined();
    expect(result.compiled).toBe(compiled);
    const served = (result.body.data.complaint.timeline as { note: string | null }[]).filter((e) => e.note !== null).length;
    expect(served).toBeGreaterThan(10);
    const record = await accessRecord(requestId);
    expect(record.maskedValues).toBe(served);
    const { day } = await server.budgets.reserve(`staff:${manager}`, windows(Date.now()).day, { clear: 0, masked: 0, probes: 0 }, { clear: 1e9, masked: 1e9, probes: 1e9 });
    expect(day.masked).toBe(served);
    expect(result.body.extensions?.privacy.budget.thisRequest.masked).toBe(served);
  });
});

describe('Compiled statements shared between callers (review: cache poisoning)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  const consent = (customer: string, partner: string) =>
    server.db.pool.query(
      `INSERT INTO consents (customer_id, partner_id, purpose, field_groups, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
       VALUES ($1, $2, 'partner_service', NULL, now() - interval '1 day', now() + interval '30 days', 'SIGNED_FORM', 'CF-20261101-000002', 'test')`,
      [customer, partner],
    );

  it('two partners with different consents, one document: each sees its own consenting customers only; a revoked consent hides at once', async () => {
    const { rows } = await server.db.pool.query<{ id: string }>(`SELECT id::text FROM customers WHERE status = 'ACTIVE' ORDER BY created_at DESC LIMIT 2`);
    const [a, b] = rows.map((r) => r.id);
    const tokenA = await server.token({ role: 'partner', partner: 'rev-a', scopes: ['customers:read'] });
    const tokenB = await server.token({ role: 'partner', partner: 'rev-b', scopes: ['customers:read'] });
    await consent(a, 'rev-a');
    await consent(b, 'rev-b');
    const query = `query P($a: ID!, $b: ID!) { a: customer(id: $a) { id name } b: customer(id: $b) { id name } customers(first: 5) { totalCount pageInfo { hasNextPage } edges { node { id } } } }`;
    const variables = { a, b };
    const first = await server.execute<any>(query, { token: tokenA, variables });
    expect(first.compiled).toBe(true);
    expect(first.body.data.a?.id).toBe(a);
    expect(first.body.data.b).toBeNull();
    expect(first.body.data.customers.edges.map((e: any) => e.node.id)).toEqual([a]);
    const second = await server.execute<any>(query, { token: tokenB, variables });
    expect(second.compiled).toBe(true);
    expect(second.body.data.a).toBeNull();
    expect(second.body.data.b?.id).toBe(b);
    expect(second.body.data.customers.totalCount).toBe(1);
    await server.db.pool.query(`UPDATE consents SET revoked_at = now() WHERE partner_id = 'rev-a'`);
    const revoked = await server.execute<any>(query, { token: tokenA, variables });
    expect(revoked.compiled).toBe(true);
    expect(revoked.body.data.a).toBeNull();
    expect(revoked.body.data.customers).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false }, edges: [] });
  });

  it('two sales reps, one document: each sees clear only their own customer (the caller is bound per request)', async () => {
    const { rows } = await server.db.pool.query<{ id: string; rep: string }>(
      `SELECT DISTINCT ON (relationship_manager_id) id::text, relationship_manager_id::text AS rep FROM customers
       WHERE relationship_manager_id IS NOT NULL AND status = 'ACTIVE' AND phone_sealed IS NOT NULL ORDER BY relationship_manager_id, created_at LIMIT 2`,
    );
    expect(rows).toHaveLength(2);
    const query = `query R($a: ID!, $b: ID!) { a: customer(id: $a) { phone } b: customer(id: $b) { phone } }`;
    const variables = { a: rows[0].id, b: rows[1].id };
    await server.resetBreadth();
    const repA = await server.execute<any>(query, { role: 'sales', sub: rows[0].rep, variables });
    const repB = await server.execute<any>(query, { role: 'sales', sub: rows[1].rep, variables });
    expect([repA.compiled, repB.compiled]).toEqual([true, true]);
    expect(repA.body.data.a.phone).not.toContain('*');
    expect(repA.body.data.b.phone).toContain('*');
    expect(repB.body.data.a.phone).toContain('*');
    expect(repB.body.data.b.phone).not.toContain('*');
  });
});

describe('Nested cursors and handlingOwner: the compiled path answers as the resolver path (review)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  const fresh = () => server.resetCounters();
  const record = (requestId: string) => comparableAccessRecord(server.db.pool, requestId);

  const charge = async () =>
    (await server.db.pool.query(`SELECT key, clear_values::int AS clear, masked_values::int AS masked, probes::int AS probes FROM usage_counters WHERE window_kind = 'day' ORDER BY key`)).rows;

  /** Cursors are encrypted with a random IV: compared by the list and record they name. */
  function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (/^(cursor|startCursor|endCursor)$/.test(key) && typeof v === 'string') {
        const list = ['transactions', 'contacts', 'complaints', 'customers'].find((l) => { try { decodeCursor(l, v); return true; } catch { return false; } });
        out[key] = list ? `${list}:${decodeCursor(list, v)}` : v;
      } else out[key] = plain(v);
    }
    return out;
  }

  /** Both paths; returns the compiled answer after checking it equals the reference (data, errors, privacy, register). */
  async function same(query: string, options: CallOptions) {
    const ids = [randomUUID(), randomUUID()];
    await fresh();
    const reference = await server.execute<any>(query, { ...options, compiledReads: false, requestId: ids[0] });
    const referenceCharge = await charge();
    await fresh();
    const compiled = await server.execute<any>(query, { ...options, requestId: ids[1] });
    expect(await charge()).toEqual(referenceCharge);
    expect(JSON.stringify(compiled.body)).not.toContain('$after');
    expect(plain(withoutDayTotals(compiled.body))).toEqual(plain(withoutDayTotals(reference.body)));
    expect(await record(ids[1])).toEqual(await record(ids[0]));
    return { reference, compiled };
  }

  async function twoCustomersWithTransactions() {
    const { rows } = await server.db.pool.query<{ id: string; tx: string }>(
      `SELECT c.id::text, (SELECT t.id::text FROM transactions t WHERE t.customer_id = c.id ORDER BY t.occurred_at DESC, t.id DESC OFFSET 1 LIMIT 1) AS tx
       FROM customers c WHERE c.status = 'ACTIVE' AND (SELECT count(*) FROM transactions t WHERE t.customer_id = c.id) >= 4 ORDER BY c.created_at LIMIT 2`,
    );
    expect(rows).toHaveLength(2);
    return rows;
  }

  const PAGE = `totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id amount description } }`;

  it('a cursor of another customer\'s transaction, of a record that is not there, of another list; aliases, first: 0, totalCount only (manager)', async () => {
    const [a, b] = await twoCustomersWithTransactions();
    const { rows: [contact] } = await server.db.pool.query<{ id: string }>(`SELECT id::text FROM contacts LIMIT 1`);
    const other = encodeCursor('transactions', b.tx);
    const own = encodeCursor('transactions', a.tx);
    const gone = encodeCursor('transactions', randomUUID());
    const wrongList = encodeCursor('contacts', contact.id);
    const query = `query Q($a: ID!, $other: String, $own: String) { customer(id: $a) { id
      x: transactions(first: 2, after: $other) { ${PAGE} }
      y: transactions(first: 2, after: $own) { ${PAGE} }
      z: transactions(first: 0, after: $own) { ${PAGE} }
      t: transactions(after: $other) { totalCount } } }`;
    const { compiled } = await same(query, { role: 'manager', variables: { a: a.id, other, own } });
    expect(compiled.compiled).toBe(true);
    for (const bad of [gone, wrongList, 'bm90LWEtY3Vyc29y']) {
      const withBad = `query Q($a: ID!, $c: String) { customer(id: $a) { id ok: transactions(first: 2) { ${PAGE} } bad: transactions(first: 2, after: $c) { totalCount } } }`;
      const result = await same(withBad, { role: 'manager', variables: { a: a.id, c: bad } });
      expect(result.compiled.compiled).toBe(false);
      expect(result.reference.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('@skip / @include on a nested page with a cursor of a record that is not there: nothing raised on either path', async () => {
    const [a] = await twoCustomersWithTransactions();
    const gone = encodeCursor('transactions', randomUUID());
    const query = `query Q($a: ID!, $c: String, $s: Boolean!) { customer(id: $a) { id
      transactions(first: 2, after: $c) @skip(if: $s) { ${PAGE} } contacts(first: 5000) @include(if: false) { totalCount } } }`;
    const { compiled } = await same(query, { role: 'manager', variables: { a: a.id, c: gone, s: true } });
    expect(compiled.compiled).toBe(true);
    expect(compiled.body.errors).toBeUndefined();
    const unskipped = await same(query, { role: 'manager', variables: { a: a.id, c: gone, s: false } });
    expect(unskipped.compiled.compiled).toBe(false);
  });

  it('a page of customers whose nested pages carry a cursor of one of them (every parent resolves the same page arguments)', async () => {
    const { rows: [contact] } = await server.db.pool.query<{ id: string }>(
      `SELECT k.id::text FROM contacts k JOIN customers c ON c.id = k.customer_id ORDER BY c.created_at DESC LIMIT 1`,
    );
    const query = `query Q($c: String) { customers(first: 3) { edges { node { id contacts(first: 1, after: $c) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { cursor node { name phone } } } } } } }`;
    const { compiled } = await same(query, { role: 'manager', variables: { c: encodeCursor('contacts', contact.id) } });
    expect(compiled.compiled).toBe(true);
  });

  it('a partner: a cursor of a customer it has no consent for, nested in one it has (visibility of the cursor\'s record)', async () => {
    const [a, b] = await twoCustomersWithTransactions();
    const partner = `rev-c-${randomUUID().slice(0, 6)}`;
    const token = await server.token({ role: 'partner', partner, scopes: ['customers:read', 'transactions:read'] });
    await server.db.pool.query(
      `INSERT INTO consents (customer_id, partner_id, purpose, field_groups, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
       VALUES ($1, $2, 'partner_service', NULL, now() - interval '1 day', now() + interval '30 days', 'SIGNED_FORM', 'CF-20261101-000003', 'test')`,
      [a.id, partner],
    );
    const query = `query Q($a: ID!, $c: String) { customer(id: $a) { id transactions(first: 2, after: $c) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { id amount } } } } }`;
    for (const cursor of [encodeCursor('transactions', b.tx), encodeCursor('transactions', a.tx)]) {
      await same(query, { token, variables: { a: a.id, c: cursor } });
    }
  });

  it.each(['admin', 'manager', 'service', 'auditor', 'analyst', 'sales'] as const)('Complaint.handlingOwner as %s: the same as the resolver path', async (role) => {
    const { rows: [complaint] } = await server.db.pool.query<{ id: string }>(`SELECT id::text FROM complaints WHERE handling_owner_id IS NOT NULL LIMIT 1`);
    expect(complaint).toBeDefined();
    const query = `query Q($id: ID!) { complaint(id: $id) { id handlingOwner { id username displayName role branch } assignee { id displayName } } }`;
    await same(query, { role, variables: { id: complaint.id } });
  });

  it('values counted before a guard that fires are not counted twice (sealed values, then a gone cursor in a later alias); a cursor of an erased customer\'s record', async () => {
    const [a] = await twoCustomersWithTransactions();
    const { rows: [erasedTx] } = await server.db.pool.query<{ id: string }>(
      `SELECT t.id::text FROM transactions t JOIN customers c ON c.id = t.customer_id WHERE c.status <> 'ACTIVE' LIMIT 1`,
    );
    const query = `query Q($a: ID!, $c: String) { customer(id: $a) { id name phone idNumber email
      first: transactions(first: 5) { edges { node { description counterpartyName counterpartyAccount } } }
      contacts { edges { node { name phone } } }
      later: transactions(first: 2, after: $c) { totalCount edges { node { description counterpartyName } } } } }`;
    for (const role of ['manager', 'service', 'auditor'] as const) {
      const gone = await same(query, { role, variables: { a: a.id, c: encodeCursor('transactions', randomUUID()) } });
      expect(gone.reference.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      if (erasedTx) await same(query, { role, variables: { a: a.id, c: encodeCursor('transactions', erasedTx.id) } });
    }
  });

  it('nested complaint pages after a cursor, with handlingOwner and assignee, as every staff role', async () => {
    const { rows: [k] } = await server.db.pool.query<{ customer: string; id: string }>(
      `SELECT k.customer_id::text AS customer, k.id::text FROM complaints k WHERE k.handling_owner_id IS NOT NULL
       AND (SELECT count(*) FROM complaints o WHERE o.customer_id = k.customer_id) >= 2 ORDER BY k.received_at DESC LIMIT 1`,
    );
    expect(k).toBeDefined();
    const query = `query Q($a: ID!, $c: String) { customer(id: $a) { id complaints(first: 3, after: $c) { totalCount pageInfo { hasPreviousPage endCursor }
      edges { cursor node { id status handlingOwner { id displayName username role } assignee { displayName } } } } all: complaints { edges { node { id handlingOwner { displayName } } } } } }`;
    for (const role of ['admin', 'manager', 'sales', 'service', 'analyst', 'auditor'] as const) {
      await same(query, { role, variables: { a: k.customer, c: null } });
      await same(query, { role, variables: { a: k.customer, c: encodeCursor('complaints', k.id) } });
    }
  });

  it('nested pages after a cursor under a customer that is not ACTIVE (restricted, erased: held values), as every staff role', async () => {
    const { rows } = await server.db.pool.query<{ id: string; tx: string | null; contact: string | null }>(
      `SELECT DISTINCT ON (c.status) c.id::text, (SELECT t.id::text FROM transactions t WHERE t.customer_id = c.id ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1) AS tx,
         (SELECT k.id::text FROM contacts k WHERE k.customer_id = c.id ORDER BY k.created_at, k.id LIMIT 1) AS contact
       FROM customers c WHERE c.status <> 'ACTIVE' ORDER BY c.status, c.created_at`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const query = `query Q($a: ID!, $t: String, $k: String) { customer(id: $a) { id status name phone
      transactions(first: 2, after: $t) { totalCount pageInfo { hasPreviousPage } edges { node { id description counterpartyName } } }
      contacts(first: 2, after: $k) { totalCount edges { node { name phone email } } } } }`;
    for (const row of rows) {
      for (const role of ['admin', 'manager', 'sales', 'service', 'analyst', 'auditor'] as const) {
        await same(query, { role, variables: { a: row.id, t: row.tx && encodeCursor('transactions', row.tx), k: row.contact && encodeCursor('contacts', row.contact) } });
      }
    }
  });

  it('a partner: nested pages after a cursor under Complaint.customer (complaints:read), cursors of a consenting and of another customer, consent limited to field groups', async () => {
    const { rows } = await server.db.pool.query<{ id: string; tx: string }>(
      `SELECT c.id::text, (SELECT t.id::text FROM transactions t WHERE t.customer_id = c.id ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1) AS tx
       FROM customers c WHERE c.status = 'ACTIVE' AND EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = c.id)
       AND (SELECT count(*) FROM transactions t WHERE t.customer_id = c.id) >= 3 ORDER BY c.created_at DESC LIMIT 2`,
    );
    expect(rows).toHaveLength(2);
    const [a, b] = rows;
    for (const groups of [null, ['customers:read'], ['customers:read', 'transactions:read', 'complaints:read']]) {
      const partner = `rev-d-${randomUUID().slice(0, 6)}`;
      const token = await server.token({ role: 'partner', partner, scopes: ['customers:read', 'transactions:read', 'complaints:read'] });
      await server.db.pool.query(
        `INSERT INTO consents (customer_id, partner_id, purpose, field_groups, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
         VALUES ($1, $2, 'partner_service', $3, now() - interval '1 day', now() + interval '30 days', 'SIGNED_FORM', 'CF-20261101-000004', 'test')`,
        [a.id, partner, groups],
      );
      const query = `query Q($c: String) { complaints(first: 5) { totalCount edges { node { id status customer { id transactions(first: 1, after: $c) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id amount } } } } } } } }`;
      for (const cursor of [null, encodeCursor('transactions', a.tx), encodeCursor('transactions', b.tx)]) {
        await same(query, { token, variables: { c: cursor } });
      }
    }
  });
});
