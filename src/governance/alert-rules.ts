/**
 * The alert rules (permissions/governance.ts ALERT_RULES) over the access register, and the webhook
 * delivery. `runAlertRules` evaluates every rule and stores what fires once per dedupe key; it runs
 * under a transaction-level advisory lock, so that with several server processes one evaluates at a
 * time (the others skip that tick). `deliverAlerts` posts undelivered alerts, each row locked with
 * SKIP LOCKED so no two processes post the same alert, and backs off exponentially on failure.
 * Alerts name principals, rules, counts and ids — never a customer's value.
 */
import { createHmac } from 'node:crypto';
import type { Pool } from 'pg';
import { ALERT_DELIVERY, ALERT_RULES } from '../../permissions/governance';
import { inTransaction } from '../db/pool';
import { accessReport } from '../audit/report';
import { raiseAlert, type NewAlert } from './alerts';

const LOCK = `hashtext('customer-records:alert-rules')`;
const HOUR_MS = 3_600_000;

type Runner = { rows<R>(text: string, values?: unknown[]): Promise<R[]> };

function chinaDay(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ALERT_RULES.CLEAR_OFF_HOURS.timeZone }).format(at);
}

/** Each rule's alerts at `now` (not yet stored). */
async function evaluate(db: Runner, now: Date): Promise<NewAlert[]> {
  const alerts: NewAlert[] = [];
  const day = chinaDay(now);
  // CLEAR_ANOMALY: the register report's rule, today.
  const dayStart = new Date(now.getTime() - 24 * HOUR_MS);
  for (const d of await accessReport(db as never, { from: dayStart, to: now })) {
    if (!d.anomaly) continue;
    alerts.push({
      rule: 'CLEAR_ANOMALY', severity: ALERT_RULES.CLEAR_ANOMALY.severity, principalSub: d.principalSub, subject: d.day, summary: d.reason ?? 'clear values above the baseline',
      detail: { day: d.day, clearValues: d.clearValues, customersClear: d.customersClear, baseline: d.baseline }, recipients: [], dedupeKey: `CLEAR_ANOMALY:${d.principalSub}:${d.day}`, raisedAt: now,
    });
  }
  // MANY_PROBES and MANY_REFUSALS: per principal over the last window, one alert per window bucket.
  for (const rule of ['MANY_PROBES', 'MANY_REFUSALS'] as const) {
    const { threshold, windowMinutes } = ALERT_RULES[rule];
    const since = new Date(now.getTime() - windowMinutes * 60_000);
    const counted = await db.rows<{ sub: string; role: string; n: number }>(
      rule === 'MANY_PROBES'
        ? `SELECT a.principal_sub AS sub, a.principal_role AS role, count(*)::int AS n FROM audit_access a CROSS JOIN jsonb_array_elements(a.fields) f
           WHERE a.occurred_at >= $1 AND a.occurred_at < $2 AND f->>'reason' = 'PROBE' GROUP BY 1, 2 HAVING count(*) >= $3`
        : `SELECT a.principal_sub AS sub, a.principal_role AS role, count(*)::int AS n FROM audit_access a
           WHERE a.occurred_at >= $1 AND a.occurred_at < $2 AND a.outcome <> 'OK' GROUP BY 1, 2 HAVING count(*) >= $3`,
      [since, now, threshold],
    );
    const bucket = Math.floor(now.getTime() / (windowMinutes * 60_000));
    for (const c of counted) {
      alerts.push({
        rule, severity: ALERT_RULES[rule].severity, principalSub: c.sub, subject: null, summary: `${c.n} ${rule === 'MANY_PROBES' ? 'probes' : 'refused requests'} in ${windowMinutes} minutes (threshold ${threshold})`,
        detail: { count: c.n, role: c.role, windowMinutes }, recipients: [], dedupeKey: `${rule}:${c.sub}:${bucket}`, raisedAt: now,
      });
    }
  }
  // CLEAR_OFF_HOURS: clear values read outside working hours, China time, in the last day.
  const { from, to } = ALERT_RULES.CLEAR_OFF_HOURS.workingHours;
  const offHours = await db.rows<{ sub: string; role: string; day: string; clear: number }>(
    `SELECT a.principal_sub AS sub, a.principal_role AS role, to_char(a.occurred_at AT TIME ZONE $3, 'YYYY-MM-DD') AS day, sum(a.clear_values)::int AS clear
     FROM audit_access a
     WHERE a.occurred_at >= $1 AND a.occurred_at < $2 AND a.clear_values > 0
       AND (extract(hour FROM a.occurred_at AT TIME ZONE $3) < $4 OR extract(hour FROM a.occurred_at AT TIME ZONE $3) >= $5)
     GROUP BY 1, 2, 3`,
    [dayStart, now, ALERT_RULES.CLEAR_OFF_HOURS.timeZone, from, to],
  );
  for (const o of offHours) {
    alerts.push({
      rule: 'CLEAR_OFF_HOURS', severity: ALERT_RULES.CLEAR_OFF_HOURS.severity, principalSub: o.sub, subject: o.day, summary: `${o.clear} clear values read outside ${from}:00–${to}:00 (China time)`,
      detail: { day: o.day, clearValues: o.clear, role: o.role }, recipients: [], dedupeKey: `CLEAR_OFF_HOURS:${o.sub}:${o.day}`, raisedAt: now,
    });
  }
  // GRANT_MANY_CUSTOMERS: grants released values of many distinct customers to one principal in the last day.
  const granted = await db.rows<{ sub: string; customers: number; grants: number }>(
    `SELECT a.principal_sub AS sub, count(DISTINCT c)::int AS customers, count(DISTINCT f->>'grantId')::int AS grants
     FROM audit_access a CROSS JOIN jsonb_array_elements(a.fields) f CROSS JOIN unnest(a.customers_clear) c
     WHERE a.occurred_at >= $1 AND a.occurred_at < $2 AND f ? 'grantId'
     GROUP BY 1 HAVING count(DISTINCT c) >= $3`,
    [dayStart, now, ALERT_RULES.GRANT_MANY_CUSTOMERS.threshold],
  );
  for (const g of granted) {
    alerts.push({
      rule: 'GRANT_MANY_CUSTOMERS', severity: ALERT_RULES.GRANT_MANY_CUSTOMERS.severity, principalSub: g.sub, subject: day, summary: `clear-access grants released values of ${g.customers} customers in a day (${g.grants} grants)`,
      detail: { customers: g.customers, grants: g.grants }, recipients: [], dedupeKey: `GRANT_MANY_CUSTOMERS:${g.sub}:${day}`, raisedAt: now,
    });
  }
  return alerts;
}

/** Evaluates every rule once, if no other process is evaluating; returns the ids of new alerts (null: skipped, another process holds the lock). */
export function runAlertRules(pool: Pool, now: Date): Promise<string[] | null> {
  return inTransaction(pool, async (client) => {
    const db: Runner = { rows: async (text, values) => (await client.query(text, values as unknown[])).rows };
    const [{ locked }] = await db.rows<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS locked`);
    if (!locked) return null;
    const raised: string[] = [];
    for (const alert of await evaluate(db, now)) {
      const id = await raiseAlert(db as never, alert);
      if (id) raised.push(id);
    }
    return raised;
  });
}

export interface WebhookTarget {
  url: string;
  /** HMAC-SHA-256 key: the body's signature goes in `X-Signature: sha256=<hex>`. */
  secret?: string;
}

/** Posts undelivered alerts due now; returns how many were delivered and how many failed. */
export async function deliverAlerts(pool: Pool, target: WebhookTarget, now: Date, limit = 20): Promise<{ delivered: number; failed: number }> {
  let delivered = 0;
  let failed = 0;
  await inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; rule: string; severity: string; principal_sub: string | null; subject: string | null; summary: string; detail: unknown; raised_at: Date; delivery_attempts: number }>(
      `SELECT id, rule, severity, principal_sub, subject, summary, detail, raised_at, delivery_attempts FROM alerts
       WHERE delivered_at IS NULL AND next_delivery_at <= $1 AND delivery_attempts < $2
       ORDER BY raised_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [now, ALERT_DELIVERY.maxAttempts, limit],
    );
    for (const alert of rows) {
      const body = JSON.stringify({ id: alert.id, rule: alert.rule, severity: alert.severity, principal: alert.principal_sub, subject: alert.subject, summary: alert.summary, detail: alert.detail, raisedAt: alert.raised_at });
      let error: string | null = null;
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(target.secret ? { 'x-signature': `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}` } : {}) },
          body,
          signal: AbortSignal.timeout(ALERT_DELIVERY.timeoutMs),
        });
        if (!response.ok) error = `HTTP ${response.status}`;
      } catch (e) {
        error = (e as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      }
      if (error === null) {
        delivered += 1;
        await client.query(`UPDATE alerts SET delivered_at = $2, delivery_attempts = delivery_attempts + 1, last_delivery_error = NULL WHERE id = $1`, [alert.id, now]);
      } else {
        failed += 1;
        const retryIn = ALERT_DELIVERY.firstRetrySeconds * 2 ** alert.delivery_attempts;
        await client.query(`UPDATE alerts SET delivery_attempts = delivery_attempts + 1, next_delivery_at = $2, last_delivery_error = $3 WHERE id = $1`, [alert.id, new Date(now.getTime() + retryIn * 1000), error]);
      }
    }
  });
  return { delivered, failed };
}

/**
 * The server's schedule: the rules every `seconds`, deliveries every `deliverySeconds` (an emergency
 * grant's alert reaches the webhook within seconds, not at the next run of the rules); 0: off.
 * `stop` waits for a run under way.
 */
export function startAlertScheduler(pool: Pool, options: { seconds: number; deliverySeconds: number; webhook?: WebhookTarget; clock: () => Date; onError: (error: unknown) => void }) {
  let running: Promise<void> = Promise.resolve();
  const enqueue = (work: (now: Date) => Promise<unknown>) => {
    running = running.then(() => work(options.clock())).then(() => undefined, options.onError);
    return running;
  };
  const rules = () => enqueue((now) => runAlertRules(pool, now));
  const deliver = () => enqueue(async (now) => (options.webhook ? deliverAlerts(pool, options.webhook, now) : undefined));
  const timers = [
    options.seconds > 0 ? setInterval(rules, options.seconds * 1000) : undefined,
    options.webhook && options.deliverySeconds > 0 ? setInterval(deliver, options.deliverySeconds * 1000) : undefined,
  ];
  for (const timer of timers) timer?.unref();
  return {
    /** One run of the rules, then of the deliveries (tests and shutdown). */
    async tick() {
      await rules();
      await deliver();
    },
    async stop() {
      for (const timer of timers) if (timer) clearInterval(timer);
      await running;
    },
  };
}
