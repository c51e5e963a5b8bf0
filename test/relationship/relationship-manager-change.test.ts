/**
 * Reassigning a relationship manager, written as the attacks on it. The relationship manager
 * unlocks a customer's clear contact data for that rep (OWN_CUSTOMER), so it is created by a
 * request and a second manager's approval: never by one person, never by the person it benefits,
 * and never with clear data in the answer of the request that creates it.
 */
import { randomUUID } from 'node:crypto';
import { buildNationalId } from '../../src/domain/national-id';
import { withLuhnDigit } from '../../src/domain/bank-card';
import { maskName, maskPhone } from '../../permissions/masks';
import { RELATIONSHIP_GRANTS } from '../../permissions/relationship-grants';
import { ROLE_POLICIES } from '../../permissions/policy';
import { example } from '../harness/examples';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const REQUEST = `mutation Req($input: RequestRelationshipManagerChangeInput!) {
  requestRelationshipManagerChange(input: $input) { id status customerId fromManagerId toManagerId requestedBy decidedBy reason } }`;
const APPROVE = `mutation Approve($id: ID!, $note: String) { approveRelationshipManagerChange(id: $id, note: $note) { id status decidedBy decidedAt decisionNote } }`;
const REJECT = `mutation Reject($id: ID!, $note: String!) { rejectRelationshipManagerChange(id: $id, note: $note) { id status decidedBy decidedAt } }`;
const CANCEL = `mutation Cancel($id: ID!) { cancelRelationshipManagerChange(id: $id) { id status decidedBy decidedAt } }`;
const CUSTOMER = `query One($id: ID!) { customer(id: $id) { id name phone relationshipManager { id } } }`;

interface ChangeRow {
  entity: string;
  entity_id: string;
  customer_id: string | null;
  action: string;
  principal_sub: string;
  principal_role: string;
  changes: { field: string; sensitive: boolean; old: string | null; new: string | null }[];
}

describe('Relationship-manager changes: one requests, a second manager approves', () => {
  let server: TestServer;
  /** Three seeded, active managers (by username): the requester, the approver, a third. */
  let managers: string[];
  /** Seeded, active sales reps. */
  let reps: string[];
  let auditor: string;

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: 'manager' | 'sales' | 'auditor', sub: string, variables: Record<string, unknown> = {}): CallOptions => ({ role, sub, variables });
  const rmOf = async (customerId: string) => (await sql<{ rm: string | null }>(`SELECT relationship_manager_id AS rm FROM customers WHERE id = $1`, [customerId]))[0].rm;
  const changeOf = async (id: string) => (await sql(`SELECT * FROM relationship_manager_changes WHERE id = $1`, [id]))[0];
  const historyOf = (entity: string, entityId: string) =>
    sql<ChangeRow>(`SELECT entity, entity_id, customer_id, action, principal_sub, principal_role, changes FROM audit_changes WHERE entity = $1 AND entity_id = $2 ORDER BY seq`, [entity, entityId]);
  const fieldsOf = (row: ChangeRow) => Object.fromEntries(row.changes.map((c) => [c.field, c]));

  /**
   * A customer of this rep that no other test touches: a seeded one given to the rep by SQL
   * (this file's own database copy), so the setup does not depend on the feature under test.
   */
  const taken = new Set<string>();
  async function customerOf(rep: string): Promise<string> {
    const rows = await sql<{ id: string }>(
      `SELECT c.id FROM customers c WHERE c.status = 'ACTIVE' AND c.kind = 'INDIVIDUAL' AND c.phone_sealed IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM relationship_manager_changes r WHERE r.customer_id = c.id) ORDER BY c.id LIMIT 200`,
    );
    const row = rows.find((r) => !taken.has(r.id));
    if (!row) throw new Error('no free customer left in the seed');
    taken.add(row.id);
    await sql(`UPDATE customers SET relationship_manager_id = $2 WHERE id = $1`, [row.id, rep]);
    return row.id;
  }

  function errorOf(result: GqlResult): Record<string, unknown> {
    expect(result.body.errors?.length).toBeGreaterThan(0);
    return result.body.errors![0].extensions ?? {};
  }

  async function request(requester: CallOptions, customerId: string, relationshipManagerId: string, reason = 'branch reorganisation') {
    const result = await server.gql<any>(REQUEST, { ...requester, variables: { input: { customerId, relationshipManagerId, reason } } });
    expect(result.body.errors).toBeUndefined();
    return result.body.data.requestRelationshipManagerChange as { id: string; status: string; fromManagerId: string | null; toManagerId: string; requestedBy: string };
  }

  beforeAll(async () => {
    server = await startTestServer();
    managers = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' AND active ORDER BY username`)).map((r) => r.id);
    reps = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'sales' AND active ORDER BY username`)).map((r) => r.id);
    [{ id: auditor }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'auditor' AND active ORDER BY username LIMIT 1`);
    expect(managers.length).toBeGreaterThanOrEqual(3);
    expect(reps.length).toBeGreaterThanOrEqual(3);
  });

  afterAll(() => server.stop());

  describe('a manager alone cannot reassign', () => {
    it('refuses updateCustomer with relationshipManagerId (a field no role may set), before any write', async () => {
      const customerId = await customerOf(reps[0]);
      const historyBefore = (await historyOf('Customer', customerId)).length;
      const result = await server.gql(`mutation Move($id: ID!, $rm: ID) { updateCustomer(id: $id, input: { relationshipManagerId: $rm }) { id } }`, as('manager', managers[0], { id: customerId, rm: reps[1] }));
      expect(errorOf(result)).toMatchObject({ code: 'FORBIDDEN', fields: ['updateCustomer(input.relationshipManagerId)'] });
      expect(await rmOf(customerId)).toBe(reps[0]);
      expect((await historyOf('Customer', customerId)).length).toBe(historyBefore);
    });

    it('refuses it to the customer\'s own rep as well, and clearing it too', async () => {
      const customerId = await customerOf(reps[0]);
      const result = await server.gql(`mutation Clear($id: ID!) { updateCustomer(id: $id, input: { relationshipManagerId: null }) { id } }`, as('sales', reps[0], { id: customerId }));
      expect(errorOf(result)).toMatchObject({ code: 'FORBIDDEN', fields: ['updateCustomer(input.relationshipManagerId)'] });
      expect(await rmOf(customerId)).toBe(reps[0]);
    });

    it('a request alone changes nothing: PENDING, the customer keeps its manager, the new rep still sees masks', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[1]);
      expect(change).toMatchObject({ status: 'PENDING', fromManagerId: reps[0], toManagerId: reps[1], requestedBy: managers[0] });
      expect(await rmOf(customerId)).toBe(reps[0]);
      const { body } = await server.gql<any>(CUSTOMER, as('sales', reps[1], { id: customerId }));
      const [{ name, phone }] = await server.clearRows('customers', 't.id = $1', [customerId]);
      expect(body.data.customer).toMatchObject({ name: maskName(name), phone: maskPhone(phone), relationshipManager: { id: reps[0] } });
    });
  });

  describe('the requester and the beneficiary cannot decide', () => {
    it('refuses the requester approving (or rejecting) their own request: FORBIDDEN, reason SAME_PERSON', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[1]);
      for (const [document, variables] of [[APPROVE, { id: change.id }], [REJECT, { id: change.id, note: 'never mind' }]] as const) {
        const result = await server.gql(document, as('manager', managers[0], variables));
        expect(errorOf(result)).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON', fields: ['id'] });
      }
      expect(await changeOf(change.id)).toMatchObject({ status: 'PENDING', decided_by: null });
      expect(await rmOf(customerId)).toBe(reps[0]);
    });

    it('refuses the new relationship manager: a rep may not call approve at all', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[1]);
      const result = await server.gql(APPROVE, as('sales', reps[1], { id: change.id }));
      expect(errorOf(result)).toMatchObject({ code: 'FORBIDDEN', fields: ['Mutation.approveRelationshipManagerChange'] });
      expect(await rmOf(customerId)).toBe(reps[0]);
    });

    it('refuses the new relationship manager even once promoted to manager: SAME_PERSON', async () => {
      const promoted = reps[5];
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, promoted);
      // The rep becomes a manager while the request waits (this file's own database copy).
      await sql(`UPDATE staff SET role = 'manager' WHERE id = $1`, [promoted]);
      try {
        const result = await server.gql(APPROVE, as('manager', promoted, { id: change.id }));
        expect(errorOf(result)).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
      } finally {
        await sql(`UPDATE staff SET role = 'sales' WHERE id = $1`, [promoted]);
      }
      expect(await changeOf(change.id)).toMatchObject({ status: 'PENDING' });
      expect(await rmOf(customerId)).toBe(reps[0]);
    });

    it('holds in the database too: a decision by the requester or the beneficiary violates a CHECK', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[1]);
      const decide = (by: string) => sql(`UPDATE relationship_manager_changes SET status = 'APPROVED', decided_by = $2, decided_at = now() WHERE id = $1`, [change.id, by]);
      await expect(decide(managers[0])).rejects.toMatchObject({ constraint: 'relationship_manager_changes_decider_requester_check' });
      await expect(decide(reps[1])).rejects.toMatchObject({ constraint: 'relationship_manager_changes_decider_beneficiary_check' });
      await expect(sql(`INSERT INTO relationship_manager_changes (customer_id, to_manager_id, reason, requested_by) VALUES ($1, $2, 'x', $3)`, [customerId, reps[2], managers[1]]))
        .rejects.toMatchObject({ constraint: 'relationship_manager_changes_one_pending_idx' });
    });
  });

  describe('approval by a second manager', () => {
    it('moves the customer in the same transaction and names both people in the change history', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[1], 'customer moved to the Pudong branch');
      const { body } = await server.gql<any>(APPROVE, as('manager', managers[1], { id: change.id, note: 'agreed with both reps' }));
      expect(body.errors).toBeUndefined();
      expect(body.data.approveRelationshipManagerChange).toMatchObject({ status: 'APPROVED', decidedBy: managers[1] });
      expect(await rmOf(customerId)).toBe(reps[1]);
      expect(await changeOf(change.id)).toMatchObject({ status: 'APPROVED', requested_by: managers[0], decided_by: managers[1] });

      const history = await historyOf('RelationshipManagerChange', change.id);
      expect(history.map((h) => [h.action, h.principal_sub, h.principal_role])).toEqual([
        ['CREATE', managers[0], 'manager'],
        ['UPDATE', managers[1], 'manager'],
      ]);
      expect(fieldsOf(history[0]).requestedBy).toMatchObject({ sensitive: false, old: null, new: managers[0] });
      expect(fieldsOf(history[0]).toManagerId).toMatchObject({ sensitive: false, new: reps[1] });
      expect(fieldsOf(history[1]).decidedBy).toMatchObject({ sensitive: false, old: null, new: managers[1] });
      expect(fieldsOf(history[1]).status).toMatchObject({ old: 'PENDING', new: 'APPROVED' });
      expect(history.every((h) => h.customer_id === customerId)).toBe(true);

      const customerHistory = await historyOf('Customer', customerId);
      const moved = customerHistory[customerHistory.length - 1];
      expect(moved).toMatchObject({ action: 'UPDATE', principal_sub: managers[1] });
      expect(fieldsOf(moved).relationshipManagerId).toMatchObject({ sensitive: false, old: reps[0], new: reps[1] });
    });

    it('is readable by auditors through changeHistory(entity: RELATIONSHIP_MANAGER_CHANGE)', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[2]);
      expect((await server.gql<any>(APPROVE, as('manager', managers[2], { id: change.id }))).body.errors).toBeUndefined();
      const { body } = await server.gql<any>(
        `query H($id: ID!) { changeHistory(entity: RELATIONSHIP_MANAGER_CHANGE, id: $id, first: 10) { edges { node { action principal { sub role } changes { field new } } } } }`,
        as('auditor', auditor, { id: change.id }),
      );
      expect(body.errors).toBeUndefined();
      const nodes = body.data.changeHistory.edges.map((e: any) => e.node);
      const subs = nodes.map((n: any) => n.principal.sub).sort();
      expect(subs).toEqual([managers[0], managers[2]].sort());
      const decided = nodes.find((n: any) => n.action === 'UPDATE');
      expect(decided.changes).toEqual(expect.arrayContaining([{ field: 'decidedBy', new: managers[2] }, { field: 'status', new: 'APPROVED' }]));
    });

    it('gives the new rep clear data only in a later request, and takes it from the old rep', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[1]);
      await server.gql(APPROVE, as('manager', managers[1], { id: change.id }));
      const [{ name, phone }] = await server.clearRows('customers', 't.id = $1', [customerId]);
      const forNew = await server.gql<any>(CUSTOMER, as('sales', reps[1], { id: customerId }));
      expect(forNew.body.data.customer).toMatchObject({ name, phone });
      const forOld = await server.gql<any>(CUSTOMER, as('sales', reps[0], { id: customerId }));
      expect(forOld.body.data.customer).toMatchObject({ name: maskName(name), phone: maskPhone(phone) });
    });

    it('refuses, changing nothing, when the new rep is no longer active', async () => {
      const customerId = await customerOf(reps[0]);
      const leaving = reps[6];
      const change = await request(as('manager', managers[0]), customerId, leaving);
      await sql(`UPDATE staff SET active = false WHERE id = $1`, [leaving]);
      try {
        const result = await server.gql(APPROVE, as('manager', managers[1], { id: change.id }));
        expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      } finally {
        await sql(`UPDATE staff SET active = true WHERE id = $1`, [leaving]);
      }
      expect(await changeOf(change.id)).toMatchObject({ status: 'PENDING', decided_by: null });
      expect(await rmOf(customerId)).toBe(reps[0]);
      expect((await historyOf('RelationshipManagerChange', change.id)).map((h) => h.action)).toEqual(['CREATE']);
    });
  });

  describe('a sales rep creating a customer', () => {
    let counter = 0;
    const individual = (relationshipManagerId: string) => {
      counter += 1;
      return {
        kind: 'INDIVIDUAL',
        name: '关系测试',
        // Born 1931: older than anyone the seed generates, so the ID number is free (even sequences: female).
        idNumber: buildNationalId('310104', '1931-03-11', 300 + 2 * counter, 'FEMALE'),
        phone: `1361234${String(Date.now() % 1000).padStart(3, '0')}${counter}`.slice(0, 11),
        bankCardNumber: withLuhnDigit(`62220200${String(Date.now() % 1_000_000).padStart(6, '0')}${String(counter).padStart(4, '0')}`),
        relationshipManagerId,
      };
    };

    it('naming themselves does not become RM until another manager approves, and gets no clear values back', async () => {
      const rep = reps[3];
      const input = individual(rep);
      const created = await server.gql<any>(example('CreateIndividualCustomer'), as('sales', rep, { input }));
      expect(created.body.errors).toBeUndefined();
      const customer = created.body.data.createCustomer;
      expect(customer.name).toBe(maskName(input.name));
      expect(customer.name).not.toBe(input.name);
      expect(JSON.stringify(created.body)).not.toContain(input.idNumber);
      expect(await rmOf(customer.id)).toBeNull();

      const [pending] = await sql(`SELECT * FROM relationship_manager_changes WHERE customer_id = $1`, [customer.id]);
      expect(pending).toMatchObject({ status: 'PENDING', requested_by: rep, to_manager_id: rep, from_manager_id: null, reason: 'new customer' });
      // The same request wrote both records' history: the customer and the request.
      const [customerCreated] = await historyOf('Customer', customer.id);
      const [requestCreated] = await historyOf('RelationshipManagerChange', pending.id);
      expect(customerCreated).toMatchObject({ action: 'CREATE', principal_sub: rep });
      expect(fieldsOf(customerCreated).relationshipManagerId).toBeUndefined();
      expect(requestCreated).toMatchObject({ action: 'CREATE', principal_sub: rep });

      // Still masked for the rep in a later request; the rep cannot approve; a manager can.
      const later = await server.gql<any>(CUSTOMER, as('sales', rep, { id: customer.id }));
      expect(later.body.data.customer).toMatchObject({ name: maskName(input.name), phone: maskPhone(input.phone), relationshipManager: null });
      expect(errorOf(await server.gql(APPROVE, as('sales', rep, { id: pending.id })))).toMatchObject({ code: 'FORBIDDEN' });
      expect((await server.gql<any>(APPROVE, as('manager', managers[0], { id: pending.id }))).body.errors).toBeUndefined();
      expect(await rmOf(customer.id)).toBe(rep);
      const approved = await server.gql<any>(CUSTOMER, as('sales', rep, { id: customer.id }));
      expect(approved.body.data.customer).toMatchObject({ name: input.name, phone: input.phone, relationshipManager: { id: rep } });
    });

    it('naming another rep opens a request for that rep; a manager naming one does the same', async () => {
      const bySales = await server.gql<any>(example('CreateIndividualCustomer'), as('sales', reps[3], { input: individual(reps[4]) }));
      expect(bySales.body.errors).toBeUndefined();
      const byManager = await server.gql<any>(example('CreateIndividualCustomer'), as('manager', managers[2], { input: individual(reps[4]) }));
      expect(byManager.body.errors).toBeUndefined();
      for (const [customer, requester] of [[bySales.body.data.createCustomer, reps[3]], [byManager.body.data.createCustomer, managers[2]]]) {
        expect(await rmOf(customer.id)).toBeNull();
        expect((await sql(`SELECT to_manager_id, requested_by, status FROM relationship_manager_changes WHERE customer_id = $1`, [customer.id]))[0]).toEqual({
          to_manager_id: reps[4],
          requested_by: requester,
          status: 'PENDING',
        });
      }
      // The manager who asked may not approve it.
      const [{ id }] = await sql(`SELECT id FROM relationship_manager_changes WHERE customer_id = $1`, [byManager.body.data.createCustomer.id]);
      expect(errorOf(await server.gql(APPROVE, as('manager', managers[2], { id })))).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
    });

    it('leaves nothing half-written when the request cannot be stored: no customer, no history', async () => {
      // The request insert (the customer's second write) fails after the customer row was inserted.
      await sql(`CREATE FUNCTION fail_rm_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$`);
      await sql(`CREATE TRIGGER fail_rm_change BEFORE INSERT ON relationship_manager_changes FOR EACH ROW EXECUTE FUNCTION fail_rm_change()`);
      try {
        const input = individual(reps[4]);
        const customersBefore = (await sql(`SELECT count(*)::int AS n FROM customers`))[0].n;
        const historyBefore = (await sql(`SELECT count(*)::int AS n FROM audit_changes`))[0].n;
        const { body } = await server.gql<any>(example('CreateIndividualCustomer'), as('sales', reps[3], { input }));
        expect(body.errors![0].extensions!.code).toBe('INTERNAL_SERVER_ERROR');
        expect((await sql(`SELECT count(*)::int AS n FROM customers`))[0].n).toBe(customersBefore);
        expect(await sql(`SELECT 1 FROM customers WHERE id_number_bidx = $1`, [server.keyring.blindIndex('idNumber', input.idNumber)])).toEqual([]);
        expect((await sql(`SELECT count(*)::int AS n FROM audit_changes`))[0].n).toBe(historyBefore);
      } finally {
        await sql(`DROP TRIGGER fail_rm_change ON relationship_manager_changes; DROP FUNCTION fail_rm_change()`);
      }
    });

    it('naming no one creates neither a manager nor a request', async () => {
      const { relationshipManagerId: _, ...input } = individual(reps[3]);
      const created = await server.gql<any>(example('CreateIndividualCustomer'), as('sales', reps[3], { input }));
      expect(created.body.errors).toBeUndefined();
      expect(await rmOf(created.body.data.createCustomer.id)).toBeNull();
      expect(await sql(`SELECT 1 FROM relationship_manager_changes WHERE customer_id = $1`, [created.body.data.createCustomer.id])).toEqual([]);
    });
  });

  describe('sales requests', () => {
    it('a rep may propose moving their own customer to another rep (a manager then approves)', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('sales', reps[0]), customerId, reps[2], 'customer prefers the Xuhui branch');
      expect(change).toMatchObject({ status: 'PENDING', requestedBy: reps[0], fromManagerId: reps[0], toManagerId: reps[2] });
      expect(await rmOf(customerId)).toBe(reps[0]);
      await server.gql(APPROVE, as('manager', managers[1], { id: change.id }));
      expect(await rmOf(customerId)).toBe(reps[2]);
    });

    it('refuses a rep requesting themselves, for their own customer or another rep\'s', async () => {
      const own = await customerOf(reps[0]);
      const other = await customerOf(reps[1]);
      const ownResult = await server.gql(REQUEST, as('sales', reps[0], { input: { customerId: own, relationshipManagerId: reps[0], reason: 'mine' } }));
      expect(errorOf(ownResult)).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
      const otherResult = await server.gql(REQUEST, as('sales', reps[0], { input: { customerId: other, relationshipManagerId: reps[0], reason: 'mine' } }));
      expect(errorOf(otherResult)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await sql(`SELECT 1 FROM relationship_manager_changes WHERE customer_id = ANY($1::uuid[])`, [[own, other]])).toEqual([]);
    });

    it('refuses a rep moving another rep\'s customer (NOT_OWN_CUSTOMER)', async () => {
      const other = await customerOf(reps[1]);
      const result = await server.gql(REQUEST, as('sales', reps[0], { input: { customerId: other, relationshipManagerId: reps[2], reason: 'x' } }));
      expect(errorOf(result)).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_CUSTOMER' });
      expect(await sql(`SELECT 1 FROM relationship_manager_changes WHERE customer_id = $1`, [other])).toEqual([]);
    });

    it('refuses a rep listing or deciding requests', async () => {
      const list = await server.gql(`{ relationshipManagerChanges(first: 5) { totalCount } }`, as('sales', reps[0]));
      expect(errorOf(list)).toMatchObject({ code: 'FORBIDDEN', fields: ['Query.relationshipManagerChanges'] });
    });
  });

  describe('input rules', () => {
    it('refuses a request to the current relationship manager, naming the field', async () => {
      const customerId = await customerOf(reps[0]);
      const result = await server.gql(REQUEST, as('manager', managers[0], { input: { customerId, relationshipManagerId: reps[0], reason: 'x' } }));
      expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.relationshipManagerId' });
    });

    it('refuses a target who is not an active sales rep (a manager, a service agent, no one)', async () => {
      const customerId = await customerOf(reps[0]);
      const [{ id: agent }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'service' AND active ORDER BY username LIMIT 1`);
      for (const target of [managers[1], agent, randomUUID()]) {
        const result = await server.gql(REQUEST, as('manager', managers[0], { input: { customerId, relationshipManagerId: target, reason: 'x' } }));
        expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.relationshipManagerId' });
      }
      expect(await sql(`SELECT 1 FROM relationship_manager_changes WHERE customer_id = $1`, [customerId])).toEqual([]);
    });

    it('refuses a second pending request for the same customer, naming the field', async () => {
      const customerId = await customerOf(reps[0]);
      await request(as('manager', managers[0]), customerId, reps[1]);
      const result = await server.gql(REQUEST, as('manager', managers[1], { input: { customerId, relationshipManagerId: reps[2], reason: 'me too' } }));
      expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.customerId' });
      expect(await sql(`SELECT 1 FROM relationship_manager_changes WHERE customer_id = $1`, [customerId])).toHaveLength(1);
    });

    it('refuses an empty or over-long reason, and a rejection without a note', async () => {
      const customerId = await customerOf(reps[0]);
      for (const reason of ['   ', 'x'.repeat(501)]) {
        const result = await server.gql(REQUEST, as('manager', managers[0], { input: { customerId, relationshipManagerId: reps[1], reason } }));
        expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.reason' });
      }
      const change = await request(as('manager', managers[0]), customerId, reps[1]);
      expect(errorOf(await server.gql(REJECT, as('manager', managers[1], { id: change.id, note: ' ' })))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });
      expect(await changeOf(change.id)).toMatchObject({ status: 'PENDING' });
    });

    it('masks numbers in the free text for managers listing requests', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[1], '客户来电13812345678要求更换客户经理');
      const { body } = await server.gql<any>(example('PendingRelationshipManagerChanges'), as('manager', managers[1]));
      expect(body.errors).toBeUndefined();
      const node = body.data.relationshipManagerChanges.edges.map((e: any) => e.node).find((n: any) => n.id === change.id);
      expect(node).toMatchObject({ customerId, toManagerId: reps[1], requestedBy: managers[0] });
      expect(JSON.stringify(body)).not.toContain('13812345678');
    });
  });

  describe('rejected, cancelled and decided requests', () => {
    it('a rejection changes nothing but the request, and names the decider', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('manager', managers[0]), customerId, reps[1]);
      const { body } = await server.gql<any>(REJECT, as('manager', managers[1], { id: change.id, note: 'the customer was not asked' }));
      expect(body.data.rejectRelationshipManagerChange).toMatchObject({ status: 'REJECTED', decidedBy: managers[1] });
      expect(await rmOf(customerId)).toBe(reps[0]);
      const history = await historyOf('RelationshipManagerChange', change.id);
      expect(history.map((h) => [h.action, h.principal_sub])).toEqual([['CREATE', managers[0]], ['UPDATE', managers[1]]]);
    });

    it('only the requester cancels; a cancellation changes nothing', async () => {
      const customerId = await customerOf(reps[0]);
      const change = await request(as('sales', reps[0]), customerId, reps[1]);
      expect(errorOf(await server.gql(CANCEL, as('manager', managers[1], { id: change.id })))).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_REQUESTER' });
      expect(errorOf(await server.gql(CANCEL, as('sales', reps[1], { id: change.id })))).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_REQUESTER' });
      const { body } = await server.gql<any>(CANCEL, as('sales', reps[0], { id: change.id }));
      expect(body.data.cancelRelationshipManagerChange).toMatchObject({ status: 'CANCELLED', decidedBy: null });
      expect(await rmOf(customerId)).toBe(reps[0]);
      // Once cancelled, a new request for the customer may be made.
      await request(as('manager', managers[0]), customerId, reps[2]);
    });

    it('refuses deciding or cancelling a decided request again (BAD_USER_INPUT naming id), changing nothing', async () => {
      const customerId = await customerOf(reps[0]);
      const approved = await request(as('manager', managers[0]), customerId, reps[1]);
      await server.gql(APPROVE, as('manager', managers[1], { id: approved.id }));
      const rejectedCustomer = await customerOf(reps[0]);
      const rejected = await request(as('manager', managers[0]), rejectedCustomer, reps[1]);
      await server.gql(REJECT, as('manager', managers[1], { id: rejected.id, note: 'no' }));
      const attempts: [string, string, Record<string, unknown>][] = [
        [APPROVE, managers[2], { id: approved.id }],
        [REJECT, managers[2], { id: approved.id, note: 'too late' }],
        [CANCEL, managers[0], { id: approved.id }],
        [APPROVE, managers[2], { id: rejected.id }],
        [CANCEL, managers[0], { id: rejected.id }],
      ];
      for (const [document, manager, variables] of attempts) {
        expect(errorOf(await server.gql(document, as('manager', manager, variables)))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      }
      expect(await changeOf(approved.id)).toMatchObject({ status: 'APPROVED', decided_by: managers[1] });
      expect(await changeOf(rejected.id)).toMatchObject({ status: 'REJECTED', decided_by: managers[1] });
      expect(await rmOf(customerId)).toBe(reps[1]);
      expect(await rmOf(rejectedCustomer)).toBe(reps[0]);
    });

    it('answers NOT_FOUND for an unknown request and BAD_USER_INPUT for a malformed id', async () => {
      expect(errorOf(await server.gql(APPROVE, as('manager', managers[1], { id: randomUUID() })))).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
      expect(errorOf(await server.gql(APPROVE, as('manager', managers[1], { id: 'nope' })))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    });
  });

  describe('the declared rule (permissions/relationship-grants.ts)', () => {
    it('names operations the granting and requesting roles hold, and only those roles', () => {
      const grant = RELATIONSHIP_GRANTS.OWN_CUSTOMER;
      expect(grant).toMatchObject({ relation: 'OWN_CUSTOMER', grantedBy: ['manager'], notBy: ['requester', 'beneficiary'] });
      for (const [role, policy] of Object.entries(ROLE_POLICIES)) {
        const establishes = grant.establishedBy.every((op) => policy.operations.includes(op));
        expect({ role, establishes }).toEqual({ role, establishes: grant.grantedBy.includes(role) });
        const requests = policy.operations.includes('Mutation.requestRelationshipManagerChange');
        expect({ role, requests }).toEqual({ role, requests: (grant.requestedBy ?? []).includes(role) });
      }
    });

    it('leaves no role a direct write of the relationship manager on existing customers', () => {
      for (const policy of Object.values(ROLE_POLICIES)) expect(policy.writes.updateCustomer?.fields ?? []).not.toContain('relationshipManagerId');
    });
  });
});
