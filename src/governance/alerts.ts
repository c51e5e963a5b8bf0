/**
 * Alerts: what the governance raises for people to act on (anomaly rules of the register, an
 * emergency grant opened). Stored once per `dedupeKey` (a rule firing again on the same facts, in
 * any process, raises nothing new), read by auditors (`alerts`), posted to the configured webhook.
 * An alert names principals, rules, counts and ids — never a customer's value.
 */
import type { SqlRunner } from '../db/pool';

export type AlertSeverity = 'INFO' | 'WARNING' | 'CRITICAL';

export interface NewAlert {
  rule: string;
  severity: AlertSeverity;
  principalSub: string | null;
  /** What it is about: a grant id, a day, a partner id. */
  subject: string | null;
  summary: string;
  detail: Record<string, unknown>;
  /** Staff to notify (an emergency grant: every approver but the grantee). */
  recipients: string[];
  dedupeKey: string;
  raisedAt: Date;
}

/** Inserts the alert unless one with its dedupe key exists; returns its id when new. */
export async function raiseAlert(db: SqlRunner, alert: NewAlert): Promise<string | null> {
  const rows = await db.rows<{ id: string }>(
    `INSERT INTO alerts (rule, severity, principal_sub, subject, summary, detail, recipients, dedupe_key, raised_at, next_delivery_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::uuid[], $8, $9, $9)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    [alert.rule, alert.severity, alert.principalSub, alert.subject, alert.summary, JSON.stringify(alert.detail), alert.recipients, alert.dedupeKey, alert.raisedAt],
  );
  return rows[0]?.id ?? null;
}
