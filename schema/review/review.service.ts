/**
 * De-duplication reviews (issue 14): "a customer with this ID number already exists" would tell
 * a caller who may not read ID numbers clear whether a number is a customer's. Such a caller's
 * new individual customer is therefore always created PENDING_REVIEW with a review, duplicate or
 * not, and a manager other than the creator keeps, merges or rejects it. Each step is one
 * transaction with its change history.
 */
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../../src/context';
import { selectColumns } from '../../src/db/columns';
import { lockCustomerKey, requireKeyring } from '../../src/crypto/sealed-writes';
import { Customer, CustomerStatus, ReviewOutcome } from '../../src/db/entities';
import type { TransactionDb } from '../../src/db/pool';
import { fetchPage, type ListSpec } from '../../src/loaders/paging';
import { compileRule } from '../../permissions/engine/compile';
import { forbidden } from '../../permissions/engine/errors';
import { ROLE_POLICIES, ruleFor } from '../../permissions/policy';
import type { Page } from '../../src/paging/page';
import { badUserInput, InputProblems, notFound, requireUuid } from '../../src/input-errors';
import { SqlParams } from '../../src/db/sql';
import { requireStaffCaller } from '../relationship/relationship.service';
import { CustomerReviewDecision, CustomerReviewStatus, type CustomerDuplicateReview, type CustomerReviewsArgs } from './review.types';

const MAX_NOTE = 500;

const reviewColumns = `v.id, v.customer_id AS "customerId", v.duplicate_of IS NOT NULL AS "duplicate", v.duplicate_of AS "duplicateOfId",
  v.status, v.created_by AS "createdBy", v.created_at AS "createdAt", v.decided_by AS "decidedBy", v.decided_at AS "decidedAt", v.note`;

export const customerReviewList: ListSpec = { list: 'customerReviews', table: 'customer_duplicate_reviews', alias: 'v', columns: reviewColumns };

/**
 * Whether the caller's new individual customers go to review: unless the role reads ID numbers
 * clear whatever the record (a fixed CLEAR for the request's purpose), an answer that depended on
 * an existing ID number would be a read of it.
 */
export function createsForReview(ctx: RequestContext): boolean {
  const { role } = ctx.principal;
  const policy = ROLE_POLICIES[role];
  const purpose = ctx.operation.purpose ?? policy?.purposes.default;
  if (!policy || !purpose) return true;
  const rule = compileRule(ruleFor(role, 'Customer', 'idNumber'), purpose);
  return !('fixed' in rule && rule.fixed.decision.kind === 'CLEAR');
}

/**
 * Another row with this ID number: a customer first, else one awaiting review. Rows a review
 * merged or rejected are no customers. (Two statements shaped for the two partial indexes.)
 */
async function findDuplicate(tx: TransactionDb, idNumber: string, exceptId: string, customersOnly = false): Promise<string | null> {
  const established = `SELECT id, 0 AS rank, created_at FROM customers WHERE id_number_bidx = $1 AND status <> 'PENDING_REVIEW' AND review_outcome IS NULL AND id <> $2`;
  const pending = `SELECT id, 1 AS rank, created_at FROM customers WHERE id_number_bidx = $1 AND status = 'PENDING_REVIEW' AND id <> $2`;
  const [row] = await tx.rows<{ id: string }>(
    `${customersOnly ? `(${established})` : `(${established}) UNION ALL (${pending})`} ORDER BY rank, created_at, id LIMIT 1`,
    [requireKeyring(tx).blindIndex('idNumber', idNumber), exceptId],
  );
  return row?.id ?? null;
}

/** Opens the review of a customer just inserted PENDING_REVIEW, inside the creating transaction. */
export async function openCustomerReview(tx: TransactionDb, ctx: RequestContext, customer: Customer): Promise<CustomerDuplicateReview> {
  const creator = await requireStaffCaller(tx, ctx);
  const duplicateOf = customer.idNumber ? await findDuplicate(tx, customer.idNumber, customer.id) : null;
  const [review] = await tx.rows<CustomerDuplicateReview>(
    `INSERT INTO customer_duplicate_reviews AS v (customer_id, duplicate_of, created_by) VALUES ($1, $2, $3) RETURNING ${reviewColumns}`,
    [customer.id, duplicateOf, creator],
  );
  tx.changed({ entity: 'CustomerDuplicateReview', entityId: review.id, customerId: customer.id, action: 'CREATE', before: null, after: review as never });
  return review;
}

/** KEEP while a customer with the same ID number stands: a typed refusal, the manager decides MERGE or REJECT (or resolves the other first). */
function duplicateStands(): GraphQLError {
  return new GraphQLError('decision: a customer with this ID number stands: merge or reject this one, or resolve the other first', {
    extensions: { code: 'BAD_USER_INPUT', field: 'decision', reason: 'DUPLICATE_STANDS' },
  });
}

function requireNote(note: string | null | undefined, required: boolean): string | null {
  const text = note?.trim() ?? '';
  if (!required && text.length === 0) return null;
  const problems = new InputProblems();
  problems.check('note', text.length >= 1 && text.length <= MAX_NOTE, `must be 1–${MAX_NOTE} characters`);
  problems.throwIfAny();
  return text;
}

const DECIDED: Record<CustomerReviewDecision, CustomerReviewStatus> = {
  [CustomerReviewDecision.KEEP]: CustomerReviewStatus.KEPT,
  [CustomerReviewDecision.MERGE]: CustomerReviewStatus.MERGED,
  [CustomerReviewDecision.REJECT]: CustomerReviewStatus.REJECTED,
};

export function resolveCustomerReview(ctx: RequestContext, id: string, decision: CustomerReviewDecision, note: string | null | undefined): Promise<CustomerDuplicateReview> {
  const reviewId = requireUuid(id, 'id');
  // A rejection says why; keeping or merging may.
  const decisionNote = requireNote(note, decision === CustomerReviewDecision.REJECT);
  return ctx.db.transaction(async (tx) => {
    const decider = await requireStaffCaller(tx, ctx);
    const [review] = await tx.rows<CustomerDuplicateReview>(`SELECT ${reviewColumns} FROM customer_duplicate_reviews v WHERE v.id = $1 FOR UPDATE`, [reviewId]);
    if (!review) throw notFound('customer review');
    if (review.status !== CustomerReviewStatus.OPEN) throw badUserInput('id', `the review is ${review.status.toLowerCase()}: only an open review can be resolved`);
    // Separation of duties: whoever created the customer does not let it in (a CHECK in the database too).
    if (review.createdBy === decider) throw forbidden('the creator of a customer may not resolve its review: another manager must', ['id'], { reason: 'SAME_PERSON' });
    await lockCustomerKey(tx, review.customerId); // before its sealed row is read with a lock (see lockCustomerKey)
    const [customer] = await tx.rows<Customer>(`SELECT ${selectColumns(Customer, 'c')} FROM customers c WHERE c.id = $1 FOR UPDATE`, [review.customerId]);
    if (customer.status !== CustomerStatus.PENDING_REVIEW) throw badUserInput('id', 'the customer of this review is no longer awaiting review');
    let status = CustomerStatus.CLOSED;
    let outcome: ReviewOutcome | null = decision === CustomerReviewDecision.REJECT ? ReviewOutcome.REJECTED : ReviewOutcome.MERGED;
    if (decision === CustomerReviewDecision.MERGE && !review.duplicateOfId) throw badUserInput('decision', 'no customer had this ID number: keep or reject it');
    if (decision === CustomerReviewDecision.KEEP) {
      const [standing] = review.duplicateOfId
        ? await tx.rows(`SELECT 1 FROM customers WHERE id = $1 AND review_outcome IS NULL`, [review.duplicateOfId])
        : [];
      // The review's own duplicate until it is merged or rejected (a pending one may yet be kept), and any customer with the number now.
      if (standing || (customer.idNumber && (await findDuplicate(tx, customer.idNumber, customer.id, true)) !== null)) throw duplicateStands();
      status = CustomerStatus.ACTIVE;
      outcome = null;
    }
    let updated: Customer;
    try {
      [updated] = await tx.rows<Customer>(
        `UPDATE customers AS c SET status = $2, review_outcome = $3, updated_at = now() WHERE c.id = $1 RETURNING ${selectColumns(Customer, 'c')}`,
        [customer.id, status, outcome],
      );
    } catch (error) {
      // A customer with the same number was let in concurrently: the index holds the line.
      if ((error as { code?: string; constraint?: string }).code === '23505') throw duplicateStands();
      throw error;
    }
    tx.changed({ entity: 'Customer', entityId: updated.id, customerId: updated.id, action: 'UPDATE', before: customer as never, after: updated as never });
    const [after] = await tx.rows<CustomerDuplicateReview>(
      `UPDATE customer_duplicate_reviews AS v SET status = $2, decided_by = $3, decided_at = now(), note = $4 WHERE v.id = $1 RETURNING ${reviewColumns}`,
      [review.id, DECIDED[decision], decider, decisionNote],
    );
    tx.changed({ entity: 'CustomerDuplicateReview', entityId: after.id, customerId: after.customerId, action: 'UPDATE', before: review as never, after: after as never });
    return after;
  });
}

/**
 * Reviews for a manager to decide — never of customers the caller created: whether their own
 * creation matched an existing customer would answer the very ID-number lookup the review hides.
 */
export function findCustomerReviews(ctx: RequestContext, args: CustomerReviewsArgs): Promise<Page<CustomerDuplicateReview>> {
  const params = new SqlParams();
  const conditions: string[] = [`v.created_by IS DISTINCT FROM ${params.add(ctx.principal.sub)}`];
  if (args.status) conditions.push(`v.status = ${params.add(args.status)}`);
  return fetchPage<CustomerDuplicateReview>(ctx.db, customerReviewList, { column: 'v.created_at', direction: 'DESC' }, args, conditions, params);
}
