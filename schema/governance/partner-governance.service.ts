/**
 * Partner governance: an administrator records a partner's agreement reference, risk assessment
 * date and next review date; the information-management head — never the one who recorded it —
 * approves it; only then are tokens issued and served (the verifier refuses past the review date
 * plus the grace period). Terminating a partner revokes every token and ends its consents at once.
 * The supervision report shows per partner what the register saw. Each change in the change history.
 */
import type { RequestContext } from '../../src/context';
import type { SqlRunner, TransactionDb } from '../../src/db/pool';
import { approvedReviewDue, reviewState } from '../../src/governance/partners';
import { forbidden } from '../../permissions/engine/errors';
import { DESIGNATIONS } from '../../permissions/erasure';
import { PARTNER_GOVERNANCE } from '../../permissions/governance';
import { ROLE_POLICIES } from '../../permissions/policy';
import { badUserInput, InputProblems, isUuid, notFound, requireUuid } from '../../src/input-errors';
import { checkReason } from '../erasure/erasure.service';
import { nowOf } from '../grant/grant.service';
import { PartnerAgreementStatus, type PartnerAgreement, type PartnerSupervision, type RecordPartnerAgreementInput } from './partner-governance.types';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const agreementColumns = `a.id, a.partner_id AS "partnerId", a.agreement_ref AS "agreementRef", to_char(a.risk_assessed_on, 'YYYY-MM-DD') AS "riskAssessedOn",
  to_char(a.next_review_on, 'YYYY-MM-DD') AS "nextReviewOn", a.status, a.recorded_by AS "recordedBy", a.recorded_at AS "recordedAt",
  a.decided_by AS "decidedBy", a.decided_at AS "decidedAt"`;

async function requireMember(db: SqlRunner, ctx: RequestContext): Promise<{ id: string; designations: string[] }> {
  const { sub, role } = ctx.principal;
  const [member] = isUuid(sub) ? await db.rows<{ designations: string[] }>(`SELECT designations FROM staff WHERE id = $1 AND role = $2 AND active`, [sub.toLowerCase(), role]) : [];
  if (!member) throw forbidden('only an active staff member of this role may record or decide a partner agreement', [], { reason: 'NOT_STAFF' });
  return { id: sub.toLowerCase(), designations: member.designations };
}

function parseDate(problems: InputProblems, field: string, value: string): Date {
  const ok = DATE.test(value) && !Number.isNaN(new Date(`${value}T00:00:00Z`).getTime());
  problems.check(field, ok, 'must be a date YYYY-MM-DD');
  return new Date(`${value}T00:00:00Z`);
}

async function requirePartner(db: SqlRunner, partnerId: string, field: string): Promise<{ id: string; active: boolean; terminatedAt: Date | null }> {
  const [partner] = await db.rows<{ id: string; active: boolean; terminatedAt: Date | null }>(`SELECT id, active, terminated_at AS "terminatedAt" FROM partners WHERE id = $1 FOR UPDATE`, [partnerId]);
  if (!partner) throw notFound('partner', field);
  return partner;
}

/** A PENDING agreement: no token until the information-management head approves it. */
export function recordPartnerAgreement(ctx: RequestContext, input: RecordPartnerAgreementInput): Promise<PartnerAgreement> {
  const now = nowOf(ctx);
  const today = new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  const problems = new InputProblems();
  const ref = input.agreementRef.trim();
  problems.check('input.agreementRef', ref.length >= 1 && ref.length <= 200, 'must be 1–200 characters');
  const assessed = parseDate(problems, 'input.riskAssessedOn', input.riskAssessedOn);
  const review = parseDate(problems, 'input.nextReviewOn', input.nextReviewOn);
  problems.throwIfAny();
  problems.check('input.riskAssessedOn', assessed <= today, 'must not be in the future');
  problems.check('input.nextReviewOn', review > today, 'must be in the future');
  problems.check('input.nextReviewOn', review.getTime() - assessed.getTime() <= PARTNER_GOVERNANCE.maxReviewIntervalDays * DAY_MS, `must be at most ${PARTNER_GOVERNANCE.maxReviewIntervalDays} days after the risk assessment`);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const member = await requireMember(tx, ctx);
    if (!PARTNER_GOVERNANCE.recordedBy.includes(ctx.principal.role)) throw forbidden(`role ${ctx.principal.role} may not record a partner agreement`, [], { reason: 'ROLE' });
    const partner = await requirePartner(tx, input.partnerId, 'input.partnerId');
    if (partner.terminatedAt) throw badUserInput('input.partnerId', 'the partner is terminated');
    const [pending] = await tx.rows(`SELECT 1 FROM partner_agreements WHERE partner_id = $1 AND status = 'PENDING'`, [partner.id]);
    if (pending) throw badUserInput('input.partnerId', 'the partner already has an agreement waiting for approval');
    const [row] = await tx.rows<PartnerAgreement>(
      `INSERT INTO partner_agreements AS a (partner_id, agreement_ref, risk_assessed_on, next_review_on, recorded_by, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${agreementColumns}`,
      [partner.id, ref, input.riskAssessedOn, input.nextReviewOn, member.id, now],
    );
    tx.changed({ entity: 'PartnerAgreement', entityId: row.id, customerId: null, action: 'CREATE', before: null, after: row as never });
    return row;
  });
}

/** Approves (superseding the previous approved agreement) or rejects: the designated head, never the recorder. */
export function decidePartnerAgreement(ctx: RequestContext, id: string, approve: boolean): Promise<PartnerAgreement> {
  return ctx.db.transaction(async (tx) => {
    const member = await requireMember(tx, ctx);
    if (!member.designations.includes(PARTNER_GOVERNANCE.approvedBy)) {
      throw forbidden(`only the designated ${DESIGNATIONS[PARTNER_GOVERNANCE.approvedBy].title} decides a partner agreement`, ['id'], { reason: 'NOT_DESIGNATED', designation: PARTNER_GOVERNANCE.approvedBy });
    }
    const [before] = await tx.rows<PartnerAgreement>(`SELECT ${agreementColumns} FROM partner_agreements a WHERE a.id = $1 FOR UPDATE`, [requireUuid(id, 'id')]);
    if (!before) throw notFound('partner agreement');
    if (before.status !== PartnerAgreementStatus.PENDING) throw badUserInput('id', `the agreement is ${before.status.toLowerCase()}: only a pending one is decided`);
    if (before.recordedBy === member.id) throw forbidden('whoever recorded an agreement does not approve it', ['id'], { reason: 'SAME_PERSON' });
    const now = nowOf(ctx);
    if (approve) {
      const superseded = await tx.rows<{ id: string }>(`UPDATE partner_agreements SET status = 'SUPERSEDED' WHERE partner_id = $1 AND status = 'APPROVED' RETURNING id`, [before.partnerId]);
      for (const s of superseded) tx.changed({ entity: 'PartnerAgreement', entityId: s.id, customerId: null, action: 'UPDATE', before: { status: 'APPROVED' } as never, after: { status: 'SUPERSEDED' } as never });
    }
    const [after] = await tx.rows<PartnerAgreement>(
      `UPDATE partner_agreements AS a SET status = $2, decided_by = $3, decided_at = $4 WHERE a.id = $1 RETURNING ${agreementColumns}`,
      [before.id, approve ? PartnerAgreementStatus.APPROVED : PartnerAgreementStatus.REJECTED, member.id, now],
    );
    tx.changed({ entity: 'PartnerAgreement', entityId: after.id, customerId: null, action: 'UPDATE', before: before as never, after: after as never });
    return after;
  });
}

export function listPartnerAgreements(ctx: RequestContext, partnerId: string | null): Promise<PartnerAgreement[]> {
  return ctx.db.rows<PartnerAgreement>(`SELECT ${agreementColumns} FROM partner_agreements a WHERE ($1::text IS NULL OR a.partner_id = $1) ORDER BY a.recorded_at DESC LIMIT 200`, [partnerId]);
}

/** Token issuance: refused without an approved agreement, or past the review date and the grace period. */
export async function requireAgreementInForce(db: SqlRunner, partnerId: string, now: Date, field: string): Promise<void> {
  const state = reviewState(await approvedReviewDue(db, partnerId), now);
  if (state === 'NO_AGREEMENT') throw forbidden('the partner has no approved agreement (reference, risk assessment, next review): record one and have it approved first', [field], { reason: 'PARTNER_NO_AGREEMENT' });
  if (state === 'OVERDUE') throw forbidden(`the partner's review is overdue past the ${PARTNER_GOVERNANCE.graceDays}-day grace period: record a new assessment first`, [field], { reason: 'PARTNER_REVIEW_OVERDUE' });
}

/** Ends the partnership at once: deactivated for good, every token revoked, every consent ended. */
export function terminatePartner(ctx: RequestContext, partnerId: string, reason: string): Promise<{ partnerId: string; tokensRevoked: number; consentsEnded: number }> {
  const problems = new InputProblems();
  const why = checkReason(problems, 'reason', reason);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx: TransactionDb) => {
    const member = await requireMember(tx, ctx);
    if (!PARTNER_GOVERNANCE.recordedBy.includes(ctx.principal.role)) throw forbidden(`role ${ctx.principal.role} may not terminate a partner`, [], { reason: 'ROLE' });
    const partner = await requirePartner(tx, partnerId, 'id');
    if (partner.terminatedAt) throw badUserInput('id', 'the partner is terminated already');
    const now = nowOf(ctx);
    await tx.rows(`UPDATE partners SET active = false, terminated_at = $2, terminated_by = $3 WHERE id = $1`, [partner.id, now, member.id]);
    tx.changed({ entity: 'Partner', entityId: partner.id, customerId: null, action: 'UPDATE', before: { active: partner.active } as never, after: { active: false } as never, reason: `terminated: ${why}` });
    const tokens = await tx.rows<{ id: string }>(`UPDATE partner_tokens SET revoked_at = now(), revoked_by = $2 WHERE partner_id = $1 AND revoked_at IS NULL RETURNING id`, [partner.id, member.id]);
    for (const t of tokens) tx.changed({ entity: 'PartnerToken', entityId: t.id, customerId: null, action: 'UPDATE', before: { revokedAt: null } as never, after: { revokedAt: now } as never, reason: why });
    const consents = await tx.rows<{ id: string; customerId: string }>(
      `UPDATE consents SET revoked_at = now(), revoked_by = $2, revoke_reason = $3 WHERE partner_id = $1 AND revoked_at IS NULL RETURNING id, customer_id AS "customerId"`,
      [partner.id, member.id, `partner terminated: ${why}`],
    );
    for (const c of consents) tx.changed({ entity: 'Consent', entityId: c.id, customerId: c.customerId, action: 'UPDATE', before: { revokedAt: null } as never, after: { revokedAt: now } as never, reason: why });
    return { partnerId: partner.id, tokensRevoked: tokens.length, consentsEnded: consents.length };
  });
}

/** Per partner over [from, to): volume, refusals, values, customers, budget used today, alerts, consents in force, review state. */
export async function partnerSupervisionReport(ctx: RequestContext, from: Date, to: Date): Promise<PartnerSupervision[]> {
  const now = nowOf(ctx);
  const budgetPerDay = ROLE_POLICIES.partner.budgets.daily.clear + ROLE_POLICIES.partner.budgets.daily.masked;
  const rows = await ctx.db.rows<Omit<PartnerSupervision, 'reviewState' | 'budgetPerDay'> & { reviewDue: Date | null }>(
    `SELECT p.id AS "partnerId", p.active, p.terminated_at AS "terminatedAt",
            (SELECT to_char(a.next_review_on, 'YYYY-MM-DD') FROM partner_agreements a WHERE a.partner_id = p.id AND a.status = 'APPROVED') AS "nextReviewOn",
            (SELECT a.next_review_on::timestamptz FROM partner_agreements a WHERE a.partner_id = p.id AND a.status = 'APPROVED') AS "reviewDue",
            coalesce(r.requests, 0)::int AS requests, coalesce(r.refused, 0)::int AS refused, coalesce(r.clear, 0)::int AS "clearValues",
            coalesce(r.masked, 0)::int AS "maskedValues", coalesce(r.customers, 0)::int AS customers,
            coalesce((SELECT u.clear_values + u.masked_values FROM usage_counters u WHERE u.key = 'partner:' || p.id AND u.window_kind = 'day' ORDER BY u.window_start DESC LIMIT 1), 0)::int AS "budgetUsedToday",
            (SELECT count(*) FROM alerts al WHERE al.principal_sub = 'partner:' || p.id AND al.raised_at >= $1 AND al.raised_at < $2)::int AS anomalies,
            (SELECT count(*) FROM consents cs WHERE cs.partner_id = p.id AND cs.revoked_at IS NULL AND cs.expires_at > $3)::int AS consents
     FROM partners p
     LEFT JOIN LATERAL (
       SELECT count(*) AS requests, count(*) FILTER (WHERE a.outcome <> 'OK') AS refused, sum(a.clear_values) AS clear, sum(a.masked_values) AS masked,
              (SELECT count(DISTINCT c) FROM audit_access b CROSS JOIN unnest(b.customers_clear || b.customers_masked) c
                WHERE b.partner_id = p.id AND b.occurred_at >= $1 AND b.occurred_at < $2) AS customers
       FROM audit_access a WHERE a.partner_id = p.id AND a.occurred_at >= $1 AND a.occurred_at < $2
     ) r ON true
     ORDER BY p.id`,
    [from, to, now],
  );
  return rows.map(({ reviewDue, ...r }) => ({ ...r, reviewState: reviewState(reviewDue, now), budgetPerDay }));
}
