/**
 * Aggregates (issue 17 item 4; seed 002 篇四 第二十七条: monthly complaint statistics; MISSION:
 * analysts work with aggregates). A group-by on a quasi-identifier is otherwise a way around the
 * masks, so: each role groups only by the dimensions listed here — each one derived from a field
 * the role reads at least generalised (checked by test/statistics/statistics.test.ts) — and every
 * cell counting fewer than `minimumCustomers` customers is suppressed, with one more cell when a
 * single one would be (so a cell cannot be recovered from the others within one answer).
 */
import type { Role } from './vocabulary';

export const COMPLAINT_DIMENSIONS = ['MONTH', 'CATEGORY', 'CHANNEL', 'STATUS', 'BRANCH'] as const;
export type ComplaintDimension = (typeof COMPLAINT_DIMENSIONS)[number];
export const TRANSACTION_DIMENSIONS = ['MONTH', 'CHANNEL', 'DIRECTION', 'CURRENCY', 'TIER', 'PROVINCE'] as const;
export type TransactionDimension = (typeof TRANSACTION_DIMENSIONS)[number];

/** The field each dimension is read from (a role must read it at least generalised to group by it). */
export const DIMENSION_SOURCES = {
  complaint: { MONTH: 'Complaint.receivedAt', CATEGORY: 'Complaint.category', CHANNEL: 'Complaint.channel', STATUS: 'Complaint.status', BRANCH: 'Complaint.branch' },
  transaction: {
    MONTH: 'Transaction.occurredAt', CHANNEL: 'Transaction.channel', DIRECTION: 'Transaction.direction', CURRENCY: 'Transaction.currency',
    TIER: 'Customer.tier', PROVINCE: 'Customer.address',
  },
} as const;

/** The minimum of distinct customers in a published cell; `STATISTICS_K` may raise it, never lower it. */
export const DEFAULT_MINIMUM_CUSTOMERS = 5;

export interface StatisticsGrant {
  complaint: readonly ComplaintDimension[];
  transaction: readonly TransactionDimension[];
}

/** Who may ask for which aggregates, grouped by what. A role not listed gets neither operation. */
export const STATISTICS_GRANTS: Partial<Record<Role, StatisticsGrant>> = {
  // Analysts: aggregates are their work; the province comes from the address they read generalised (province + city).
  analyst: { complaint: [...COMPLAINT_DIMENSIONS], transaction: [...TRANSACTION_DIMENSIONS] },
  // Managers: the monthly report (seed 002 第二十七条); no province (they read addresses masked to it too, but have no need).
  manager: { complaint: [...COMPLAINT_DIMENSIONS], transaction: ['MONTH', 'CHANNEL', 'DIRECTION', 'CURRENCY', 'TIER'] },
  // The service desk: its own workload by month, category, channel and status.
  service: { complaint: ['MONTH', 'CATEGORY', 'CHANNEL', 'STATUS'], transaction: [] },
};

/** Root fields of the statistics a role may call. */
export function statisticsOperationsOf(role: Role): string[] {
  const grant = STATISTICS_GRANTS[role];
  if (!grant) return [];
  return [...(grant.complaint.length ? ['Query.complaintStatistics'] : []), ...(grant.transaction.length ? ['Query.transactionStatistics'] : [])];
}

/** Who reads the monthly complaint report at /reports/complaints/<month> (seed 002 第二十七条: for the general manager's review). */
export const REPORT_READERS: readonly Role[] = ['manager'];
