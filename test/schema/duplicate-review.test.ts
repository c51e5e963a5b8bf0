/**
 * Issue 14, item 1, as the attack: a sales rep, who may not read ID numbers clear, creates
 * customers to learn whether an ID number is a customer's. The answer must not depend on it; a
 * manager other than the creator resolves the de-duplication review instead.
 */
import { randomUUID } from 'node:crypto';
import { buildNationalId } from '../../src/domain/national-id';
import { maskIdNumber, maskName, maskPhone } from '../../permissions/masks';
import { example } from '../harness/examples';
import { startTestServer, type GqlResult, type TestServer } from '../harness/server';

const CREATE = `mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) { id kind name idNumber birthDate birthYear gender phone email bankCardNumber tier status relationshipManager { id } }
}`;
const REVIEWS = `query Reviews($status: CustomerReviewStatus) {
  customerReviews(status: $status, first: 100) { totalCount edges { node { id customerId duplicate duplicateOfId status createdBy createdAt decidedBy decidedAt } } }
}`;

describe('createCustomer is no oracle of ID numbers: a de-duplication review a manager resolves', () => {
  let server: TestServer;
  let rep: string;
  let managers: string[];
  let existing: { id: string; id_number: string };
  let existingRow: Record<string, unknown>;
  let serial = 0;

  const sql = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> => (await server.db.pool.query(text, values)).rows as T[];
  const freshId = () => buildNationalId('320102', '1986-02-14', 600 + 2 * serial++, 'MALE');
  const input = (idNumber: string) => ({ kind: 'INDIVIDUAL', name: '查重测试', idNumber, phone: '13700001111', email: 'dedup@example.com' });
  const create = (idNumber: string, as: { role?: 'sales' | 'manager'; sub?: string; requestId?: string } = {}) =>
    server.gql<any>(CREATE, {
      role: as.role ?? 'sales',
      sub: as.sub ?? rep,
      variables: { input: input(idNumber) },
      headers: as.requestId ? { 'x-request-id': as.requestId } : undefined,
    });
  const reviewOf = async (customerId: string) =>
    (await sql(`SELECT id, duplicate_of, created_by, status, decided_by FROM customer_duplicate_reviews WHERE customer_id = $1`, [customerId]))[0];
  const customerRow = async (id: string) => (await sql(`SELECT to_jsonb(c) AS row FROM customers c WHERE id = $1`, [id]))[0].row;
  const resolve = (id: string, decision: 'KEEP' | 'MERGE' | 'REJECT', manager: string, note?: string) =>
    server.gql<any>(example('ResolveCustomerReview'), { role: 'manager', sub: manager, variables: { id, decision, note } });

  /** Every leaf of a response, path → value (ids aside), to compare two answers' shapes and masks. */
  function leaves(value: unknown, path = ''): Record<string, unknown> {
    if (value === null || typeof value !== 'object') return { [path]: value };
    return Object.assign({}, ...Object.entries(value).map(([k, v]) => leaves(v, path ? `${path}.${k}` : k)));
  }

  beforeAll(async () => {
    server = await startTestServer();
    [{ id: rep }] = await sql(`SELECT id FROM staff WHERE role = 'sales' AND active AND username NOT LIKE 'test-%' ORDER BY username LIMIT 1`);
    managers = (await sql(`SELECT id FROM staff WHERE role = 'manager' AND active AND username NOT LIKE 'test-%' ORDER BY username`)).map((r) => r.id);
    expect(managers.length).toBeGreaterThanOrEqual(2);
    [existing] = await server.clearRows(`customers`, `t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.id_number_sealed IS NOT NULL`, [], 'ORDER BY t.archive_number LIMIT 1');
    expect(existing.id_number).toMatch(/^\d{17}[\dX]$/);
    existingRow = await customerRow(existing.id);
  });

  afterAll(() => server.stop());

  it('never lists to a manager the reviews of customers that manager created (no ID-number lookup through the review list)', async () => {
    const mine = await create(existing.id_number, { role: 'manager', sub: managers[0] });
    expect(mine.body.errors).toBeUndefined();
    const ownList = await server.gql<any>(`{ customerReviews(first: 100) { edges { node { customerId duplicate duplicateOfId } } } }`, { role: 'manager', sub: managers[0] });
    const other = await server.gql<any>(`{ customerReviews(first: 100) { edges { node { customerId duplicate } } } }`, { role: 'manager', sub: managers[1] });
    const created = mine.body.data.createCustomer.id;
    expect(ownList.body.data.customerReviews.edges.map((e: any) => e.node.customerId)).not.toContain(created);
    expect(other.body.data.customerReviews.edges.map((e: any) => e.node.customerId)).toContain(created);
  });

  let duplicate: GqlResult<any>;
  let fresh: GqlResult<any>;
  let freshNumber: string;

  it('answers a rep the same, in shape and masks, whether or not the ID number is a customer’s', async () => {
    // Same birth date and gender as the existing number (both derived from it), so only the number differs.
    const [{ birth_date: birth, gender }] = await server.clearRows<{ birth_date: string; gender: 'MALE' | 'FEMALE' }>('customers', 't.id = $1', [existing.id]);
    freshNumber = buildNationalId('320102', birth, 990 + (gender === 'MALE' ? 1 : 0), gender);
    expect(freshNumber).not.toBe(existing.id_number);
    duplicate = await create(existing.id_number);
    fresh = await create(freshNumber);
    for (const answer of [duplicate, fresh]) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      // PENDING_REVIEW is in both answers alike; nothing says "exists" or "duplicate".
      expect(JSON.stringify(answer.body)).not.toMatch(/exist|duplicate/i);
    }
    const [a, b] = [leaves(duplicate.body.data), leaves(fresh.body.data)];
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const key of Object.keys(a)) {
      if (key.endsWith('.id')) continue;
      // The ID numbers differ, so their masks do; each is the mask of what was sent, nothing more.
      if (key.endsWith('.idNumber')) continue;
      expect({ key, value: a[key] }).toEqual({ key, value: b[key] });
    }
    expect(duplicate.body.data.createCustomer.idNumber).toBe(maskIdNumber(existing.id_number));
    expect(fresh.body.data.createCustomer.idNumber).toBe(maskIdNumber(freshNumber));
    expect(duplicate.body.data.createCustomer).toMatchObject({ status: 'PENDING_REVIEW', phone: maskPhone('13700001111'), name: maskName('查重测试') });
    // What the policy did is the same too.
    const decisions = (r: GqlResult<any>) => r.body.extensions?.privacy?.fields;
    expect(decisions(duplicate)).toEqual(decisions(fresh));
  });

  it('puts both in review — the duplicate linked to the existing customer — and leaves the existing customer untouched', async () => {
    const [dup, neu] = [duplicate.body.data.createCustomer.id, fresh.body.data.createCustomer.id];
    expect(await reviewOf(dup)).toMatchObject({ duplicate_of: existing.id, created_by: rep, status: 'OPEN', decided_by: null });
    expect(await reviewOf(neu)).toMatchObject({ duplicate_of: null, created_by: rep, status: 'OPEN', decided_by: null });
    expect((await sql(`SELECT status FROM customers WHERE id = ANY($1)`, [[dup, neu]])).map((r) => r.status)).toEqual(['PENDING_REVIEW', 'PENDING_REVIEW']);
    expect(await customerRow(existing.id)).toEqual(existingRow);
  });

  it('registers the creation as a probe of Customer.idNumber, never the value', async () => {
    const requestId = `dedup-probe-${randomUUID()}`;
    const answer = await create(existing.id_number, { requestId });
    expect(answer.body.errors).toBeUndefined();
    const [record] = await sql(`SELECT fields FROM audit_access WHERE request_id = $1`, [requestId]);
    expect(record.fields).toContainEqual({ path: 'createCustomer(input.idNumber)', field: 'Customer.idNumber', decision: 'MASK', strategy: null, reason: 'PROBE', count: 1 });
    expect(JSON.stringify(record)).not.toContain(existing.id_number);
  });

  it('shows a manager which new customers duplicate whom; a rep may not list reviews', async () => {
    const { body } = await server.gql<any>(REVIEWS, { role: 'manager', sub: managers[0], variables: { status: 'OPEN' } });
    expect(body.errors).toBeUndefined();
    const nodes = body.data.customerReviews.edges.map((e: any) => e.node);
    const byCustomer = new Map(nodes.map((n: any) => [n.customerId, n]));
    expect(byCustomer.get(duplicate.body.data.createCustomer.id)).toMatchObject({ duplicate: true, duplicateOfId: existing.id, status: 'OPEN', createdBy: rep });
    expect(byCustomer.get(fresh.body.data.createCustomer.id)).toMatchObject({ duplicate: false, duplicateOfId: null, status: 'OPEN' });
    // Newest first.
    const times = nodes.map((n: any) => Date.parse(n.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    const refused = await server.gql<any>(REVIEWS, { role: 'sales', sub: rep, variables: { status: 'OPEN' } });
    expect(refused.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.body.data ?? null).toBeNull();
  });

  it('refuses KEEP while the duplicate stands; MERGE closes the new row and links it to the existing one', async () => {
    const customerId = duplicate.body.data.createCustomer.id;
    const review = await reviewOf(customerId);
    const keep = await resolve(review.id, 'KEEP', managers[0]);
    expect(keep.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'decision', reason: 'DUPLICATE_STANDS' });
    expect((await customerRow(customerId)).status).toBe('PENDING_REVIEW');

    const merged = await resolve(review.id, 'MERGE', managers[0]);
    expect(merged.body.errors).toBeUndefined();
    expect(merged.body.data.resolveCustomerReview).toMatchObject({ id: review.id, customerId, status: 'MERGED', decidedBy: managers[0] });
    expect(await reviewOf(customerId)).toMatchObject({ status: 'MERGED', duplicate_of: existing.id, decided_by: managers[0] });
    expect(await customerRow(customerId)).toMatchObject({ status: 'CLOSED', review_outcome: 'MERGED' });
    expect(await customerRow(existing.id)).toEqual(existingRow);

    const again = await resolve(review.id, 'REJECT', managers[1], 'twice');
    expect(again.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    // A merged row stays closed: updateCustomer cannot reopen it.
    const reopen = await server.gql<any>(`mutation ($id: ID!) { updateCustomer(id: $id, input: { status: ACTIVE }) { id } }`, { role: 'manager', sub: managers[1], variables: { id: customerId } });
    expect(reopen.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status' });
  });

  it('REJECT says why and closes the new row', async () => {
    const created = await create(existing.id_number);
    const customerId = created.body.data.createCustomer.id;
    const review = await reviewOf(customerId);
    const silent = await resolve(review.id, 'REJECT', managers[1]);
    expect(silent.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });
    const rejected = await resolve(review.id, 'REJECT', managers[1], 'entered twice by mistake');
    expect(rejected.body.errors).toBeUndefined();
    expect(rejected.body.data.resolveCustomerReview).toMatchObject({ status: 'REJECTED', decidedBy: managers[1] });
    expect(await customerRow(customerId)).toMatchObject({ status: 'CLOSED', review_outcome: 'REJECTED' });
    expect(await customerRow(existing.id)).toEqual(existingRow);
  });

  it('KEEP on a fresh ID number activates the customer; a later customer with that number is then a duplicate of it', async () => {
    const customerId = fresh.body.data.createCustomer.id;
    const review = await reviewOf(customerId);
    const merge = await resolve(review.id, 'MERGE', managers[0]);
    expect(merge.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'decision' });
    const kept = await resolve(review.id, 'KEEP', managers[0], 'checked against the ID card');
    expect(kept.body.errors).toBeUndefined();
    expect(kept.body.data.resolveCustomerReview).toMatchObject({ status: 'KEPT', decidedBy: managers[0] });
    expect(await customerRow(customerId)).toMatchObject({ status: 'ACTIVE', review_outcome: null });

    const later = await create(freshNumber);
    expect(later.body.data.createCustomer.status).toBe('PENDING_REVIEW');
    const laterReview = await reviewOf(later.body.data.createCustomer.id);
    expect(laterReview.duplicate_of).toBe(customerId);
    expect((await resolve(laterReview.id, 'KEEP', managers[0])).body.errors![0].extensions).toMatchObject({ reason: 'DUPLICATE_STANDS' });
  });

  it('two pending customers with one ID number: the first kept, the second may not be kept too', async () => {
    const number = freshId();
    const first = (await create(number)).body.data.createCustomer.id;
    const second = (await create(number)).body.data.createCustomer.id;
    const [r1, r2] = [await reviewOf(first), await reviewOf(second)];
    expect(r1.duplicate_of).toBeNull();
    expect(r2.duplicate_of).toBe(first);
    expect((await resolve(r1.id, 'KEEP', managers[0])).body.errors).toBeUndefined();
    expect((await resolve(r2.id, 'KEEP', managers[0])).body.errors![0].extensions).toMatchObject({ reason: 'DUPLICATE_STANDS' });
    expect(await customerRow(second)).toMatchObject({ status: 'PENDING_REVIEW' });
  });

  it('the creator may not resolve their own review (nor the database let them)', async () => {
    const [creator, other] = managers;
    const created = await create(freshId(), { role: 'manager', sub: creator });
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data.createCustomer.status).toBe('PENDING_REVIEW');
    const customerId = created.body.data.createCustomer.id;
    const review = await reviewOf(customerId);
    expect(review.created_by).toBe(creator);
    const own = await resolve(review.id, 'KEEP', creator);
    expect(own.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SAME_PERSON' });
    expect(await reviewOf(customerId)).toMatchObject({ status: 'OPEN' });
    await expect(
      sql(`UPDATE customer_duplicate_reviews SET status = 'KEPT', decided_by = created_by, decided_at = now() WHERE id = $1`, [review.id]),
    ).rejects.toMatchObject({ constraint: 'customer_duplicate_reviews_decider_check' });
    // Nor around the review: updateCustomer does not let a pending customer in.
    const around = await server.gql<any>(`mutation ($id: ID!) { updateCustomer(id: $id, input: { status: ACTIVE }) { id } }`, { role: 'manager', sub: creator, variables: { id: customerId } });
    expect(around.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status' });

    const decided = await resolve(review.id, 'KEEP', other);
    expect(decided.body.errors).toBeUndefined();
    expect(await customerRow(customerId)).toMatchObject({ status: 'ACTIVE' });
  });

  it('a rep may not resolve a review', async () => {
    const created = await create(freshId());
    const review = await reviewOf(created.body.data.createCustomer.id);
    const { body } = await server.gql<any>(example('ResolveCustomerReview'), { role: 'sales', sub: rep, variables: { id: review.id, decision: 'KEEP' } });
    expect(body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await reviewOf(created.body.data.createCustomer.id)).toMatchObject({ status: 'OPEN' });
  });

  it('writes the change history of the creation and of every decision, naming the people', async () => {
    const requestId = `dedup-history-${randomUUID()}`;
    const created = await create(existing.id_number, { requestId });
    const customerId = created.body.data.createCustomer.id;
    const history = async (id: string) =>
      sql(`SELECT entity, action, principal_sub, changes FROM audit_changes WHERE request_id = $1 ORDER BY seq`, [id]);
    const onCreate = await history(requestId);
    expect(onCreate.map((r) => [r.entity, r.action, r.principal_sub])).toEqual([['Customer', 'CREATE', rep], ['CustomerDuplicateReview', 'CREATE', rep]]);
    const reviewChanges = Object.fromEntries(onCreate[1].changes.map((c: any) => [c.field, c]));
    expect(reviewChanges.duplicateOfId).toMatchObject({ sensitive: false, new: existing.id });
    expect(reviewChanges.status).toMatchObject({ sensitive: false, new: 'OPEN' });
    expect(JSON.stringify(onCreate)).not.toContain(existing.id_number);

    const review = await reviewOf(customerId);
    const decision = `dedup-decision-${randomUUID()}`;
    await server.gql<any>(example('ResolveCustomerReview'), {
      role: 'manager', sub: managers[1], variables: { id: review.id, decision: 'MERGE' }, headers: { 'x-request-id': decision },
    });
    const onDecision = await history(decision);
    expect(onDecision.map((r) => [r.entity, r.action, r.principal_sub])).toEqual([['Customer', 'UPDATE', managers[1]], ['CustomerDuplicateReview', 'UPDATE', managers[1]]]);
    expect(Object.fromEntries(onDecision[0].changes.map((c: any) => [c.field, c])).status).toMatchObject({ old: 'PENDING_REVIEW', new: 'CLOSED' });
    expect(Object.fromEntries(onDecision[1].changes.map((c: any) => [c.field, c])).decidedBy).toMatchObject({ new: managers[1] });
  });
});
