/**
 * Partner governance, the core part: whether a partner is bound by an approved agreement whose
 * review is not overdue past the grace period (permissions/governance.ts). The verifier applies the
 * same rule to every request; token issuance applies it here, before any token exists.
 */
import type { SqlRunner } from '../db/pool';
import { PARTNER_GOVERNANCE } from '../../permissions/governance';

const DAY_MS = 86_400_000;

export type ReviewState = 'NO_AGREEMENT' | 'IN_ORDER' | 'GRACE' | 'OVERDUE';

/** `reviewDue` a date (midnight UTC of the next review date); `now` the instant to judge at. */
export function reviewState(reviewDue: Date | null, now: Date): ReviewState {
  if (!reviewDue) return 'NO_AGREEMENT';
  if (now.getTime() < reviewDue.getTime() + DAY_MS) return 'IN_ORDER';
  return now.getTime() < reviewDue.getTime() + (PARTNER_GOVERNANCE.graceDays + 1) * DAY_MS ? 'GRACE' : 'OVERDUE';
}

export async function approvedReviewDue(db: SqlRunner, partnerId: string): Promise<Date | null> {
  const [row] = await db.rows<{ due: Date }>(`SELECT next_review_on::timestamptz AS due FROM partner_agreements WHERE partner_id = $1 AND status = 'APPROVED'`, [partnerId]);
  return row?.due ?? null;
}
