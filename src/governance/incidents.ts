/**
 * Incidents, the core part: opening one (declared, or for triage from a PRIVACY complaint), its
 * timeline, and the customers a principal received over a window — read from the access register,
 * clear and masked alike (seed 000 七, seed 003 四(五): trace the incident, notify who was affected).
 * Names ids, times and counts, never a customer's value.
 */
import type { SqlRunner } from '../db/pool';

export type PrincipalKind = 'STAFF' | 'PARTNER' | 'TOKEN';
export type IncidentEventKind = 'OPENED_FOR_TRIAGE' | 'DECLARED' | 'CONTAINED' | 'AFFECTED_LISTED' | 'NOTIFICATION_EXPORTED' | 'CUSTOMERS_NOTIFIED' | 'CLOSED';

/**
 * One step of an incident's timeline: `detail` ids and counts only; `note` the step's free text (close
 * note, notification reference), a field of its own so that the policy masks it like the summary.
 */
export async function addIncidentEvent(db: SqlRunner, incidentId: string, at: Date, kind: IncidentEventKind, actor: string | null, detail: Record<string, unknown> = {}, note: string | null = null): Promise<void> {
  await db.rows(`INSERT INTO incident_events (incident_id, at, kind, actor, detail, note) VALUES ($1, $2, $3, $4, $5::jsonb, $6)`, [incidentId, at, kind, actor, JSON.stringify(detail), note]);
}

/**
 * A complaint in the PRIVACY category opens an incident for triage (no principal yet: an auditor
 * or administrator names it when containing). Called inside the complaint's transaction.
 */
export async function openIncidentForComplaint(db: SqlRunner, complaint: { id: string; customerId: string }, at: Date): Promise<string> {
  const [row] = await db.rows<{ id: string }>(
    `INSERT INTO incidents (status, source, complaint_id, summary, declared_at) VALUES ('TRIAGE', 'COMPLAINT', $1, $2, $3) RETURNING id`,
    [complaint.id, 'a complaint in the PRIVACY category: find out whose access it concerns, then contain', at],
  );
  await addIncidentEvent(db, row.id, at, 'OPENED_FOR_TRIAGE', null, { complaintId: complaint.id });
  return row.id;
}

/** The register's condition for one principal (parameter $1 = its reference). */
export function principalCondition(kind: PrincipalKind, alias = 'a'): string {
  switch (kind) {
    case 'STAFF':
      return `${alias}.principal_sub = $1`;
    case 'PARTNER':
      return `${alias}.partner_id = $1`;
    case 'TOKEN':
      return `${alias}.token_id = $1`;
  }
}

export interface AffectedCustomer {
  customerId: string;
  /** Whether any of its sensitive values reached the principal clear (else only masked). */
  receivedClear: boolean;
  /** Requests of the principal in the window that carried the customer's data. */
  requests: number;
  firstAt: Date;
  lastAt: Date;
}

/** Every customer whose data the principal received in [from, to), from the register: clear first, then by id. */
export function affectedCustomers(db: SqlRunner, kind: PrincipalKind, ref: string, from: Date, to: Date): Promise<AffectedCustomer[]> {
  return db.rows<AffectedCustomer>(
    `SELECT x.customer_id AS "customerId", bool_or(x.clear) AS "receivedClear", count(DISTINCT x.seq)::int AS requests,
            min(x.occurred_at) AS "firstAt", max(x.occurred_at) AS "lastAt"
     FROM (
       SELECT a.seq, a.occurred_at, u.id AS customer_id, true AS clear FROM audit_access a CROSS JOIN unnest(a.customers_clear) u(id)
        WHERE ${principalCondition(kind)} AND a.occurred_at >= $2 AND a.occurred_at < $3
       UNION ALL
       SELECT a.seq, a.occurred_at, u.id, false FROM audit_access a CROSS JOIN unnest(a.customers_masked) u(id)
        WHERE ${principalCondition(kind)} AND a.occurred_at >= $2 AND a.occurred_at < $3
     ) x
     GROUP BY x.customer_id
     ORDER BY bool_or(x.clear) DESC, x.customer_id`,
    [ref, from, to],
  );
}
