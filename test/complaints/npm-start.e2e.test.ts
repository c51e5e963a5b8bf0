/**
 * Issue 17, "done when": a complaint taken from filing to closed and reopened through the API of
 * the server as `npm start` runs it (its own process, migrations, demo seed, its complaint jobs),
 * with the customer's messages delivered by the server itself to an SMTP server started here.
 * The test waits for each message to arrive (an event, not a sleep).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config';
import { issueDevToken } from '../../src/auth/token-issuer';
import type { Role } from '../../src/auth/principal';
import { ROLE_POLICIES } from '../../permissions/policy';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { spawnServer } from '../harness/process';

interface Mail { to: string[]; text: string }

function decoded(raw: string): string {
  const [headers, ...rest] = raw.split(/\r?\n\r?\n/);
  return /base64/i.test(headers) ? Buffer.from(rest.join('').replace(/\s+/g, ''), 'base64').toString('utf8') : rest.join('\n');
}

describe('Complaints end to end on the server as npm start runs it', () => {
  let db: TestDatabase;
  let pool: Pool;
  let dataDir: string;
  let smtp: SMTPServer;
  let server: ReturnType<typeof spawnServer>;
  let url: string;
  const mails: Mail[] = [];
  const waiting: { test: (mail: Mail) => boolean; resolve: (mail: Mail) => void }[] = [];

  /** The first mail (already received or still to come) that passes `test`. */
  const mailMatching = (test: (mail: Mail) => boolean) =>
    new Promise<Mail>((resolve) => {
      const found = mails.find(test);
      if (found) resolve(found);
      else waiting.push({ test, resolve });
    });

  const gql = async (username: string, role: Role, query: string, variables: Record<string, unknown> = {}) => {
    const token = await issueDevToken({ ...loadConfig(), dataDir }, { role, sub: username });
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': ROLE_POLICIES[role].purposes.default },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(`${username}: ${JSON.stringify(body.errors)}`);
    return Object.values(body.data as object)[0] as any;
  };

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          const mail = { to: session.envelope.rcptTo.map((r) => r.address), text: decoded(raw) };
          mails.push(mail);
          for (const w of waiting.filter((x) => x.test(mail))) {
            waiting.splice(waiting.indexOf(w), 1);
            w.resolve(mail);
          }
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    db = await createTestDatabase({ empty: true });
    pool = new Pool({ connectionString: db.url, max: 2 });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cr-complaints-e2e-'));
    server = spawnServer({
      DATABASE_URL: db.url, DATA_DIR: dataDir, SEED_CUSTOMERS: '60', KEK_FILE: undefined, BLIND_INDEX_KEY_FILE: undefined,
      SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, MAIL_FROM: 'complaints@bank.example', COMPLAINT_JOBS_SECONDS: '1',
    });
    url = await server.listening();
  }, 120_000);

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await pool?.end();
    await db?.drop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('files, acknowledges, assigns, investigates, resolves, closes and reopens a complaint, the customer e-mailed at each telling step', async () => {
    const [agent] = (await pool.query(`SELECT username FROM staff WHERE role = 'service' ORDER BY username LIMIT 1`)).rows;
    const [manager] = (await pool.query(`SELECT username, id FROM staff WHERE role = 'manager' ORDER BY username LIMIT 1`)).rows;
    const [agentRow] = (await pool.query(`SELECT id FROM staff WHERE username = $1`, [agent.username])).rows;
    const [customer] = (await pool.query(`SELECT id FROM customers WHERE status = 'ACTIVE' AND email_sealed IS NOT NULL ORDER BY archive_number LIMIT 1`)).rows;
    const FIELDS = 'id number status';
    const k = await gql(agent.username, 'service', `mutation ($input: FileComplaintInput!) { fileComplaint(input: $input) { ${FIELDS} } }`, {
      input: { customerId: customer.id, channel: 'ONLINE', category: 'FEES', description: '年费重复扣收', customerRequest: '退还年费', replyChannel: 'EMAIL' },
    });
    expect(k.status).toBe('RECEIVED');
    await gql(agent.username, 'service', `mutation ($input: AcknowledgeComplaintInput!) { acknowledgeComplaint(input: $input) { ${FIELDS} } }`, { input: { complaintId: k.id, replyChannel: 'EMAIL' } });
    const acknowledgement = await mailMatching((m) => m.text.includes(k.number) && m.text.includes('已受理'));
    expect(acknowledgement.to).toHaveLength(1);

    await gql(manager.username, 'manager', `mutation ($input: AssignComplaintInput!) { assignComplaint(input: $input) { ${FIELDS} } }`, { input: { complaintId: k.id, assigneeId: agentRow.id } });
    await gql(agent.username, 'service', `mutation ($input: StartComplaintInvestigationInput!) { startComplaintInvestigation(input: $input) { ${FIELDS} } }`, {
      input: { complaintId: k.id, measures: '核对扣费记录', deadline: new Date(Date.now() + 3 * 86_400_000).toISOString() },
    });
    await mailMatching((m) => m.text.includes(k.number) && m.text.includes('正在处理中'));
    await gql(agent.username, 'service', `mutation ($input: ResolveComplaintInput!) { resolveComplaint(input: $input) { ${FIELDS} } }`, {
      input: { complaintId: k.id, cause: '配置错误', course: '重复扣收', responsibility: '卡中心', conclusion: '成立', countermeasures: '修正配置', resolution: '已退还重复扣收的年费' },
    });
    const result = await mailMatching((m) => m.text.includes(k.number) && m.text.includes('已退还重复扣收的年费'));
    expect(result.to).toEqual(acknowledgement.to);

    const closed = await gql(manager.username, 'manager', `mutation ($input: CloseComplaintInput!) { closeComplaint(input: $input) { ${FIELDS} } }`, { input: { complaintId: k.id } });
    expect(closed.status).toBe('CLOSED');
    const reopened = await gql(manager.username, 'manager', `mutation ($input: ComplaintSatisfactionInput!) { recordComplaintSatisfaction(input: $input) { ${FIELDS} reopenCount } }`, {
      input: { complaintId: k.id, score: 1, comment: '太慢' },
    });
    expect(reopened).toMatchObject({ status: 'INVESTIGATING', reopenCount: 1 });

    const read = await gql(manager.username, 'manager', `query ($id: ID!) { complaint(id: $id) { messages { kind status } timeline { kind status } } }`, { id: k.id });
    expect(read.messages).toEqual([{ kind: 'ACKNOWLEDGEMENT', status: 'SENT' }, { kind: 'PROGRESS', status: 'SENT' }, { kind: 'RESULT', status: 'SENT' }]);
    expect(read.timeline.filter((e: any) => e.kind === 'MESSAGE')).toHaveLength(3);

    // The month's report, from the seeded data, served to the manager.
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
    const token = await issueDevToken({ ...loadConfig(), dataDir }, { role: 'manager', sub: manager.username });
    const report = await fetch(`${url}/reports/complaints/${month}`, { headers: { authorization: `Bearer ${token}` } });
    expect(report.status).toBe(200);
    expect(await report.text()).toContain(`Complaint statistics, ${month}`);
  }, 120_000);
});
