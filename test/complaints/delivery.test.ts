/**
 * Telling the customer (issue 17 item 2): the step writes its message to the outbox in its own
 * transaction; the delivery worker sends it over a real SMTP server (smtp-server, started here)
 * or an SMS HTTP gateway (a local sink), with retries, one delivery per message however many
 * workers run (FOR UPDATE SKIP LOCKED), the same idempotency key on every attempt, the status on
 * the timeline, and no more personal data than the customer needs to recognise their complaint.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { deliverDueMessages } from '../../src/notify/outbox-worker';
import { smtpChannel } from '../../src/notify/smtp-channel';
import { smsGatewayChannel } from '../../src/notify/sms-gateway-channel';
import type { Channels } from '../../src/notify/channel';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const FILE = `mutation File($input: FileComplaintInput!) { fileComplaint(input: $input) { id number } }`;
const ACK = `mutation Ack($input: AcknowledgeComplaintInput!) { acknowledgeComplaint(input: $input) { id messages { kind channel status } } }`;
const ASSIGN = `mutation Assign($input: AssignComplaintInput!) { assignComplaint(input: $input) { id } }`;
const START = `mutation Start($input: StartComplaintInvestigationInput!) { startComplaintInvestigation(input: $input) { id } }`;
const RESOLVE = `mutation Resolve($input: ResolveComplaintInput!) { resolveComplaint(input: $input) { id } }`;
const MESSAGES = `query Messages($id: ID!) { complaint(id: $id) { messages { kind channel status attempts sentAt lastError } timeline { kind note } } }`;

interface Mail { from: string; to: string[]; raw: string }
interface Sms { headers: IncomingHttpHeaders; body: { to: string; text: string; reference: string } }

describe('Customer messages: outbox and delivery', () => {
  let server: TestServer;
  let smtp: SMTPServer;
  let smtpPort: number;
  let sink: Server;
  let sinkUrl: string;
  const mails: Mail[] = [];
  const sms: Sms[] = [];
  /** The SMS sink answers 503 to this many requests first. */
  let sinkFailures = 0;
  let agent: string;
  let manager: string;
  let channels: Channels;

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: CallOptions['role'], sub: string, input: Record<string, unknown>): CallOptions => ({ role, sub, variables: { input } });
  const ok = (result: GqlResult<any>): any => {
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data as object)[0];
  };

  async function customerWith(column: 'email' | 'phone'): Promise<{ id: string; name: string; email: string | null; phone: string | null }> {
    const [row] = await server.clearRows<{ id: string; name: string; email: string | null; phone: string | null }>(
      'customers', `t.status = 'ACTIVE' AND t.kind = 'INDIVIDUAL' AND t.${column}_sealed IS NOT NULL AND NOT EXISTS (SELECT 1 FROM complaint_messages m WHERE m.customer_id = t.id)`, [], 'ORDER BY t.archive_number LIMIT 1',
    );
    return row;
  }

  async function acknowledged(customerId: string, replyChannel: 'EMAIL' | 'SMS'): Promise<{ id: string; number: string }> {
    const k = ok(await server.gql(FILE, as('service', agent, { customerId, channel: 'HOTLINE', category: 'CARD', description: '卡被吞了，身份证110101199003070016', replyChannel })));
    const acked = ok(await server.gql(ACK, as('service', agent, { complaintId: k.id, replyChannel })));
    expect(acked.messages).toEqual([{ kind: 'ACKNOWLEDGEMENT', channel: replyChannel, status: 'PENDING' }]);
    return k;
  }

  beforeAll(async () => {
    server = await startTestServer();
    agent = await server.member('service', 'delivery-agent');
    manager = await server.member('manager', 'delivery-manager');
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    sink = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (sinkFailures > 0) {
          sinkFailures--;
          res.writeHead(503).end();
          return;
        }
        sms.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms-${sms.length}` }));
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/messages`;
    channels = {
      EMAIL: smtpChannel({ url: `smtp://127.0.0.1:${smtpPort}`, from: 'complaints@bank.example' }),
      SMS: smsGatewayChannel({ url: sinkUrl, token: 'test-token' }),
    };
  });

  afterAll(async () => {
    await server?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await new Promise<void>((resolve) => sink.close(() => resolve()));
  });

  beforeEach(() => {
    mails.length = 0;
    sms.length = 0;
    sinkFailures = 0;
  });

  it('writes the message in the step\'s transaction: a step that fails leaves none', async () => {
    const customer = await customerWith('email');
    const k = ok(await server.gql(FILE, as('service', agent, { customerId: customer.id, channel: 'EMAIL', category: 'FEES', description: '多收费' })));
    await server.db.pool.query(`CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$`);
    await server.db.pool.query(`CREATE TRIGGER fail_event BEFORE INSERT ON complaint_events FOR EACH ROW EXECUTE FUNCTION fail_event()`);
    try {
      const result = await server.gql(ACK, as('service', agent, { complaintId: k.id, replyChannel: 'EMAIL' }));
      expect(result.body.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await server.db.pool.query(`DROP TRIGGER fail_event ON complaint_events; DROP FUNCTION fail_event()`);
    }
    expect(await sql(`SELECT id FROM complaint_messages WHERE complaint_id = $1`, [k.id])).toEqual([]);
    expect((await sql(`SELECT status FROM complaints WHERE id = $1`, [k.id]))[0].status).toBe('RECEIVED');
  });

  it('delivers the acknowledgement by e-mail over SMTP: number, expected time and method, and nothing else of the customer', async () => {
    const customer = await customerWith('email');
    const k = await acknowledged(customer.id, 'EMAIL');
    const report = await deliverDueMessages({ pool: server.pool, channels, now: new Date() });
    expect(report).toMatchObject({ sent: 1, retried: 0, failed: 0 });
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual([customer.email]);
    expect(mails[0].raw).toMatch(/Message-ID: <[0-9a-f-]{36}@/i);
    // The text part, decoded (nodemailer sends non-ASCII text as base64).
    const [headers, ...rest] = mails[0].raw.split(/\r?\n\r?\n/);
    const body = /base64/i.test(headers) ? Buffer.from(rest.join('').replace(/\s+/g, ''), 'base64').toString('utf8') : rest.join('\n');
    expect(body).toContain(k.number);
    expect(body).not.toContain(customer.name);
    expect(body).not.toContain('110101199003070016');
    expect(body).not.toContain('卡被吞了');
    const { body: read } = await server.gql<any>(MESSAGES, { role: 'manager', sub: manager, variables: { id: k.id } });
    expect(read.data.complaint.messages).toEqual([expect.objectContaining({ kind: 'ACKNOWLEDGEMENT', channel: 'EMAIL', status: 'SENT', attempts: 1, lastError: null })]);
    expect(read.data.complaint.timeline.map((e: any) => e.kind)).toContain('MESSAGE');
  });

  it('retries a failed SMS later with the same idempotency key, as the clock moves', async () => {
    const customer = await customerWith('phone');
    const k = await acknowledged(customer.id, 'SMS');
    sinkFailures = 1;
    const now = new Date();
    expect(await deliverDueMessages({ pool: server.pool, channels, now })).toMatchObject({ sent: 0, retried: 1 });
    const [pending] = await sql(`SELECT status, attempts, next_attempt_at, last_error FROM complaint_messages WHERE complaint_id = $1`, [k.id]);
    expect(pending).toMatchObject({ status: 'PENDING', attempts: 1, last_error: 'HTTP_503' });
    // Not due yet at the same instant.
    expect(await deliverDueMessages({ pool: server.pool, channels, now })).toMatchObject({ sent: 0, retried: 0 });
    expect(await deliverDueMessages({ pool: server.pool, channels, now: new Date(pending.next_attempt_at.getTime() + 1000) })).toMatchObject({ sent: 1 });
    expect(sms).toHaveLength(1);
    expect(sms[0].body.to).toBe(customer.phone);
    expect(sms[0].body.text).toContain(k.number);
    expect(sms[0].body.text).not.toContain(customer.name);
    expect(sms[0].headers['idempotency-key']).toBe(sms[0].body.reference);
    expect(sms[0].headers.authorization).toBe('Bearer test-token');
    const [sent] = await sql(`SELECT id, status, attempts FROM complaint_messages WHERE complaint_id = $1`, [k.id]);
    expect(sent).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(sms[0].body.reference).toBe(sent.id);
  });

  it('gives up after the last attempt, saying so on the timeline', async () => {
    const customer = await customerWith('phone');
    const k = await acknowledged(customer.id, 'SMS');
    sinkFailures = 100;
    let now = new Date();
    for (let i = 0; i < 3; i++) {
      await deliverDueMessages({ pool: server.pool, channels, now, maxAttempts: 3 });
      now = new Date(now.getTime() + 86_400_000);
    }
    const [row] = await sql(`SELECT status, attempts FROM complaint_messages WHERE complaint_id = $1`, [k.id]);
    expect(row).toEqual({ status: 'FAILED', attempts: 3 });
    const { body } = await server.gql<any>(MESSAGES, { role: 'manager', sub: manager, variables: { id: k.id } });
    expect(body.data.complaint.timeline.filter((e: any) => e.kind === 'MESSAGE')).toHaveLength(1);
  });

  it('sends each message once however many workers run at the same moment', async () => {
    const customers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await customerWith('phone');
      await acknowledged(c.id, 'SMS');
      customers.push(c.id);
    }
    const pending = (await sql(`SELECT count(*)::int AS n FROM complaint_messages WHERE status = 'PENDING' AND channel = 'SMS'`))[0].n;
    const reports = await Promise.all([1, 2, 3].map(() => deliverDueMessages({ pool: server.pool, channels, now: new Date(), batch: 2 })));
    expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(pending);
    expect(sms).toHaveLength(pending);
    expect(new Set(sms.map((m) => m.body.reference)).size).toBe(pending);
  });

  it('tells the result with the numbers inside masked, and cancels a message for a customer with no address', async () => {
    const customer = await customerWith('phone');
    const k = await acknowledged(customer.id, 'SMS');
    ok(await server.gql(ASSIGN, as('manager', manager, { complaintId: k.id, assigneeId: agent })));
    ok(await server.gql(START, as('service', agent, { complaintId: k.id, measures: '调取监控', deadline: new Date(Date.now() + 86_400_000).toISOString() })));
    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, cause: '设备故障', course: '吞卡', responsibility: '网点', conclusion: '成立', countermeasures: '检修', resolution: '已将卡片寄回，卡号6222021234567890123的新卡将于3日内寄出' })));
    await deliverDueMessages({ pool: server.pool, channels, now: new Date() });
    const result = sms.find((m) => m.body.text.includes('已将卡片寄回'));
    expect(result).toBeDefined();
    expect(result!.body.text).not.toContain('6222021234567890123');

    // No phone: the message is cancelled, not retried forever.
    await server.db.pool.query(`UPDATE customers SET phone_sealed = NULL, phone_masked = NULL, phone_bidx = NULL WHERE id = $1`, [customer.id]);
    // Due a second ago: PostgreSQL's now() has microseconds, a JS Date only milliseconds — "due now" could be later than the worker's now.
    const [{ id }] = await sql(
      `INSERT INTO complaint_messages (complaint_id, customer_id, kind, channel, created_at, next_attempt_at) VALUES ($1, $2, 'PROGRESS', 'SMS', now(), now() - interval '1 second') RETURNING id`,
      [k.id, customer.id],
    );
    const report = await deliverDueMessages({ pool: server.pool, channels, now: new Date() });
    expect(report.cancelled).toBe(1);
    const [cancelled] = await sql(`SELECT status, last_error FROM complaint_messages WHERE id = $1`, [id]);
    expect(cancelled).toEqual({ status: 'CANCELLED', last_error: 'NO_ADDRESS' });
  });
});
