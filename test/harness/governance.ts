/** Test setup for partner governance: a partner bound by an approved agreement (as an admin and the information-management head would leave it). */
import type { Pool } from 'pg';

export async function approvedAgreement(pool: Pool, partnerId: string): Promise<void> {
  await pool.query(
    `INSERT INTO partner_agreements (partner_id, agreement_ref, risk_assessed_on, next_review_on, status, recorded_by, recorded_at, decided_by, decided_at)
     SELECT $1, 'TEST-AGREEMENT', current_date, current_date + 365, 'APPROVED', 'test-recorder', now(), 'test-approver', now()
     WHERE NOT EXISTS (SELECT 1 FROM partner_agreements WHERE partner_id = $1 AND status = 'APPROVED')`,
    [partnerId],
  );
}
