/**
 * The directory of who may be served: staff members (active or not, their tokens revocable at
 * once) and partners. The verifier reads it on every request, so each change here takes effect
 * on the very next request; each is in the change history.
 */
import type { RequestContext } from '../../src/context';
import { StaffDesignation, StaffMember } from '../../src/db/entities';
import { forbidden } from '../../permissions/engine/errors';
import { DESIGNATIONS } from '../../permissions/erasure';
import { selectColumns } from '../../src/db/columns';
import type { TransactionDb } from '../../src/db/pool';
import { badUserInput, InputProblems, isUuid, notFound } from '../../src/input-errors';
import { nowOf, revokeGrantsOf } from '../grant/grant.service';
import { partnerColumns } from '../partner/partner.service';
import type { Partner } from '../partner/partner.types';

const staffColumns = () => selectColumns(StaffMember, 's');

export function listStaff(ctx: RequestContext, filter: { role?: string | null; active?: boolean | null } = {}): Promise<StaffMember[]> {
  return ctx.db.rows<StaffMember>(
    `SELECT ${staffColumns()} FROM staff s
     WHERE ($1::text IS NULL OR s.role = $1) AND ($2::boolean IS NULL OR s.active = $2)
     ORDER BY s.role, s.username`,
    [filter.role ?? null, filter.active ?? null],
  );
}

/** A member by id or username, locked for the change. */
async function lockStaffMember(tx: TransactionDb, idOrUsername: string, field: string): Promise<StaffMember> {
  const [member] = await tx.rows<StaffMember>(
    `SELECT ${staffColumns()} FROM staff s WHERE ${isUuid(idOrUsername) ? 's.id = $1::uuid' : 's.username = $1'} FOR UPDATE`,
    [idOrUsername],
  );
  if (!member) throw notFound('staff member', field);
  return member;
}

function checkReason(reason: string | null | undefined, field = 'reason'): string {
  const text = (reason ?? '').trim();
  const problems = new InputProblems();
  problems.check(field, text.length >= 3 && text.length <= 500, 'must be 3–500 characters (it goes into the change history)');
  problems.throwIfAny();
  return text;
}

/**
 * Deactivates (an employee leaves, an account is compromised) or reactivates a member. A
 * deactivated member's tokens are refused from the next request on and their clear-access grants
 * revoked; reactivation serves only tokens issued after it (none minted meanwhile — by a stolen key
 * or an identity provider — revives) and no grant.
 */
export function setStaffActive(ctx: RequestContext, idOrUsername: string, active: boolean, reason: string): Promise<StaffMember> {
  const why = checkReason(reason);
  return ctx.db.transaction(async (tx) => {
    const before = await lockStaffMember(tx, idOrUsername, 'id');
    if (before.active === active) return before;
    const [after] = await tx.rows<StaffMember>(
      `UPDATE staff AS s SET active = $2, status_reason = $3, tokens_valid_after = now()
       WHERE s.id = $1 RETURNING ${staffColumns()}`,
      [before.id, active, why],
    );
    tx.changed({ entity: 'StaffMember', entityId: before.id, customerId: null, action: 'UPDATE', before: before as never, after: after as never, reason: why });
    // A deactivated member's clear-access grants end with it: reactivation does not bring them back.
    if (!active) await revokeGrantsOf(tx, before.id, isUuid(ctx.principal.sub) ? ctx.principal.sub.toLowerCase() : null, `deactivated: ${why}`, nowOf(ctx));
    return after;
  });
}

/** Every token the member holds now stops working on the next request; new ones can be issued. */
export function revokeStaffTokens(ctx: RequestContext, idOrUsername: string, reason: string): Promise<StaffMember> {
  const why = checkReason(reason);
  return ctx.db.transaction(async (tx) => {
    const before = await lockStaffMember(tx, idOrUsername, 'id');
    const [after] = await tx.rows<StaffMember>(`UPDATE staff AS s SET tokens_valid_after = now(), status_reason = $2 WHERE s.id = $1 RETURNING ${staffColumns()}`, [
      before.id,
      why,
    ]);
    tx.changed({ entity: 'StaffMember', entityId: before.id, customerId: null, action: 'UPDATE', before: before as never, after: after as never, reason: why });
    return after;
  });
}

/**
 * Sets a member's designations (the information-management head of the erasure flow): only an
 * administrator (permissions/erasure.ts `assignedBy`), never for themselves, and only a member of
 * an eligible role — so nobody gives themselves a step of the erasure flow.
 */
export function setStaffDesignations(ctx: RequestContext, idOrUsername: string, designations: readonly string[], reason: string): Promise<StaffMember> {
  const why = checkReason(reason);
  const wanted = [...new Set(designations)].sort();
  const problems = new InputProblems();
  problems.check('designations', wanted.every((d) => Object.values(StaffDesignation).includes(d as StaffDesignation)), `must be among ${Object.values(StaffDesignation).join(', ')}`);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const before = await lockStaffMember(tx, idOrUsername, 'id');
    const changed = [...new Set([...wanted, ...before.designations])].filter((d) => wanted.includes(d) !== before.designations.includes(d as StaffDesignation));
    for (const d of changed) {
      if (!DESIGNATIONS[d as StaffDesignation].assignedBy.includes(ctx.principal.role)) throw forbidden(`role ${ctx.principal.role} may not give or take the designation ${d}`, ['designations'], { reason: 'ROLE' });
    }
    if (before.id === ctx.principal.sub.toLowerCase()) throw forbidden('nobody sets their own designations: another administrator does', ['id'], { reason: 'SAME_PERSON' });
    for (const d of wanted.filter((x) => !before.designations.includes(x as StaffDesignation))) {
      const { eligibleRoles } = DESIGNATIONS[d as StaffDesignation];
      if (!eligibleRoles.includes(before.role)) throw badUserInput('designations', `${d} is given only to a member of role ${eligibleRoles.join(' or ')}`);
      if (!before.active) throw badUserInput('id', 'only an active member is given a designation');
    }
    if (changed.length === 0) return before;
    const [after] = await tx.rows<StaffMember>(`UPDATE staff AS s SET designations = $2 WHERE s.id = $1 RETURNING ${staffColumns()}`, [before.id, wanted]);
    tx.changed({ entity: 'StaffMember', entityId: before.id, customerId: null, action: 'UPDATE', before: before as never, after: after as never, reason: why });
    return after;
  });
}

/** A deactivated partner's every token is refused from the next request on; reactivation restores the unrevoked ones. */
export function setPartnerActive(ctx: RequestContext, partnerId: string, active: boolean, reason: string): Promise<Partner> {
  const why = checkReason(reason);
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx.rows<Partner>(`SELECT ${partnerColumns} FROM partners p WHERE p.id = $1 FOR UPDATE`, [partnerId]);
    if (!before) throw notFound('partner', 'id');
    if (before.active === active) return before;
    const [{ terminated }] = await tx.rows<{ terminated: boolean }>(`SELECT terminated_at IS NOT NULL AS terminated FROM partners WHERE id = $1`, [partnerId]);
    if (terminated && active) throw badUserInput('id', 'the partner is terminated: it is never served again (register a new partner after a new assessment)');
    const [after] = await tx.rows<Partner>(`UPDATE partners AS p SET active = $2 WHERE p.id = $1 RETURNING ${partnerColumns}`, [partnerId, active]);
    tx.changed({ entity: 'Partner', entityId: partnerId, customerId: null, action: 'UPDATE', before: before as never, after: after as never, reason: why });
    return after;
  });
}
