/**
 * Clear values viewed per principal per day, with one explainable anomaly rule: a day is
 * flagged when its clear values exceed FACTOR × the principal's own median of the previous
 * 30 days (at least MIN_HISTORY days of history), or — without that history — FACTOR × the
 * median principal-day of the same role. Medians are floored at MIN_BASELINE so that one clear
 * value after weeks of none is not an anomaly.
 */
import type { SqlRunner } from '../db/pool';

export const ANOMALY_RULE = { factor: 3, lookbackDays: 30, minHistory: 5, minBaseline: 10, timeZone: 'Asia/Shanghai' } as const;

/** One principal's day, as counted from the register. */
interface DailyRow {
  day: string;
  principalSub: string;
  principalRole: string;
  requests: number;
  refused: number;
  clearValues: number;
  maskedValues: number;
  customersClear: number;
}

export interface PrincipalDay extends DailyRow {
  baseline: { kind: 'OWN_MEDIAN' | 'ROLE_MEDIAN'; value: number; days: number } | null;
  anomaly: boolean;
  reason: string | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

/** The last 7 days up to now. */
export function defaultReportRange(now = new Date()): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - 7 * DAY_MS), to: now };
}

export async function dailyTotals(db: SqlRunner, from: Date, to: Date): Promise<DailyRow[]> {
  return db.rows<DailyRow>(
    `WITH scoped AS (
       SELECT a.principal_sub, a.principal_role, a.outcome, a.clear_values, a.masked_values, a.customers_clear,
              to_char(a.occurred_at AT TIME ZONE $3, 'YYYY-MM-DD') AS day
       FROM audit_access a
       WHERE a.occurred_at >= $1::timestamptz - make_interval(days => $4) AND a.occurred_at < $2
     ),
     totals AS (
       SELECT day, principal_sub, principal_role, count(*)::int AS requests,
              count(*) FILTER (WHERE outcome <> 'OK')::int AS refused,
              sum(clear_values)::int AS clear_values, sum(masked_values)::int AS masked_values
       FROM scoped GROUP BY day, principal_sub, principal_role
     ),
     seen AS (
       SELECT day, principal_sub, count(DISTINCT c)::int AS customers
       FROM scoped, unnest(customers_clear) c GROUP BY day, principal_sub
     )
     SELECT t.day, t.principal_sub AS "principalSub", t.principal_role AS "principalRole", t.requests, t.refused,
            t.clear_values AS "clearValues", t.masked_values AS "maskedValues", COALESCE(s.customers, 0) AS "customersClear"
     FROM totals t LEFT JOIN seen s ON s.day = t.day AND s.principal_sub = t.principal_sub
     ORDER BY t.day, t.principal_sub`,
    [from, to, ANOMALY_RULE.timeZone, ANOMALY_RULE.lookbackDays],
  );
}

/** Applies the rule to each principal-day in [from, to) (earlier days serve as history only). */
export function flagAnomalies(rows: DailyRow[], fromDay: string): PrincipalDay[] {
  const { factor, lookbackDays, minHistory, minBaseline } = ANOMALY_RULE;
  const result: PrincipalDay[] = [];
  for (const row of rows) {
    if (row.day < fromDay) continue;
    const today = dayNumber(row.day);
    const inWindow = (r: DailyRow) => dayNumber(r.day) < today && dayNumber(r.day) >= today - lookbackDays;
    const own = rows.filter((r) => r.principalSub === row.principalSub && inWindow(r)).map((r) => r.clearValues);
    const role = rows.filter((r) => r.principalRole === row.principalRole && inWindow(r)).map((r) => r.clearValues);
    const baseline =
      own.length >= minHistory ? { kind: 'OWN_MEDIAN' as const, value: median(own), days: own.length }
      : role.length >= minHistory ? { kind: 'ROLE_MEDIAN' as const, value: median(role), days: role.length }
      : null;
    const threshold = baseline ? factor * Math.max(baseline.value, minBaseline) : null;
    const anomaly = threshold !== null && row.clearValues > threshold;
    const label = baseline?.kind === 'OWN_MEDIAN' ? "this principal's own median" : `the median ${row.principalRole} day`;
    result.push({
      ...row,
      baseline,
      anomaly,
      reason: anomaly && baseline
        ? `${row.clearValues} clear values: more than ${factor}× ${label} (${baseline.value} over ${baseline.days} days, floored at ${minBaseline})`
        : null,
    });
  }
  return result;
}

export async function accessReport(db: SqlRunner, range: { from: Date; to: Date }): Promise<PrincipalDay[]> {
  const fromDay = new Intl.DateTimeFormat('en-CA', { timeZone: ANOMALY_RULE.timeZone }).format(range.from);
  return flagAnomalies(await dailyTotals(db, range.from, range.to), fromDay);
}
