/**
 * Deadlines that act (issue 17 item 3): the 7-day clock and the interim deadline, the worklist per
 * agent and per branch, and the escalation job — run by several processes at once, it escalates
 * each complaint once. Tests move the server's clock; nothing sleeps.
 */
import { createPool } from '../../src/db/pool';
import { APP_ROLE } from '../../migrations/1795334400000-AuditRegister';
import { attachKeyring } from '../../src/crypto/keyring';
import { escalateDueComplaints } from '../../src/notify/escalation-job';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const FILE = `mutation File($input: FileComplaintInput!) { fileComplaint(input: $input) { id receivedAt dueAt interimDueAt branch } }`;
const ASSIGN = `mutation Assign($input: AssignComplaintInput!) { assignComplaint(input: $input) { id } }`;
const START = `mutation Start($input: StartComplaintInvestigationInput!) { startComplaintInvestigation(input: $input) { id } }`;
const WORKLIST = `query Worklist($assigneeId: ID, $branch: String, $withinHours: Int) { complaintWorklist(assigneeId: $assigneeId, branch: $branch, withinHours: $withinHours) { id dueAt escalatedAt urgency timeline { kind } } }`;
const HOUR = 3_600_000;

describe('Complaint deadlines', () => {
  let server: TestServer;
  let agent: string;
  let otherAgent: string;
  let manager: string;
  let customers: string[];

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: CallOptions['role'], sub: string, input: Record<string, unknown>): CallOptions => ({ role, sub, variables: { input } });
  const ok = (result: GqlResult<any>): any => {
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data as object)[0];
  };
  const worklist = async (role: CallOptions['role'], sub: string, variables: Record<string, unknown> = {}) => ok(await server.gql(WORKLIST, { role, sub, variables })) as any[];

  /** Filed at `at` by the manager (branch of the manager), assigned to `assignee`. */
  async function filedAt(at: Date, customerId: string, assignee: string): Promise<any> {
    server.clock.set(at);
    const k = ok(await server.gql(FILE, as('manager', manager, { customerId, channel: 'BRANCH', category: 'SERVICE_ATTITUDE', description: '柜员态度差' })));
    ok(await server.gql(ASSIGN, as('manager', manager, { complaintId: k.id, assigneeId: assignee })));
    return k;
  }

  beforeAll(async () => {
    server = await startTestServer();
    agent = await server.member('service', 'deadline-agent');
    otherAgent = await server.member('service', 'deadline-other-agent');
    manager = await server.member('manager', 'deadline-manager');
    await sql(`UPDATE staff SET branch = 'Shenzhen Futian' WHERE id = $1`, [manager]);
    customers = (await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY archive_number LIMIT 6`)).map((r) => r.id);
  });

  afterAll(async () => {
    server.clock.set(null);
    await server?.stop();
  });

  it('puts a complaint on its agent\'s worklist once its interim deadline passes with no progress, or its due time nears', async () => {
    const t0 = new Date('2027-01-04T02:00:00Z');
    const k = await filedAt(t0, customers[0], agent);
    expect(k.branch).toBe('Shenzhen Futian');
    expect(new Date(k.interimDueAt).getTime() - t0.getTime()).toBe(48 * HOUR);
    server.clock.set(new Date(t0.getTime() + 47 * HOUR));
    expect((await worklist('service', agent)).map((c) => c.id)).not.toContain(k.id);
    server.clock.set(new Date(t0.getTime() + 49 * HOUR));
    expect((await worklist('service', agent)).map((c) => c.id)).toContain(k.id);
    // Another agent's worklist is their own, whatever they ask for.
    expect((await worklist('service', otherAgent, { assigneeId: agent })).map((c) => c.id)).not.toContain(k.id);
    // A manager sees it by branch and by agent.
    expect((await worklist('manager', manager, { branch: 'Shenzhen Futian' })).map((c) => c.id)).toContain(k.id);
    expect((await worklist('manager', manager, { branch: 'Beijing Xicheng' })).map((c) => c.id)).not.toContain(k.id);

    // Progress (the handling plan): off the list until the due time nears.
    ok(await server.gql(START, as('service', agent, { complaintId: k.id, measures: '调取录像', deadline: new Date(t0.getTime() + 5 * 24 * HOUR).toISOString() })));
    expect((await worklist('service', agent)).map((c) => c.id)).not.toContain(k.id);
    server.clock.set(new Date(new Date(k.dueAt).getTime() - 12 * HOUR));
    expect((await worklist('service', agent)).map((c) => c.id)).toContain(k.id);
  });

  it('escalates a complaint near its due time with no progress, once, however many processes run the job at the same moment', async () => {
    const t0 = new Date('2027-02-01T02:00:00Z');
    const stale = await filedAt(t0, customers[1], agent);
    const moving = await filedAt(t0, customers[2], agent);
    const early = await filedAt(new Date(t0.getTime() + 3 * 24 * HOUR), customers[3], agent);
    const now = new Date(new Date(stale.dueAt).getTime() - 20 * HOUR);
    server.clock.set(new Date(now.getTime() - 2 * HOUR));
    ok(await server.gql(START, as('service', agent, { complaintId: moving.id, measures: '核实', deadline: new Date(now.getTime() + HOUR).toISOString() })));

    // Three "processes": pools of their own on the app's role.
    const pools = [0, 1, 2].map(() => {
      const pool = createPool(server.db.url, 2, { role: APP_ROLE });
      attachKeyring(pool, server.keyring);
      return pool;
    });
    try {
      const runs = await Promise.all(pools.map((pool) => escalateDueComplaints({ pool, hashValue: server.audit.hashValue, now, windowHours: 24, batch: 1 })));
      const escalated = runs.flat();
      expect(escalated.filter((id) => id === stale.id)).toHaveLength(1);
      expect(escalated).not.toContain(moving.id);
      expect(escalated).not.toContain(early.id);
      // A later run finds nothing left to do.
      expect(await escalateDueComplaints({ pool: pools[0], hashValue: server.audit.hashValue, now, windowHours: 24 })).not.toContain(stale.id);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    const events = await sql(`SELECT kind, actor_id FROM complaint_events WHERE complaint_id = $1 AND kind = 'ESCALATED'`, [stale.id]);
    expect(events).toEqual([{ kind: 'ESCALATED', actor_id: null }]);
    const [row] = await sql(`SELECT urgency, escalated_at FROM complaints WHERE id = $1`, [stale.id]);
    expect(row.urgency).toBe('URGENT');
    expect(row.escalated_at.getTime()).toBe(now.getTime());
    const history = await sql(`SELECT principal_sub, principal_role FROM audit_changes WHERE entity = 'Complaint' AND entity_id = $1 AND operation_name = 'complaintEscalationJob'`, [stale.id]);
    expect(history).toEqual([{ principal_sub: 'system:complaint-escalation', principal_role: 'manager' }]);
  });
});
