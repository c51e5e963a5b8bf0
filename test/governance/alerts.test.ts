/**
 * Alerts that fire: the register's rules raise stored alerts once per subject, one process at a time;
 * auditors read them; each is posted to a webhook (a local HTTP sink here) with retries and backoff.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALERT_DELIVERY, ALERT_RULES } from '../../permissions/governance';
import { deliverAlerts, runAlertRules, startAlertScheduler } from '../../src/governance/alert-rules';
import { startTestServer, type TestServer } from '../harness/server';

describe('Alerts', () => {
  let server: TestServer;
  let sales: string;
  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];

  beforeAll(async () => {
    server = await startTestServer();
    [{ id: sales }] = await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'sales' AND active ORDER BY username DESC LIMIT 1`);
    // A rep probing the register, refused each time.
    for (let i = 0; i < ALERT_RULES.MANY_REFUSALS.threshold; i++) await server.gql(`{ auditLog(first: 1) { edges { node { seq } } } }`, { role: 'sales', sub: sales });
    await server.audit.writer.idle();
  });
  afterAll(() => server.stop());

  it('raises MANY_REFUSALS for the principal, once, whatever the number of runs', async () => {
    const now = new Date();
    const first = await runAlertRules(server.pool, now);
    expect(first).not.toBeNull();
    const again = await runAlertRules(server.pool, new Date(now.getTime() + 1000));
    const rows = await sql(`SELECT rule, principal_sub, detail FROM alerts WHERE rule = 'MANY_REFUSALS' AND principal_sub = $1`, [sales]);
    expect(rows).toHaveLength(1);
    expect(rows[0].detail).toMatchObject({ count: ALERT_RULES.MANY_REFUSALS.threshold, role: 'sales' });
    expect(again).toEqual([]);
  });

  it('one process evaluates at a time: a run finding the lock taken skips its turn', async () => {
    const holder = await server.db.pool.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('customer-records:alert-rules'))`);
      expect(await runAlertRules(server.pool, new Date())).toBeNull();
      await holder.query(`SELECT pg_advisory_unlock(hashtext('customer-records:alert-rules'))`);
    } finally {
      holder.release();
    }
    // Two at once: every alert stored once.
    await Promise.all([runAlertRules(server.pool, new Date()), runAlertRules(server.pool, new Date())]);
    const duplicates = await sql(`SELECT dedupe_key FROM alerts GROUP BY dedupe_key HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
  });

  it('flags clear reads outside working hours (China time) only when they are', async () => {
    const [{ rep, customer }] = await sql<{ rep: string; customer: string }>(`SELECT relationship_manager_id AS rep, id AS customer FROM customers WHERE relationship_manager_id IS NOT NULL AND status = 'ACTIVE' ORDER BY id LIMIT 1`);
    const read = await server.gql<any>(`query ($id: ID!) { customer(id: $id) { phone } }`, { role: 'sales', sub: rep, variables: { id: customer } });
    expect(read.body.extensions?.privacy.fields.some((f: any) => f.decision === 'CLEAR')).toBe(true);
    await server.audit.writer.idle();
    await runAlertRules(server.pool, new Date());
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    const { from, to } = ALERT_RULES.CLEAR_OFF_HOURS.workingHours;
    const alerts = await sql(`SELECT rule FROM alerts WHERE rule = 'CLEAR_OFF_HOURS' AND principal_sub = $1`, [rep]);
    expect(alerts.length).toBe(hour < from || hour >= to ? 1 : 0);
  });

  it('auditors read the alerts; a rep may not', async () => {
    const result = await server.gql<any>(`{ alerts(rule: "MANY_REFUSALS") { rule principalSub summary detail deliveredAt } }`, { role: 'auditor' });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.alerts).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'MANY_REFUSALS', principalSub: sales, deliveredAt: null })]));
    const refused = await server.gql<any>(`{ alerts { rule } }`, { role: 'sales', sub: sales });
    expect(refused.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('the server\'s schedule runs the rules, then delivers (no webhook: stored only), and stops cleanly', async () => {
    const errors: unknown[] = [];
    const scheduler = startAlertScheduler(server.pool, { seconds: 0, deliverySeconds: 0, clock: () => new Date(), onError: (e) => errors.push(e) });
    await scheduler.tick();
    await scheduler.stop();
    expect(errors).toEqual([]);
    expect(await sql(`SELECT count(*)::int AS n FROM alerts WHERE rule = 'MANY_REFUSALS' AND principal_sub = $1`, [sales])).toEqual([{ n: 1 }]);
  });

  it('posts each alert to the webhook, signed, retrying with backoff until the sink takes it', async () => {
    const received: { body: string; signature: string | undefined }[] = [];
    let failuresLeft = 2;
    const sink = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          res.writeHead(503).end();
          return;
        }
        received.push({ body, signature: req.headers['x-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const target = { url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/alerts`, secret: 'webhook-test-secret' };
    try {
      await sql(`UPDATE alerts SET delivered_at = now() WHERE rule <> 'MANY_REFUSALS'`); // only the one alert of this test
      const [{ id, raised_at: raisedAt }] = await sql(`SELECT id, raised_at FROM alerts WHERE rule = 'MANY_REFUSALS' AND principal_sub = $1`, [sales]);
      const t0 = new Date(raisedAt.getTime() + 1000);
      expect(await deliverAlerts(server.pool, target, t0)).toEqual({ delivered: 0, failed: 1 });
      // Not due again before its backoff.
      expect(await deliverAlerts(server.pool, target, new Date(t0.getTime() + (ALERT_DELIVERY.firstRetrySeconds - 1) * 1000))).toEqual({ delivered: 0, failed: 0 });
      const t1 = new Date(t0.getTime() + ALERT_DELIVERY.firstRetrySeconds * 1000);
      expect(await deliverAlerts(server.pool, target, t1)).toEqual({ delivered: 0, failed: 1 });
      expect((await sql(`SELECT next_delivery_at, delivery_attempts, last_delivery_error FROM alerts WHERE id = $1`, [id]))[0]).toEqual({
        next_delivery_at: new Date(t1.getTime() + 2 * ALERT_DELIVERY.firstRetrySeconds * 1000), delivery_attempts: 2, last_delivery_error: 'HTTP 503',
      });
      const t2 = new Date(t1.getTime() + 2 * ALERT_DELIVERY.firstRetrySeconds * 1000);
      expect(await deliverAlerts(server.pool, target, t2)).toEqual({ delivered: 1, failed: 0 });
      expect(received).toHaveLength(1);
      const body = JSON.parse(received[0].body);
      expect(body).toMatchObject({ id, rule: 'MANY_REFUSALS', principal: sales });
      expect(received[0].signature).toBe(`sha256=${createHmac('sha256', target.secret).update(received[0].body).digest('hex')}`);
      expect(await deliverAlerts(server.pool, target, new Date(t2.getTime() + 3_600_000))).toEqual({ delivered: 0, failed: 0 });
    } finally {
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
  });
});
