/**
 * Relationship care (issue 17 item 6; seed 001 三(一)): a contact log per customer and the
 * contactsDue worklist — key customers not contacted in a month, general ones in a quarter — with
 * the log's free text masked like complaint texts, and a rep working only their own customers.
 */
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const LOG = `mutation Log($input: LogCustomerContactInput!) { logCustomerContact(input: $input) { id contactedAt method summary staff { id } } }`;
const DUE = `query Due($rm: ID) { contactsDue(relationshipManagerId: $rm) { customer { id } tier lastContactedAt dueSince } }`;
const CUSTOMER_LOG = `query Log($id: ID!) { customer(id: $id) { id contactLog { method summary contactedAt } } }`;
const DAY = 86_400_000;

describe('Relationship care', () => {
  let server: TestServer;
  let rep: string;
  let otherRep: string;
  let manager: string;
  let key: string;
  let general: string;
  let generalStale: string;
  let othersCustomer: string;
  const now = new Date('2027-03-15T02:00:00Z');

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const ok = (result: GqlResult<any>): any => {
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data as object)[0];
  };
  const as = (role: CallOptions['role'], sub: string, variables: Record<string, unknown>): CallOptions => ({ role, sub, variables });
  const dueIds = async (role: CallOptions['role'], sub: string, rm?: string) => (ok(await server.gql(DUE, as(role, sub, { rm }))) as any[]).map((d) => d.customer.id);

  beforeAll(async () => {
    server = await startTestServer();
    rep = await server.member('sales', 'care-rep');
    otherRep = await server.member('sales', 'care-other-rep');
    manager = await server.member('manager', 'care-manager');
    const ids = (await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY archive_number DESC LIMIT 4`)).map((r) => r.id);
    [key, general, generalStale, othersCustomer] = ids;
    await sql(`UPDATE customers SET relationship_manager_id = $1, created_at = $2 WHERE id = ANY($3::uuid[])`, [rep, new Date(now.getTime() - 400 * DAY), [key, general, generalStale]]);
    await sql(`UPDATE customers SET relationship_manager_id = $1 WHERE id = $2`, [otherRep, othersCustomer]);
    await sql(`UPDATE customers SET tier = 'KEY' WHERE id = $1`, [key]);
    await sql(`UPDATE customers SET tier = 'GENERAL' WHERE id = ANY($1::uuid[])`, [[general, generalStale]]);
    const past = (customer: string, days: number) => sql(
      `INSERT INTO contact_logs (customer_id, contacted_at, method, staff_id) VALUES ($1, $2, 'PHONE', $3)`, [customer, new Date(now.getTime() - days * DAY), rep],
    );
    await past(key, 35);
    await past(general, 40);
    await past(generalStale, 100);
    server.clock.set(now);
  });

  afterAll(async () => {
    server.clock.set(null);
    await server?.stop();
  });

  it('lists a rep\'s key customers not contacted in a month and general ones not in a quarter, longest overdue first', async () => {
    const due = ok(await server.gql(DUE, as('sales', rep, {}))) as any[];
    const ids = due.map((d) => d.customer.id);
    expect(ids).toContain(key);
    expect(ids).toContain(generalStale);
    expect(ids).not.toContain(general);
    expect(ids.indexOf(generalStale)).toBeLessThan(ids.indexOf(key));
    expect(due.find((d) => d.customer.id === key)).toMatchObject({ tier: 'KEY', lastContactedAt: new Date(now.getTime() - 35 * DAY).toISOString() });
  });

  it('shows a rep only their own customers, whatever they ask; a manager anyone\'s', async () => {
    expect(await dueIds('sales', otherRep, rep)).not.toContain(key);
    expect(await dueIds('manager', manager, rep)).toEqual(expect.arrayContaining([key, generalStale]));
  });

  it('logs a contact (sealed at rest, numbers masked on reads) and takes the customer off the worklist', async () => {
    const entry = ok(await server.gql(LOG, as('sales', rep, { input: { customerId: key, contactedAt: now.toISOString(), method: 'VISIT', summary: '拜访客户，新手机号13912345678，续约意向强' } })));
    expect(entry).toMatchObject({ method: 'VISIT', summary: '拜访客户，新手机号139****5678，续约意向强', staff: { id: rep } });
    expect(await dueIds('sales', rep)).not.toContain(key);
    const [raw] = await sql(`SELECT * FROM contact_logs WHERE id = $1`, [entry.id]);
    expect(JSON.stringify(raw)).not.toContain('13912345678');
    expect(raw.summary).toBeNull();
    const [clear] = await server.clearRows('contact_logs', 't.id = $1', [entry.id]);
    expect(clear.summary).toBe('拜访客户，新手机号13912345678，续约意向强');
    const history = await sql(`SELECT action FROM audit_changes WHERE entity = 'ContactLogEntry' AND entity_id = $1`, [entry.id]);
    expect(history).toEqual([{ action: 'CREATE' }]);
  });

  it('keeps the log\'s text from whoever has no relationship to the customer', async () => {
    const own = ok(await server.gql(CUSTOMER_LOG, as('sales', rep, { id: key })));
    expect(own.contactLog[0].summary).toMatch(/139\*{4}5678/);
    const other = ok(await server.gql(CUSTOMER_LOG, as('sales', otherRep, { id: key })));
    expect(other.contactLog.every((e: any) => e.summary === null)).toBe(true);
    const service = ok(await server.gql(CUSTOMER_LOG, { role: 'service', variables: { id: key } }));
    expect(service.contactLog.every((e: any) => e.summary === null)).toBe(true);
  });

  it('reads the contact logs of a page of customers in one statement, however many customers', async () => {
    const page = (n: number) => `{ customers(first: ${n}) { edges { node { id contactLog { method contactedAt } } } } }`;
    const few = await server.execute(page(5), { role: 'manager', sub: manager });
    const many = await server.execute(page(40), { role: 'manager', sub: manager });
    expect(few.body.errors).toBeUndefined();
    expect(many.body.errors).toBeUndefined();
    expect(many.statements).toBe(few.statements);
  });

  it('refuses a rep logging a contact with another rep\'s customer, and a contact dated in the future', async () => {
    const foreign = await server.gql(LOG, as('sales', rep, { input: { customerId: othersCustomer, contactedAt: now.toISOString(), method: 'PHONE', summary: 'x' } }));
    expect(foreign.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_CUSTOMER' });
    const future = await server.gql(LOG, as('sales', rep, { input: { customerId: general, contactedAt: new Date(now.getTime() + DAY).toISOString(), method: 'PHONE', summary: 'x' } }));
    expect(future.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.contactedAt' });
  });
});
