/**
 * The escalation job (issue 17 item 3): a complaint still worked, due within the escalation window,
 * that nobody has moved on (no status change, progress note or delay explanation by a person
 * within the window) is escalated to managers — urgency URGENT, `escalated_at` set, an ESCALATED
 * entry on its timeline, the change in the change history under the job's own name. Safe to run
 * in several processes at once: candidates are claimed FOR UPDATE SKIP LOCKED and re-tested
 * (`escalated_at IS NULL`) under the lock, so each complaint is escalated once.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { changeRecorder } from '../audit/change-log';
import type { ValueHasher } from '../audit/keys';
import type { Principal } from '../auth/principal';
import { RequestDb } from '../db/pool';
import { sealFor } from '../crypto/sealed-writes';
import { WORKED_STATES } from '../../permissions/complaint-workflow';

/** Who the change history names for the job's changes: no person, the job (acting in the managers' stead). */
export const ESCALATION_JOB_PRINCIPAL: Principal = {
  sub: 'system:complaint-escalation', role: 'manager', scopes: [], partnerId: null, tokenId: null, staffId: null, issuedAt: null, expiresAt: new Date(8.64e15),
};

export interface EscalationOptions {
  pool: Pool;
  hashValue: ValueHasher;
  now: Date;
  /** Hours before the due time (the policy's default, or COMPLAINT_ESCALATE_HOURS). */
  windowHours: number;
  batch?: number;
}

/** Escalates every complaint that needs it at `now`; returns their ids. */
export async function escalateDueComplaints(options: EscalationOptions): Promise<string[]> {
  const escalated: string[] = [];
  const batch = options.batch ?? 50;
  for (;;) {
    const ids = await escalateBatch(options, batch);
    escalated.push(...ids);
    if (ids.length < batch) return escalated;
  }
}

async function escalateBatch(options: EscalationOptions, batch: number): Promise<string[]> {
  const db = new RequestDb(options.pool, changeRecorder({ principal: ESCALATION_JOB_PRINCIPAL, requestId: randomUUID(), operationName: () => 'complaintEscalationJob' }, options.hashValue));
  return db.transaction(async (tx) => {
    const candidates = await tx.rows<{ id: string; customerId: string; status: string; urgency: string; escalatedAt: Date | null }>(
      `SELECT k.id, k.customer_id AS "customerId", k.status, k.urgency, k.escalated_at AS "escalatedAt" FROM complaints k
        WHERE k.status = ANY($1::text[]) AND k.escalated_at IS NULL
          AND k.due_at <= $2::timestamptz + make_interval(hours => $3::int)
          AND NOT EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = k.id AND e.actor_id IS NOT NULL
                            AND e.kind IN ('STATUS', 'PROGRESS', 'DELAY') AND e.occurred_at > $2::timestamptz - make_interval(hours => $3::int))
          AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = k.customer_id AND c.status IN ('RESTRICTED', 'ERASED'))
        ORDER BY k.due_at, k.id LIMIT $4
          FOR UPDATE OF k SKIP LOCKED`,
      [[...WORKED_STATES], options.now, options.windowHours, batch],
    );
    for (const before of candidates) {
      await tx.exec(`UPDATE complaints SET escalated_at = $2, urgency = 'URGENT' WHERE id = $1`, [before.id, options.now]);
      const id = randomUUID();
      const hours = Math.max(0, Math.round(options.windowHours));
      const sealed = await sealFor(tx, 'complaint_events', id, before.customerId, { note: `Escalated to managers: due within ${hours} hours with no progress` });
      await tx.exec(
        `INSERT INTO complaint_events (id, complaint_id, occurred_at, status, kind, actor_id, note_sealed, note_masked) VALUES ($1, $2, $3, $4, 'ESCALATED', NULL, $5, $6)`,
        [id, before.id, options.now, before.status, sealed.note_sealed ?? null, sealed.note_masked ?? null],
      );
      tx.changed({
        entity: 'Complaint', entityId: before.id, customerId: before.customerId, action: 'UPDATE',
        before: { urgency: before.urgency, escalatedAt: null }, after: { urgency: 'URGENT', escalatedAt: options.now },
      });
    }
    return candidates.map((c) => c.id);
  });
}
