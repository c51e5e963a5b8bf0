/**
 * Incident response: an auditor or administrator declares an incident about a principal and a
 * window; its credentials are revoked in the same transaction (permissions/governance.ts says what
 * containment does per kind); the register gives every customer whose data it received, clear and
 * masked; the notification list goes out as GraphQL and CSV (the notification channel — the
 * complaint outbox where it has landed — sends it); each step is on the incident's timeline and in
 * the change history.
 */
import { stringify } from 'csv-stringify/sync';
import type { RequestContext } from '../../src/context';
import type { SqlRunner, TransactionDb } from '../../src/db/pool';
import { addIncidentEvent, affectedCustomers, type PrincipalKind } from '../../src/governance/incidents';
import { forbidden } from '../../permissions/engine/errors';
import { INCIDENTS } from '../../permissions/governance';
import { badUserInput, InputProblems, isUuid, notFound, requireUuid } from '../../src/input-errors';
import { checkReason } from '../erasure/erasure.service';
import { nowOf, revokeGrantsOf } from '../grant/grant.service';
import { IncidentStatus, type AffectedCustomer, type DeclareIncidentInput, type Incident, type IncidentEvent, type IncidentNotificationList } from './incident.types';

type IncidentRow = Omit<Incident, 'timeline'>;

const incidentColumns = `i.id, i.status, i.source, i.complaint_id AS "complaintId", i.principal_kind AS "principalKind", i.principal_ref AS "principalRef",
  i.window_from AS "windowFrom", i.window_to AS "windowTo", i.summary, i.declared_by AS "declaredBy", i.declared_at AS "declaredAt",
  i.contained_at AS "containedAt", i.notified_at AS "notifiedAt", i.closed_at AS "closedAt"`;

async function requireHandler(db: SqlRunner, ctx: RequestContext): Promise<string> {
  const { sub, role } = ctx.principal;
  const found = INCIDENTS.handledBy.includes(role) && isUuid(sub) ? await db.rows(`SELECT 1 FROM staff WHERE id = $1 AND role = $2 AND active`, [sub.toLowerCase(), role]) : [];
  if (found.length === 0) throw forbidden('only an active auditor or administrator handles incidents', [], { reason: 'NOT_STAFF' });
  return sub.toLowerCase();
}

interface Target {
  kind: PrincipalKind;
  ref: string;
  from: Date;
  to: Date;
}

function checkTarget(problems: InputProblems, input: DeclareIncidentInput, now: Date): Target {
  const to = input.to ?? now;
  problems.check('input.principal', input.principal.trim().length >= 1 && input.principal.length <= 100, 'must name a staff member, a partner or a partner token');
  problems.check('input.from', input.from instanceof Date && !Number.isNaN(input.from.getTime()) && input.from < to, 'must be before `to` (now when absent)');
  return { kind: input.principalKind as PrincipalKind, ref: input.principal.trim(), from: input.from, to };
}

/** Revokes the principal's credentials now; returns what was done (ids and counts) and the reference the register uses. */
async function contain(tx: TransactionDb, ctx: RequestContext, handler: string, target: Target, incidentId: string, now: Date): Promise<{ ref: string; detail: Record<string, unknown> }> {
  const why = `incident ${incidentId}`;
  switch (target.kind) {
    case 'STAFF': {
      const [member] = await tx.rows<Record<string, unknown> & { id: string }>(
        `SELECT id, active, tokens_valid_after AS "tokensValidAfter", status_reason AS "statusReason" FROM staff WHERE ${isUuid(target.ref) ? 'id = $1::uuid' : 'username = $1'} FOR UPDATE`,
        [target.ref],
      );
      if (!member) throw notFound('staff member', 'input.principal');
      if (member.id === handler) throw forbidden('nobody declares or contains an incident about themselves', ['input.principal'], { reason: 'SAME_PERSON' });
      const [after] = await tx.rows<Record<string, unknown>>(
        `UPDATE staff SET active = false, tokens_valid_after = now(), status_reason = $2 WHERE id = $1
         RETURNING id, active, tokens_valid_after AS "tokensValidAfter", status_reason AS "statusReason"`,
        [member.id, why],
      );
      tx.changed({ entity: 'StaffMember', entityId: member.id, customerId: null, action: 'UPDATE', before: member as never, after: after as never, reason: why });
      const grants = await revokeGrantsOf(tx, member.id, handler, why, now);
      return { ref: member.id, detail: { staffDeactivated: member.id, grantsRevoked: grants } };
    }
    case 'PARTNER': {
      const [partner] = await tx.rows<{ id: string; active: boolean }>(`SELECT id, active FROM partners WHERE id = $1 FOR UPDATE`, [target.ref]);
      if (!partner) throw notFound('partner', 'input.principal');
      if (partner.active) {
        await tx.rows(`UPDATE partners SET active = false WHERE id = $1`, [partner.id]);
        tx.changed({ entity: 'Partner', entityId: partner.id, customerId: null, action: 'UPDATE', before: { active: true } as never, after: { active: false } as never, reason: why });
      }
      const tokens = await revokePartnerTokens(tx, handler, `partner_id = $1`, partner.id, why);
      return { ref: partner.id, detail: { partnerDeactivated: partner.id, tokensRevoked: tokens } };
    }
    case 'TOKEN': {
      if (!isUuid(target.ref)) throw badUserInput('input.principal', 'must be a partner token id (a staff member’s tokens: declare the member)');
      const [token] = await tx.rows<{ id: string }>(`SELECT id FROM partner_tokens WHERE id = $1 FOR UPDATE`, [target.ref]);
      if (!token) throw notFound('partner token', 'input.principal');
      const tokens = await revokePartnerTokens(tx, handler, `id = $1`, token.id, why);
      return { ref: token.id, detail: { tokensRevoked: tokens } };
    }
  }
}

async function revokePartnerTokens(tx: TransactionDb, handler: string, condition: string, value: string, why: string): Promise<string[]> {
  const rows = await tx.rows<{ id: string; revokedAt: Date }>(
    `UPDATE partner_tokens SET revoked_at = now(), revoked_by = $2 WHERE ${condition} AND revoked_at IS NULL RETURNING id, revoked_at AS "revokedAt"`,
    [value, handler],
  );
  for (const r of rows) tx.changed({ entity: 'PartnerToken', entityId: r.id, customerId: null, action: 'UPDATE', before: { revokedAt: null } as never, after: { revokedAt: r.revokedAt } as never, reason: why });
  return rows.map((r) => r.id);
}

async function lockIncident(tx: TransactionDb, id: string): Promise<IncidentRow> {
  const [incident] = await tx.rows<IncidentRow>(`SELECT ${incidentColumns} FROM incidents i WHERE i.id = $1 FOR UPDATE`, [requireUuid(id, 'id')]);
  if (!incident) throw notFound('incident');
  return incident;
}

async function update(tx: TransactionDb, before: IncidentRow, set: Record<string, unknown>): Promise<IncidentRow> {
  const columns = Object.keys(set);
  const [after] = await tx.rows<IncidentRow>(
    `UPDATE incidents AS i SET ${columns.map((c, n) => `${c} = $${n + 2}`).join(', ')} WHERE i.id = $1 RETURNING ${incidentColumns}`,
    [before.id, ...columns.map((c) => set[c])],
  );
  tx.changed({ entity: 'Incident', entityId: after.id, customerId: null, action: 'UPDATE', before: before as never, after: after as never });
  return after;
}

async function containAndList(tx: TransactionDb, ctx: RequestContext, handler: string, incident: IncidentRow, target: Target, summary: string | null, now: Date): Promise<IncidentRow> {
  const { ref, detail } = await contain(tx, ctx, handler, target, incident.id, now);
  const contained = await update(tx, incident, {
    status: IncidentStatus.CONTAINED, principal_kind: target.kind, principal_ref: ref, window_from: target.from, window_to: target.to, contained_at: now,
    declared_by: incident.declaredBy ?? handler, ...(summary ? { summary } : {}),
  });
  await addIncidentEvent(tx, incident.id, now, 'CONTAINED', handler, detail);
  const affected = await affectedCustomers(tx, target.kind, ref, target.from, target.to);
  await addIncidentEvent(tx, incident.id, now, 'AFFECTED_LISTED', handler, { customers: affected.length, receivedClear: affected.filter((a) => a.receivedClear).length });
  return contained;
}

/** Declares and contains at once: the credentials stop working from the next request on. */
export function declareIncident(ctx: RequestContext, input: DeclareIncidentInput): Promise<IncidentRow> {
  const now = nowOf(ctx);
  const problems = new InputProblems();
  const target = checkTarget(problems, input, now);
  const summary = checkReason(problems, 'input.summary', input.summary ?? `incident about a ${target.kind.toLowerCase()} principal`);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const handler = await requireHandler(tx, ctx);
    const [incident] = await tx.rows<IncidentRow>(
      `INSERT INTO incidents AS i (status, source, summary, declared_by, declared_at) VALUES ('TRIAGE', 'DECLARED', $1, $2, $3) RETURNING ${incidentColumns}`,
      [summary, handler, now],
    );
    tx.changed({ entity: 'Incident', entityId: incident.id, customerId: null, action: 'CREATE', before: null, after: incident as never });
    await addIncidentEvent(tx, incident.id, now, 'DECLARED', handler, { principalKind: target.kind });
    return containAndList(tx, ctx, handler, incident, target, null, now);
  });
}

/** An incident opened for triage (a PRIVACY complaint) is contained once its principal is known. */
export function containIncident(ctx: RequestContext, id: string, input: DeclareIncidentInput): Promise<IncidentRow> {
  const now = nowOf(ctx);
  const problems = new InputProblems();
  const target = checkTarget(problems, input, now);
  const summary = input.summary ? checkReason(problems, 'input.summary', input.summary) : null;
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const handler = await requireHandler(tx, ctx);
    const incident = await lockIncident(tx, id);
    if (incident.status !== IncidentStatus.TRIAGE) throw badUserInput('id', `the incident is ${incident.status.toLowerCase()}: only one in triage is contained this way`);
    return containAndList(tx, ctx, handler, incident, target, summary, now);
  });
}

/** Customers were notified (through the outbox or letters): `reference` names the batch. */
export function recordIncidentNotified(ctx: RequestContext, id: string, reference: string): Promise<IncidentRow> {
  const problems = new InputProblems();
  const ref = checkReason(problems, 'reference', reference);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const handler = await requireHandler(tx, ctx);
    const incident = await lockIncident(tx, id);
    if (incident.status !== IncidentStatus.CONTAINED) throw badUserInput('id', `the incident is ${incident.status.toLowerCase()}: customers are notified of a contained incident`);
    const now = nowOf(ctx);
    const affected = await affectedCustomers(tx, incident.principalKind as PrincipalKind, incident.principalRef!, incident.windowFrom!, incident.windowTo!);
    await addIncidentEvent(tx, incident.id, now, 'CUSTOMERS_NOTIFIED', handler, { customers: affected.length }, ref);
    return update(tx, incident, { status: IncidentStatus.NOTIFIED, notified_at: now });
  });
}

export function closeIncident(ctx: RequestContext, id: string, note: string): Promise<IncidentRow> {
  const problems = new InputProblems();
  const why = checkReason(problems, 'note', note);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const handler = await requireHandler(tx, ctx);
    const incident = await lockIncident(tx, id);
    if (incident.status === IncidentStatus.CLOSED) throw badUserInput('id', 'the incident is closed already');
    const now = nowOf(ctx);
    await addIncidentEvent(tx, incident.id, now, 'CLOSED', handler, {}, why);
    return update(tx, incident, { status: IncidentStatus.CLOSED, closed_at: now });
  });
}

export function listIncidents(ctx: RequestContext, status: IncidentStatus | null): Promise<IncidentRow[]> {
  return ctx.db.rows<IncidentRow>(`SELECT ${incidentColumns} FROM incidents i WHERE ($1::text IS NULL OR i.status = $1) ORDER BY i.declared_at DESC, i.id LIMIT 200`, [status]);
}

export async function incidentTimeline(ctx: RequestContext, incidentId: string): Promise<IncidentEvent[]> {
  const rows = await ctx.db.rows<{ at: Date; kind: string; actor: string | null; detail: unknown; note: string | null }>(`SELECT at, kind, actor, detail, note FROM incident_events WHERE incident_id = $1 ORDER BY id`, [incidentId]);
  return rows.map((r) => ({ ...r, detail: JSON.stringify(r.detail) }));
}

export const CSV_COLUMNS = ['customer_id', 'archive_number', 'received_clear', 'requests', 'first_at', 'last_at'];

export function notificationCsv(customers: AffectedCustomer[]): string {
  return stringify(
    customers.map((c) => [c.customerId, c.archiveNumber ?? '', c.receivedClear ? 'yes' : 'no', c.requests, c.firstAt.toISOString(), c.lastAt.toISOString()]),
    { header: true, columns: CSV_COLUMNS },
  );
}

/** The notification list of a contained incident: every customer the principal received in the window, and the export on its timeline. */
export function incidentNotificationList(ctx: RequestContext, id: string): Promise<IncidentNotificationList> {
  return ctx.db.transaction(async (tx) => {
    const handler = await requireHandler(tx, ctx);
    const incident = await lockIncident(tx, id);
    if (!incident.principalKind) throw badUserInput('id', 'the incident is in triage: contain it (name its principal and window) first');
    const affected = await affectedCustomers(tx, incident.principalKind as PrincipalKind, incident.principalRef!, incident.windowFrom!, incident.windowTo!);
    const numbers = new Map(
      (await tx.rows<{ id: string; archiveNumber: string | null }>(`SELECT id, archive_number AS "archiveNumber" FROM customers WHERE id = ANY($1::uuid[])`, [affected.map((a) => a.customerId)])).map((r) => [r.id, r.archiveNumber]),
    );
    const customers = affected.map((a) => ({ ...a, archiveNumber: numbers.get(a.customerId) ?? null }));
    await addIncidentEvent(tx, incident.id, nowOf(ctx), 'NOTIFICATION_EXPORTED', handler, { customers: customers.length });
    return { incidentId: incident.id, customers, csv: notificationCsv(customers) };
  });
}
