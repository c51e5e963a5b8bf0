/**
 * Clear-access grants (break-glass): a manager asks to see named fields of one customer clear,
 * for a purpose and a reason; a second person approves (another manager or the information-management
 * head, never the requester); the grant lasts at most the policy's time and can be revoked. An
 * emergency grant opens at once, short, notifies the approvers and must be reviewed; an unreviewed
 * one blocks the requester's next. Whether a value comes out clear is decided by the policy (relation
 * GRANT, permissions/engine/relations.ts), never here; no answer of these mutations carries customer
 * data. Each step is one transaction with its change history.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../src/context';
import { systemClock } from '../../src/clock';
import type { SqlRunner, TransactionDb } from '../../src/db/pool';
import { sealedSelectList } from '../../src/crypto/sealed-rows';
import { lockCustomerKey, sealFor } from '../../src/crypto/sealed-writes';
import { raiseAlert } from '../../src/governance/alerts';
import { fetchPage, type ListSpec } from '../../src/loaders/paging';
import { forbidden } from '../../permissions/engine/errors';
import { CLEAR_ACCESS_GRANTS, grantableFields } from '../../permissions/clear-access-grants';
import { classify, ROLE_POLICIES } from '../../permissions/policy';
import type { Designation } from '../../permissions/erasure';
import type { Role } from '../../src/auth/principal';
import type { Page } from '../../src/paging/page';
import { badUserInput, InputProblems, notFound, requireUuid, isUuid } from '../../src/input-errors';
import { SqlParams } from '../../src/db/sql';
import { checkReason } from '../erasure/erasure.service';
import { ClearAccessGrantStatus, EmergencyReviewOutcome, type ClearAccessGrant, type ClearAccessGrantsArgs, type EmergencyClearAccessInput, type RequestClearAccessInput } from './grant.types';

type GrantRow = Omit<ClearAccessGrant, 'inForce' | 'valuesReleased'>;

// The free texts (reason, decision, revoke and review notes) are sealed under the customer's data key (src/crypto/sealed-fields.ts).
const grantColumns = [
  `g.id, g.grantee_id AS "granteeId", g.customer_id AS "customerId", g.fields, g.purpose, g.minutes, g.emergency,
  g.status, g.requested_at AS "requestedAt", g.decided_by AS "decidedBy", g.decided_at AS "decidedAt",
  g.starts_at AS "startsAt", g.expires_at AS "expiresAt", g.revoked_by AS "revokedBy", g.revoked_at AS "revokedAt",
  g.reviewed_by AS "reviewedBy", g.reviewed_at AS "reviewedAt", g.review_outcome AS "reviewOutcome"`,
  ...sealedSelectList('clear_access_grants', 'g', null),
].join(', ');

/** Column → property of the grant's sealed free texts. */
const SEALED_TEXTS: Readonly<Record<string, 'reason' | 'decisionNote' | 'reviewNote' | 'revokeReason'>> = {
  reason: 'reason', decision_note: 'decisionNote', review_note: 'reviewNote', revoke_reason: 'revokeReason',
};

/**
 * `set` with its free texts replaced by their sealed columns (ciphertext, masked form) for one grant.
 * `dataKey` null: the customer was erased (key destroyed) — nothing about them is written any more, the texts stay empty.
 */
async function sealTexts(tx: SqlRunner, grantId: string, customerId: string, dataKey: Buffer | null, set: Record<string, unknown>): Promise<Record<string, unknown>> {
  const plain: Record<string, unknown> = {};
  const texts: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(set)) {
    if (SEALED_TEXTS[column]) texts[SEALED_TEXTS[column]] = value;
    else plain[column] = value;
  }
  if (Object.keys(texts).length === 0) return plain;
  if (!dataKey) {
    for (const column of Object.keys(SEALED_TEXTS)) if (SEALED_TEXTS[column] in texts) Object.assign(plain, { [`${column}_sealed`]: null, [`${column}_masked`]: null });
    return plain;
  }
  return { ...plain, ...(await sealFor(tx, 'clear_access_grants', grantId, customerId, texts, dataKey)) };
}

const grantList: ListSpec = { list: 'clearAccessGrants', table: 'clear_access_grants', alias: 'g', columns: grantColumns };

export function nowOf(ctx: Pick<RequestContext, 'services'>): Date {
  return (ctx.services.clock ?? systemClock)();
}

/** Whether the policy serves the grant's fields clear at `now`. */
export function inForce(grant: Pick<GrantRow, 'status' | 'startsAt' | 'expiresAt'>, now: Date): boolean {
  return grant.status === ClearAccessGrantStatus.APPROVED && grant.startsAt !== null && grant.expiresAt !== null && grant.startsAt <= now && grant.expiresAt > now;
}

interface Caller {
  id: string;
  role: Role;
  designations: string[];
}

/** The caller as an active member of the directory in the token's role (locked: one grant step of a member at a time). */
async function requireCaller(db: SqlRunner, ctx: RequestContext): Promise<Caller> {
  const { sub, role } = ctx.principal;
  const [member] = isUuid(sub) ? await db.rows<{ designations: string[] }>(`SELECT designations FROM staff WHERE id = $1 AND role = $2 AND active FOR UPDATE`, [sub.toLowerCase(), role]) : [];
  if (!member) throw forbidden('only an active staff member of this role may request or decide a clear-access grant', [], { reason: 'NOT_STAFF' });
  return { id: sub.toLowerCase(), role, designations: member.designations };
}

/** Approvers by the policy: its roles, or a member holding one of its designations. */
export function mayApprove(caller: { role: Role; designations: readonly string[] }): boolean {
  const { approvedBy } = CLEAR_ACCESS_GRANTS;
  return approvedBy.roles.includes(caller.role) || approvedBy.designations.some((d) => caller.designations.includes(d));
}

function requireApprover(caller: Caller, grant: GrantRow): void {
  if (!mayApprove(caller)) throw forbidden(`role ${caller.role} may not decide a clear-access grant`, ['id'], { reason: 'ROLE' });
  // Separation of duties: the requester is the grantee, and neither decides nor reviews it.
  if (caller.id === grant.granteeId) throw forbidden('nobody decides or reviews their own clear-access grant: another manager or the information-management head does', ['id'], { reason: 'SAME_PERSON' });
}

/** `phone` / `Customer.phone` → `Customer.phone`, among the fields the policy lets the role request. */
function checkFields(problems: InputProblems, role: Role, fields: readonly string[]): string[] {
  const allowed = grantableFields(role);
  const wanted = [...new Set(fields.map((f) => (f.includes('.') ? f : `Customer.${f}`)))].sort();
  problems.check('input.fields', wanted.length >= 1, 'must name at least one field');
  const refused = wanted.filter((f) => !allowed.includes(f));
  // Field names are schema coordinates, not personal data: safe to name.
  problems.check('input.fields', refused.length === 0, `the policy lets role ${role} request only ${allowed.map((f) => f.split('.')[1]).join(', ')}`);
  // The role's clear breadth still applies to what a grant releases: a grant that could never be served whole is refused.
  const identifying = wanted.filter((f) => classify(...(f.split('.') as [string, string]))?.identifying).length;
  const breadth = ROLE_POLICIES[role].exposure.clearBreadth;
  problems.check('input.fields', identifying <= breadth, `at most ${breadth} identifying fields (the role's clear breadth) in one grant`);
  return wanted;
}

function checkPurpose(problems: InputProblems, role: Role, purpose: string): string {
  const allowed = ROLE_POLICIES[role].purposes.allowed as readonly string[];
  problems.check('input.purpose', allowed.includes(purpose), `must be one of the role's purposes: ${allowed.join(', ')}`);
  return purpose;
}

async function requireCustomer(tx: SqlRunner, customerId: string): Promise<void> {
  const [customer] = await tx.rows(`SELECT 1 FROM customers WHERE id = $1 AND status NOT IN ('ERASED', 'RESTRICTED')`, [customerId]);
  if (!customer) throw notFound('customer', 'input.customerId');
}

async function insertGrant(tx: TransactionDb, values: { granteeId: string; customerId: string; fields: string[]; purpose: string; reason: string; minutes: number; emergency: boolean; now: Date }): Promise<GrantRow> {
  const { granteeId, customerId, fields, purpose, reason, minutes, emergency, now } = values;
  const id = randomUUID();
  const sealed = await sealFor(tx, 'clear_access_grants', id, customerId, { reason });
  const [row] = await tx.rows<GrantRow>(
    `INSERT INTO clear_access_grants AS g (id, grantee_id, customer_id, fields, purpose, reason_sealed, reason_masked, minutes, emergency, status, requested_at, starts_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${grantColumns}`,
    [id, granteeId, customerId, fields, purpose, sealed.reason_sealed, sealed.reason_masked, minutes, emergency, emergency ? 'APPROVED' : 'PENDING', now, emergency ? now : null,
      emergency ? new Date(now.getTime() + minutes * 60_000) : null],
  );
  tx.changed({ entity: 'ClearAccessGrant', entityId: row.id, customerId: row.customerId, action: 'CREATE', before: null, after: row as never });
  return row;
}

/** A PENDING request: nothing is served clear until a second person approves it. */
export function requestClearAccess(ctx: RequestContext, input: RequestClearAccessInput): Promise<GrantRow> {
  const customerId = requireUuid(input.customerId, 'input.customerId');
  const role = ctx.principal.role;
  const problems = new InputProblems();
  const fields = checkFields(problems, role, input.fields);
  const purpose = checkPurpose(problems, role, input.purpose);
  const reason = checkReason(problems, 'input.reason', input.reason);
  const minutes = input.minutes ?? CLEAR_ACCESS_GRANTS.maxMinutes;
  problems.check('input.minutes', Number.isInteger(minutes) && minutes >= 1 && minutes <= CLEAR_ACCESS_GRANTS.maxMinutes, `must be 1–${CLEAR_ACCESS_GRANTS.maxMinutes} (the policy's longest grant)`);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    await requireCustomer(tx, customerId);
    return insertGrant(tx, { granteeId: caller.id, customerId, fields, purpose, reason, minutes, emergency: false, now: nowOf(ctx) });
  });
}

/**
 * Break-glass: in force at once for the policy's short time; every approver but the grantee is
 * notified (an alert) and one of them reviews it afterwards. Refused while an earlier emergency
 * grant of the caller waits for its review.
 */
export function openEmergencyClearAccess(ctx: RequestContext, input: EmergencyClearAccessInput): Promise<GrantRow> {
  const customerId = requireUuid(input.customerId, 'input.customerId');
  const role = ctx.principal.role;
  const problems = new InputProblems();
  const fields = checkFields(problems, role, input.fields);
  const purpose = checkPurpose(problems, role, input.purpose);
  const reason = checkReason(problems, 'input.reason', input.reason);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx); // locks the member: two emergency grants cannot race past the check
    if (CLEAR_ACCESS_GRANTS.emergency.blocksNextUntilReviewed) {
      const [open] = await tx.rows<{ id: string }>(`SELECT id FROM clear_access_grants WHERE grantee_id = $1 AND emergency AND reviewed_at IS NULL LIMIT 1`, [caller.id]);
      if (open) throw forbidden('an earlier emergency grant of yours has not been reviewed yet: have it reviewed first', ['Mutation.openEmergencyClearAccess'], { reason: 'UNREVIEWED_EMERGENCY', grantId: open.id });
    }
    await requireCustomer(tx, customerId);
    const now = nowOf(ctx);
    const grant = await insertGrant(tx, { granteeId: caller.id, customerId, fields, purpose, reason, minutes: CLEAR_ACCESS_GRANTS.emergency.maxMinutes, emergency: true, now });
    const approvers = await tx.rows<{ id: string }>(
      `SELECT id FROM staff WHERE active AND id <> $1 AND (role = ANY($2::text[]) OR designations && $3::text[]) ORDER BY id`,
      [caller.id, CLEAR_ACCESS_GRANTS.approvedBy.roles, CLEAR_ACCESS_GRANTS.approvedBy.designations as readonly Designation[]],
    );
    await raiseAlert(tx, {
      rule: 'EMERGENCY_GRANT',
      severity: 'CRITICAL',
      principalSub: caller.id,
      subject: grant.id,
      summary: `emergency clear access opened by ${caller.id} for ${fields.length} field(s) of one customer, ${grant.minutes} minutes; review it`,
      detail: { grantId: grant.id, customerId, fields, purpose, expiresAt: grant.expiresAt },
      recipients: approvers.map((a) => a.id),
      dedupeKey: `EMERGENCY_GRANT:${grant.id}`,
      raisedAt: now,
    });
    return grant;
  });
}

interface LockedGrant {
  grant: GrantRow;
  /** The customer's data key (share-locked), null once erased. */
  dataKey: Buffer | null;
}

/** The grant, locked for update — after its customer's key (the order a data-key rotation locks in: key, then rows). */
async function lockGrant(tx: TransactionDb, id: string): Promise<LockedGrant> {
  const grantId = requireUuid(id, 'id');
  const [owner] = await tx.rows<{ customerId: string }>(`SELECT customer_id AS "customerId" FROM clear_access_grants WHERE id = $1`, [grantId]);
  if (!owner) throw notFound('clear-access grant');
  const dataKey = await lockCustomerKey(tx, owner.customerId);
  const [grant] = await tx.rows<GrantRow>(`SELECT ${grantColumns} FROM clear_access_grants g WHERE g.id = $1 FOR UPDATE`, [grantId]);
  if (!grant) throw notFound('clear-access grant');
  return { grant, dataKey };
}

async function update(tx: TransactionDb, { grant: before, dataKey }: LockedGrant, values: Record<string, unknown>, reason?: string): Promise<GrantRow> {
  const set = await sealTexts(tx, before.id, before.customerId, dataKey, values);
  const columns = Object.keys(set);
  const [after] = await tx.rows<GrantRow>(
    `UPDATE clear_access_grants AS g SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE g.id = $1 RETURNING ${grantColumns}`,
    [before.id, ...columns.map((c) => set[c])],
  );
  tx.changed({ entity: 'ClearAccessGrant', entityId: after.id, customerId: after.customerId, action: 'UPDATE', before: before as never, after: after as never, ...(reason ? { reason } : {}) });
  return after;
}

function requirePending(grant: GrantRow, now: Date): void {
  if (grant.status !== ClearAccessGrantStatus.PENDING) throw badUserInput('id', `the grant is ${grant.status.toLowerCase()}: only a pending request can be decided or cancelled`);
  if (grant.requestedAt.getTime() + CLEAR_ACCESS_GRANTS.pendingMinutes * 60_000 <= now.getTime()) {
    throw badUserInput('id', `the request lapsed (not decided within ${CLEAR_ACCESS_GRANTS.pendingMinutes} minutes): request again`);
  }
}

/** Approves (from now for the grant's minutes) or rejects a pending request: a second person only. */
export function decideClearAccess(ctx: RequestContext, id: string, approve: boolean, note: string | null | undefined): Promise<GrantRow> {
  const problems = new InputProblems();
  const decisionNote = approve && !note?.trim() ? null : checkReason(problems, 'note', note);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    const locked = await lockGrant(tx, id);
    const { grant } = locked;
    requireApprover(caller, grant);
    const now = nowOf(ctx);
    requirePending(grant, now);
    if (!approve) return update(tx, locked, { status: ClearAccessGrantStatus.REJECTED, decided_by: caller.id, decided_at: now, decision_note: decisionNote });
    // The grantee must still be served in a role that may hold the grant: a request left pending by a
    // member since deactivated (an incident, a review) or moved to another role would open on their return.
    // FOR SHARE: an approval waits for a deactivation under way (and then finds the member inactive); a later one waits for it (and revokes what it approved).
    const [grantee] = await tx.rows<{ role: Role }>(`SELECT role FROM staff WHERE id = $1 AND active FOR SHARE`, [grant.granteeId]);
    if (!grantee || grantableFields(grantee.role).length === 0) throw badUserInput('id', 'the requester is no longer an active member who may hold a grant: reject it');
    await requireCustomer(tx, grant.customerId).catch(() => {
      throw badUserInput('id', 'the customer of this request is no longer served: reject it');
    });
    const expires = new Date(now.getTime() + Math.min(grant.minutes, CLEAR_ACCESS_GRANTS.maxMinutes) * 60_000);
    return update(tx, locked, { status: ClearAccessGrantStatus.APPROVED, decided_by: caller.id, decided_at: now, decision_note: decisionNote, starts_at: now, expires_at: expires });
  });
}

/** Withdraws a pending request: its requester only. */
export function cancelClearAccess(ctx: RequestContext, id: string): Promise<GrantRow> {
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    const locked = await lockGrant(tx, id);
    const { grant } = locked;
    if (grant.granteeId !== caller.id) throw forbidden('only the requester may cancel a request', ['id'], { reason: 'NOT_REQUESTER' });
    requirePending(grant, nowOf(ctx));
    return update(tx, locked, { status: ClearAccessGrantStatus.CANCELLED });
  });
}

/** Ends an approved grant now: an approver, or the grantee giving it up. */
export function revokeClearAccess(ctx: RequestContext, id: string, reason: string): Promise<GrantRow> {
  const problems = new InputProblems();
  const why = checkReason(problems, 'reason', reason);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    const locked = await lockGrant(tx, id);
    const { grant } = locked;
    if (grant.granteeId !== caller.id && !mayApprove(caller)) throw forbidden(`role ${caller.role} may not revoke a clear-access grant`, ['id'], { reason: 'ROLE' });
    if (grant.status !== ClearAccessGrantStatus.APPROVED) throw badUserInput('id', `the grant is ${grant.status.toLowerCase()}: only an approved grant can be revoked`);
    return update(tx, locked, { status: ClearAccessGrantStatus.REVOKED, revoked_by: caller.id, revoked_at: nowOf(ctx), revoke_reason: why }, why);
  });
}

/** Revokes every approved grant of a member at once (incident response, access review); returns their ids. */
export async function revokeGrantsOf(tx: TransactionDb, granteeId: string, by: string | null, reason: string, now: Date): Promise<string[]> {
  const inForce = `g.grantee_id = $1 AND g.status = 'APPROVED' AND g.expires_at > $2`;
  // Their customers' keys first (the revoke reason is sealed under each), then the grants: the order a key rotation locks in.
  const customers = await tx.rows<{ customerId: string }>(`SELECT DISTINCT g.customer_id AS "customerId" FROM clear_access_grants g WHERE ${inForce} ORDER BY 1`, [granteeId, now]);
  const keys = new Map<string, Buffer | null>();
  for (const { customerId } of customers) keys.set(customerId, await lockCustomerKey(tx, customerId));
  const grants = await tx.rows<GrantRow>(`SELECT ${grantColumns} FROM clear_access_grants g WHERE ${inForce} FOR UPDATE`, [granteeId, now]);
  for (const grant of grants) {
    // A grant approved since the keys were read (its customer's key not taken): its key now.
    const dataKey = keys.has(grant.customerId) ? keys.get(grant.customerId)! : await lockCustomerKey(tx, grant.customerId);
    await update(tx, { grant, dataKey }, { status: ClearAccessGrantStatus.REVOKED, revoked_by: by, revoked_at: now, revoke_reason: reason }, reason);
  }
  return grants.map((g) => g.id);
}

/** The review an emergency grant needs: another approver; NOT_JUSTIFIED also ends it if still in force. */
export function reviewEmergencyClearAccess(ctx: RequestContext, id: string, outcome: EmergencyReviewOutcome, note: string): Promise<GrantRow> {
  const problems = new InputProblems();
  const reviewNote = checkReason(problems, 'note', note);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const caller = await requireCaller(tx, ctx);
    const locked = await lockGrant(tx, id);
    const { grant } = locked;
    requireApprover(caller, grant);
    if (!grant.emergency) throw badUserInput('id', 'only an emergency grant is reviewed: an ordinary one was approved before use');
    if (grant.reviewedAt) throw badUserInput('id', 'the emergency grant was reviewed already');
    const now = nowOf(ctx);
    const end = outcome === EmergencyReviewOutcome.NOT_JUSTIFIED && inForce(grant, now) ? { status: ClearAccessGrantStatus.REVOKED, revoked_by: caller.id, revoked_at: now, revoke_reason: reviewNote } : {};
    return update(tx, locked, { reviewed_by: caller.id, reviewed_at: now, review_outcome: outcome, review_note: reviewNote, ...end });
  });
}

export function findClearAccessGrants(ctx: RequestContext, args: ClearAccessGrantsArgs): Promise<Page<GrantRow>> {
  const params = new SqlParams();
  const conditions: string[] = [];
  if (args.status) conditions.push(`g.status = ${params.add(args.status)}`);
  if (args.customerId) conditions.push(`g.customer_id = ${params.add(requireUuid(args.customerId, 'customerId'))}`);
  if (args.granteeId) conditions.push(`g.grantee_id = ${params.add(requireUuid(args.granteeId, 'granteeId'))}`);
  if (args.unreviewedEmergency) conditions.push(`g.emergency AND g.reviewed_at IS NULL`);
  return fetchPage<GrantRow>(ctx.db, grantList, { column: 'g.requested_at', direction: 'DESC' }, args, conditions, params);
}

/** Values a grant released, by the register: every entry naming it (the grantee's records since it started). */
export async function valuesReleased(ctx: RequestContext, grant: Pick<GrantRow, 'id' | 'granteeId' | 'startsAt'>): Promise<number> {
  if (!grant.startsAt) return 0;
  const [row] = await ctx.db.rows<{ n: number }>(
    `SELECT coalesce(sum((f->>'count')::int), 0)::int AS n FROM audit_access a CROSS JOIN jsonb_array_elements(a.fields) f
     WHERE a.principal_sub = $1 AND a.occurred_at >= $2::timestamptz - interval '1 day' AND f->>'grantId' = $3`,
    [grant.granteeId, grant.startsAt, grant.id],
  );
  return row.n;
}
