/**
 * Legal retention periods that hold an erasure back: while one runs, an approved erasure restricts
 * the customer instead (nobody reads their data except under `legal_hold`), and `npm run retention`
 * erases them when it ends (seed 001 五(四)2: records are cleared once past their retention period).
 * Policy data: change the figures here, `npm run policy:docs` shows them.
 */

export interface RetentionPeriod {
  /** What must be kept. */
  records: string;
  years: number;
  /** When the period starts. */
  runsFrom: string;
  /** The source the figure comes from. */
  source: string;
}

/**
 * Transaction records and the identity of whoever made them, kept for years after the later of the
 * last transaction and the end of the relationship (anti-money-laundering record keeping; the issue
 * names 5 years — compliance confirms the figure in force before production).
 */
export const TRANSACTION_RECORDS: RetentionPeriod = {
  records: 'transaction records with the identity of the customer who made them',
  years: 5,
  runsFrom: 'the later of the customer’s last transaction and the end of the relationship',
  source: 'anti-money-laundering record keeping (issue 15: "e.g. 5 years of transaction records")',
};

export const RETENTION_PERIODS: readonly RetentionPeriod[] = [TRANSACTION_RECORDS];

/** What the retention rule needs to know of a customer. */
export interface RetentionFacts {
  /** The customer's last transaction; null: none — nothing to keep. */
  lastTransactionAt: Date | null;
  /** When the relationship ended (at the latest: now, when it is erased). */
  relationshipEndedAt: Date;
}

function addYears(date: Date, years: number): Date {
  const until = new Date(date.getTime());
  until.setUTCFullYear(until.getUTCFullYear() + years);
  return until;
}

/** Until when the customer's data must be kept; null when no period applies (erase now). */
export function retainedUntil(facts: RetentionFacts): Date | null {
  if (!facts.lastTransactionAt) return null;
  const from = facts.lastTransactionAt > facts.relationshipEndedAt ? facts.lastTransactionAt : facts.relationshipEndedAt;
  return addYears(from, TRANSACTION_RECORDS.years);
}
