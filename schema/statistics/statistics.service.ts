/**
 * complaintStatistics and transactionStatistics (issue 17 item 4): one GROUP BY statement each,
 * then cell suppression — a cell with fewer than k distinct customers is left out, and when only
 * one would be, the next smallest goes with it (so it cannot be recovered by subtraction within
 * the answer). Which dimensions a role may group by is the policy's (permissions/statistics.ts).
 */
import type { RequestContext } from '../../src/context';
import type { SqlRunner } from '../../src/db/pool';
import { forbidden } from '../../permissions/engine/errors';
import { DEFAULT_MINIMUM_CUSTOMERS, STATISTICS_GRANTS, type ComplaintDimension, type TransactionDimension } from '../../permissions/statistics';
import { badUserInput } from '../../src/input-errors';
import { SqlParams } from '../../src/db/sql';
import { nowOf } from '../complaint/workflow.service';
import type { ComplaintStatistics, ComplaintStatisticsArgs, ComplaintStatisticsCell, TransactionStatistics, TransactionStatisticsArgs, TransactionStatisticsCell } from './statistics.types';

/** k in force: the policy's minimum, raised (never lowered) by STATISTICS_K. */
export function minimumCustomers(env: NodeJS.ProcessEnv = process.env): number {
  const raised = Number(env.STATISTICS_K);
  return Number.isInteger(raised) && raised > DEFAULT_MINIMUM_CUSTOMERS ? raised : DEFAULT_MINIMUM_CUSTOMERS;
}

const MONTH = (column: string) => `to_char(${column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`;

const COMPLAINT_SQL: Record<ComplaintDimension, [alias: string, sql: string]> = {
  MONTH: ['month', MONTH('k.received_at')],
  CATEGORY: ['category', 'k.category'],
  CHANNEL: ['channel', 'k.channel'],
  STATUS: ['status', 'k.status'],
  BRANCH: ['branch', `COALESCE(k.branch, 'unknown')`],
};

const TRANSACTION_SQL: Record<TransactionDimension, [alias: string, sql: string]> = {
  MONTH: ['month', MONTH('t.occurred_at')],
  CHANNEL: ['channel', 't.channel'],
  DIRECTION: ['direction', 't.direction'],
  CURRENCY: ['currency', 't.currency'],
  TIER: ['tier', 'c.tier'],
  // The stored generalised address keeps province and city: the province is read from it, never from the sealed address.
  PROVINCE: ['province', `COALESCE(substring(c.address_masked FROM '^(.*?(省|自治区|特别行政区|市))'), 'unknown')`],
};

function checkArgs<D extends string>(ctx: RequestContext, kind: 'complaint' | 'transaction', args: { from: Date; to: Date; groupBy: string[] }): D[] {
  const granted = (STATISTICS_GRANTS[ctx.principal.role]?.[kind] ?? []) as readonly string[];
  const refused = args.groupBy.filter((d) => !granted.includes(d));
  if (refused.length) {
    throw forbidden(`role ${ctx.principal.role} may not group ${kind} statistics by ${refused.join(', ')}`, refused.map((d) => `groupBy.${d}`), { reason: 'DIMENSION_NOT_GRANTED' });
  }
  const span = args.to.getTime() - args.from.getTime();
  if (!(span > 0)) throw badUserInput('to', 'must be after from');
  if (span > 731 * 86_400_000) throw badUserInput('to', 'at most 2 years after from');
  return [...new Set(args.groupBy)] as D[];
}

/** Leaves out cells under k, and one more when a single one would be; returns the published cells and how many were left out. */
export function suppress<T extends { customers: number }>(cells: T[], k: number): { cells: T[]; suppressed: number } {
  const small = new Set(cells.filter((c) => c.customers < k));
  if (small.size === 1 && cells.length > 1) {
    const next = cells.filter((c) => !small.has(c)).sort((a, b) => a.customers - b.customers)[0];
    small.add(next);
  }
  return { cells: cells.filter((c) => !small.has(c)), suppressed: small.size };
}

const int = (v: unknown) => Number(v ?? 0);
const float = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100);

export async function complaintStatistics(ctx: RequestContext, args: ComplaintStatisticsArgs): Promise<ComplaintStatistics> {
  const dims = checkArgs<ComplaintDimension>(ctx, 'complaint', args);
  return computeComplaintStatistics(ctx.db, nowOf(ctx), args.from, args.to, dims);
}

/** The aggregates with suppression, without the role check (the monthly report, which managers read). */
export async function computeComplaintStatistics(db: SqlRunner, at: Date, from: Date, to: Date, dims: ComplaintDimension[]): Promise<ComplaintStatistics> {
  const k = minimumCustomers();
  const params = new SqlParams();
  const now = params.add(at);
  const args = { from, to };
  const ctx = { db };
  const select = dims.map((d) => `${COMPLAINT_SQL[d][1]} AS "${COMPLAINT_SQL[d][0]}"`);
  const hours = `extract(epoch FROM k.closed_at - k.received_at) / 3600`;
  const rows = await ctx.db.rows<Record<string, unknown>>(
    `SELECT ${[...select,
      'count(*) AS complaints', 'count(DISTINCT k.customer_id) AS customers', 'count(k.closed_at) AS closed',
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hours}) FILTER (WHERE k.closed_at IS NOT NULL) AS median`,
      `percentile_cont(0.9) WITHIN GROUP (ORDER BY ${hours}) FILTER (WHERE k.closed_at IS NOT NULL) AS p90`,
      // As `Complaint.overdue`: closed after the due time, or not closed by it (seed 002 第二十六条: 7天结案).
      `count(*) FILTER (WHERE k.closed_at > k.due_at OR (k.closed_at IS NULL AND k.due_at < ${now}::timestamptz)) AS breaches`,
      'count(k.delay_explained_at) AS explained',
      'avg(k.satisfaction) AS satisfaction_mean',
      ...[1, 2, 3, 4, 5].map((s) => `count(*) FILTER (WHERE k.satisfaction = ${s}) AS s${s}`),
    ].join(', ')}
       FROM complaints k
      WHERE k.received_at >= ${params.add(args.from)} AND k.received_at < ${params.add(args.to)}
      ${dims.length ? `GROUP BY ${dims.map((_, i) => i + 1).join(', ')} ORDER BY ${dims.map((_, i) => i + 1).join(', ')}` : ''}`,
    params.values,
  );
  const cells: ComplaintStatisticsCell[] = rows
    .filter((r) => int(r.complaints) > 0)
    .map((r) => ({
      month: (r.month as string) ?? null, category: (r.category as string) ?? null, channel: (r.channel as string) ?? null,
      status: (r.status as string) ?? null, branch: (r.branch as string) ?? null,
      complaints: int(r.complaints), customers: int(r.customers), closed: int(r.closed),
      medianHoursToClose: float(r.median), p90HoursToClose: float(r.p90), slaBreaches: int(r.breaches), delaysExplained: int(r.explained),
      satisfactionMean: float(r.satisfaction_mean), satisfaction: [1, 2, 3, 4, 5].map((s) => int(r[`s${s}`])),
    }));
  const published = suppress(cells, k);
  return { k, groupBy: dims, suppressedCells: published.suppressed, cells: published.cells };
}

export async function transactionStatistics(ctx: RequestContext, args: TransactionStatisticsArgs): Promise<TransactionStatistics> {
  const dims = checkArgs<TransactionDimension>(ctx, 'transaction', args);
  const k = minimumCustomers();
  const params = new SqlParams();
  const byCurrency = dims.includes('CURRENCY');
  const select = dims.map((d) => `${TRANSACTION_SQL[d][1]} AS "${TRANSACTION_SQL[d][0]}"`);
  const rows = await ctx.db.rows<Record<string, unknown>>(
    `SELECT ${[...select, 'count(*) AS transactions', 'count(DISTINCT t.customer_id) AS customers',
      ...(byCurrency ? ['sum(t.amount)::text AS total', 'round(avg(t.amount), 2)::text AS average'] : [])].join(', ')}
       FROM transactions t JOIN customers c ON c.id = t.customer_id
      WHERE t.occurred_at >= ${params.add(args.from)} AND t.occurred_at < ${params.add(args.to)}
      ${dims.length ? `GROUP BY ${dims.map((_, i) => i + 1).join(', ')} ORDER BY ${dims.map((_, i) => i + 1).join(', ')}` : ''}`,
    params.values,
  );
  const cells: TransactionStatisticsCell[] = rows
    .filter((r) => int(r.transactions) > 0)
    .map((r) => ({
      month: (r.month as string) ?? null, channel: (r.channel as string) ?? null, direction: (r.direction as string) ?? null,
      currency: (r.currency as string) ?? null, tier: (r.tier as string) ?? null, province: (r.province as string) ?? null,
      transactions: int(r.transactions), customers: int(r.customers),
      totalAmount: byCurrency ? (r.total as string) : null, averageAmount: byCurrency ? (r.average as string) : null,
    }));
  const published = suppress(cells, k);
  return { k, groupBy: dims, suppressedCells: published.suppressed, cells: published.cells };
}
