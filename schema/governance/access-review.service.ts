/**
 * The periodic access review: per staff member and per partner, what it holds (role, tokens,
 * relationships, consents) and what it did over the period (requests, clear values, grants used,
 * alerts), unused ones first; a reviewer's decision per line — keep, revoke, change — is carried
 * out through the directory in the same transaction and recorded (permissions/governance.ts).
 */
import type { RequestContext } from '../../src/context';
import type { SqlRunner, TransactionDb } from '../../src/db/pool';
import { forbidden } from '../../permissions/engine/errors';
import { DESIGNATIONS } from '../../permissions/erasure';
import { ACCESS_REVIEW } from '../../permissions/governance';
import { OPEN_COMPLAINT_STATUSES } from '../../permissions/relationship-grants';
import { badUserInput, InputProblems, isUuid, notFound } from '../../src/input-errors';
import { checkReason } from '../erasure/erasure.service';
import { nowOf, revokeGrantsOf } from '../grant/grant.service';
import { AccessReviewDecisionKind, ReviewPrincipalKind, type AccessReviewDecision, type AccessReviewDecisionInput, type AccessReviewLine } from './access-review.types';

const DAY_MS = 86_400_000;

/** Every line of the review at `now`: unused first, then staff before partners, by name. */
export async function accessReview(db: SqlRunner, now: Date): Promise<AccessReviewLine[]> {
  const since = new Date(now.getTime() - ACCESS_REVIEW.periodDays * DAY_MS);
  const unusedBefore = new Date(now.getTime() - ACCESS_REVIEW.unusedDays * DAY_MS);
  const staff = await db.rows<AccessReviewLine>(
    `SELECT 'STAFF' AS kind, s.id::text AS principal, s.username AS name, s.role, s.active, s.designations, s.tokens_valid_after AS "tokensValidAfter", 0 AS "activeTokens",
            (SELECT max(a.occurred_at) FROM audit_access a WHERE a.principal_sub = s.id::text) AS "lastUsed",
            coalesce(r.requests, 0)::int AS requests, coalesce(r.clear, 0)::int AS "clearValues",
            (SELECT count(DISTINCT f->>'grantId') FROM audit_access a CROSS JOIN jsonb_array_elements(a.fields) f
              WHERE a.principal_sub = s.id::text AND a.occurred_at >= $1 AND f ? 'grantId')::int AS "grantsUsed",
            (SELECT count(*) FROM customers c WHERE c.relationship_manager_id = s.id)::int AS "customersManaged",
            (SELECT count(*) FROM complaints k WHERE k.assignee_id = s.id AND k.status = ANY($2::text[]))::int AS "openComplaints",
            0 AS consents,
            (SELECT count(*) FROM alerts al WHERE al.principal_sub = s.id::text AND al.raised_at >= $1)::int AS anomalies
     FROM staff s
     LEFT JOIN LATERAL (SELECT count(*) AS requests, sum(a.clear_values) AS clear FROM audit_access a WHERE a.principal_sub = s.id::text AND a.occurred_at >= $1) r ON true`,
    [since, OPEN_COMPLAINT_STATUSES],
  );
  const partners = await db.rows<AccessReviewLine>(
    `SELECT 'PARTNER' AS kind, p.id AS principal, p.name, 'partner' AS role, p.active, '{}'::text[] AS designations, NULL::timestamptz AS "tokensValidAfter",
            (SELECT count(*) FROM partner_tokens t WHERE t.partner_id = p.id AND t.revoked_at IS NULL AND t.expires_at > $2)::int AS "activeTokens",
            (SELECT max(a.occurred_at) FROM audit_access a WHERE a.partner_id = p.id) AS "lastUsed",
            coalesce(r.requests, 0)::int AS requests, coalesce(r.clear, 0)::int AS "clearValues", 0 AS "grantsUsed", 0 AS "customersManaged", 0 AS "openComplaints",
            (SELECT count(*) FROM consents cs WHERE cs.partner_id = p.id AND cs.revoked_at IS NULL AND cs.expires_at > $2)::int AS consents,
            (SELECT count(*) FROM alerts al WHERE al.principal_sub = 'partner:' || p.id AND al.raised_at >= $1)::int AS anomalies
     FROM partners p
     LEFT JOIN LATERAL (SELECT count(*) AS requests, sum(a.clear_values) AS clear FROM audit_access a WHERE a.partner_id = p.id AND a.occurred_at >= $1) r ON true`,
    [since, now],
  );
  const decisions = await db.rows<{ kind: string; ref: string; decision: string; at: Date }>(
    `SELECT DISTINCT ON (principal_kind, principal_ref) principal_kind AS kind, principal_ref AS ref, decision, reviewed_at AS at
     FROM access_review_decisions ORDER BY principal_kind, principal_ref, reviewed_at DESC`,
  );
  const last = new Map(decisions.map((d) => [`${d.kind}:${d.ref}`, d]));
  const lines = [...staff, ...partners].map((line) => {
    const decided = last.get(`${line.kind}:${line.principal}`);
    return { ...line, unused: line.active && (!line.lastUsed || line.lastUsed < unusedBefore), lastDecision: decided?.decision ?? null, lastDecisionAt: decided?.at ?? null };
  });
  const order = (l: AccessReviewLine) => `${l.unused ? 0 : 1}${l.kind === 'STAFF' ? 0 : 1}${l.name}`;
  return lines.sort((a, b) => order(a).localeCompare(order(b)));
}

async function requireReviewer(db: SqlRunner, ctx: RequestContext): Promise<string> {
  const { sub, role } = ctx.principal;
  const found = ACCESS_REVIEW.decidedBy.includes(role) && isUuid(sub) ? await db.rows(`SELECT 1 FROM staff WHERE id = $1 AND role = $2 AND active`, [sub.toLowerCase(), role]) : [];
  if (found.length === 0) throw forbidden('only an active administrator decides an access review line', [], { reason: 'NOT_STAFF' });
  return sub.toLowerCase();
}

const staffColumns = `id, username, role, active, designations, tokens_valid_after AS "tokensValidAfter", status_reason AS "statusReason"`;

/** Carries out the decision on a staff member; returns what was done. */
async function decideStaff(tx: TransactionDb, reviewer: string, ref: string, decision: AccessReviewDecisionKind, newRole: string | null, why: string, now: Date): Promise<{ id: string; done: Record<string, unknown> }> {
  const [before] = await tx.rows<{ id: string; role: string; designations: string[] } & Record<string, unknown>>(
    `SELECT ${staffColumns} FROM staff WHERE ${isUuid(ref) ? 'id = $1::uuid' : 'username = $1'} FOR UPDATE`,
    [ref],
  );
  if (!before) throw notFound('staff member', 'input.principal');
  if (before.id === reviewer) throw forbidden('nobody reviews their own access: another administrator does', ['input.principal'], { reason: 'SAME_PERSON' });
  if (decision === AccessReviewDecisionKind.KEEP) return { id: before.id, done: {} };
  let after: Record<string, unknown>;
  if (decision === AccessReviewDecisionKind.REVOKE) {
    [after] = await tx.rows(`UPDATE staff SET active = false, tokens_valid_after = now(), status_reason = $2 WHERE id = $1 RETURNING ${staffColumns}`, [before.id, `access review: ${why}`]);
  } else {
    if (!newRole || newRole === before.role) throw badUserInput('input.newRole', 'a change names the role the member keeps, other than the present one');
    // Designations the new role cannot hold go with the old role.
    const kept = before.designations.filter((d) => (DESIGNATIONS[d as keyof typeof DESIGNATIONS]?.eligibleRoles as readonly string[] | undefined)?.includes(newRole));
    [after] = await tx.rows(`UPDATE staff SET role = $2, designations = $3, tokens_valid_after = now(), status_reason = $4 WHERE id = $1 RETURNING ${staffColumns}`, [before.id, newRole, kept, `access review: ${why}`]);
  }
  tx.changed({ entity: 'StaffMember', entityId: before.id, customerId: null, action: 'UPDATE', before: before as never, after: after as never, reason: `access review: ${why}` });
  const grants = await revokeGrantsOf(tx, before.id, reviewer, `access review: ${why}`, now);
  return { id: before.id, done: { staff: before.id, grantsRevoked: grants } };
}

async function decidePartner(tx: TransactionDb, reviewer: string, ref: string, decision: AccessReviewDecisionKind, why: string): Promise<{ id: string; done: Record<string, unknown> }> {
  const [partner] = await tx.rows<{ id: string; active: boolean }>(`SELECT id, active FROM partners WHERE id = $1 FOR UPDATE`, [ref]);
  if (!partner) throw notFound('partner', 'input.principal');
  if (decision === AccessReviewDecisionKind.KEEP) return { id: partner.id, done: {} };
  if (decision === AccessReviewDecisionKind.REVOKE && partner.active) {
    await tx.rows(`UPDATE partners SET active = false WHERE id = $1`, [partner.id]);
    tx.changed({ entity: 'Partner', entityId: partner.id, customerId: null, action: 'UPDATE', before: { active: true } as never, after: { active: false } as never, reason: `access review: ${why}` });
  }
  const tokens = await tx.rows<{ id: string }>(`UPDATE partner_tokens SET revoked_at = now(), revoked_by = $2 WHERE partner_id = $1 AND revoked_at IS NULL RETURNING id`, [partner.id, reviewer]);
  for (const t of tokens) tx.changed({ entity: 'PartnerToken', entityId: t.id, customerId: null, action: 'UPDATE', before: { revokedAt: null } as never, after: { revoked: true } as never, reason: `access review: ${why}` });
  return { id: partner.id, done: { partner: partner.id, tokensRevoked: tokens.map((t) => t.id) } };
}

/** Records a decision on one line and carries it out in the same transaction. */
export function decideAccessReview(ctx: RequestContext, input: AccessReviewDecisionInput): Promise<AccessReviewDecision> {
  const problems = new InputProblems();
  const why = checkReason(problems, 'input.note', input.note);
  problems.check('input.newRole', input.decision === AccessReviewDecisionKind.CHANGE && input.principalKind === ReviewPrincipalKind.STAFF ? !!input.newRole : !input.newRole, 'a role is named only for a CHANGE of a staff member');
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const reviewer = await requireReviewer(tx, ctx);
    const now = nowOf(ctx);
    const line = (await accessReview(tx, now)).find((l) => l.kind === input.principalKind && (l.principal === input.principal || l.name === input.principal)) ?? null;
    const { id, done } = input.principalKind === ReviewPrincipalKind.STAFF
      ? await decideStaff(tx, reviewer, input.principal, input.decision, input.newRole ?? null, why, now)
      : await decidePartner(tx, reviewer, input.principal, input.decision, why);
    const [row] = await tx.rows<AccessReviewDecision>(
      `INSERT INTO access_review_decisions (reviewed_at, reviewer, principal_kind, principal_ref, decision, new_role, note, line)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
       RETURNING id, reviewed_at AS "reviewedAt", reviewer, principal_kind AS "principalKind", principal_ref AS "principalRef", decision, new_role AS "newRole", note`,
      [now, reviewer, input.principalKind, id, input.decision, input.newRole ?? null, why, JSON.stringify({ ...line, carriedOut: done })],
    );
    tx.changed({ entity: 'AccessReviewDecision', entityId: row.id, customerId: null, action: 'CREATE', before: null, after: row as never, reason: why });
    return row;
  });
}

export function listAccessReviewDecisions(ctx: RequestContext): Promise<AccessReviewDecision[]> {
  return ctx.db.rows<AccessReviewDecision>(
    `SELECT id, reviewed_at AS "reviewedAt", reviewer, principal_kind AS "principalKind", principal_ref AS "principalRef", decision, new_role AS "newRole", note
     FROM access_review_decisions ORDER BY reviewed_at DESC, id LIMIT 500`,
  );
}
