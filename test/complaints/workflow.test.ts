/**
 * The complaint workflow (issue 17 item 1; seeds 000 四, 002 篇四 第十五–二十七条, 004 四), as its
 * users act and as the attacks on it: filed → acknowledged → assigned → investigating → resolved →
 * closed, reopened by an unhappy answer; a step from the wrong state is a typed error naming both
 * states; a service agent works only complaints assigned to them; a late complaint waits for its
 * delay to be explained; every step is in the change history and on the timeline; free texts are
 * sealed at rest.
 */
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

const FIELDS = `id number status customerRequest replyChannel receivedAt dueAt interimDueAt acknowledgedAt firstProgressAt
  handlingMeasures handlingDeadline handlingOwner { id } investigationCause investigationCourse investigationResponsibility investigationConclusion
  investigationCountermeasures resolution delayReason satisfaction satisfactionComment reopenCount escalatedAt
  timeline { kind status note }`;
const FILE = `mutation File($input: FileComplaintInput!) { fileComplaint(input: $input) { ${FIELDS} } }`;
const ACK = `mutation Ack($input: AcknowledgeComplaintInput!) { acknowledgeComplaint(input: $input) { ${FIELDS} } }`;
const ASSIGN = `mutation Assign($input: AssignComplaintInput!) { assignComplaint(input: $input) { ${FIELDS} } }`;
const START = `mutation Start($input: StartComplaintInvestigationInput!) { startComplaintInvestigation(input: $input) { ${FIELDS} } }`;
const PROGRESS = `mutation Progress($input: ComplaintNoteInput!) { reportComplaintProgress(input: $input) { ${FIELDS} } }`;
const DELAY = `mutation Delay($input: ComplaintReasonInput!) { explainComplaintDelay(input: $input) { ${FIELDS} } }`;
const RESOLVE = `mutation Resolve($input: ResolveComplaintInput!) { resolveComplaint(input: $input) { ${FIELDS} } }`;
const CLOSE = `mutation Close($input: CloseComplaintInput!) { closeComplaint(input: $input) { ${FIELDS} } }`;
const SATISFACTION = `mutation Satisfaction($input: ComplaintSatisfactionInput!) { recordComplaintSatisfaction(input: $input) { ${FIELDS} } }`;
const REOPEN = `mutation Reopen($input: ComplaintReasonInput!) { reopenComplaint(input: $input) { ${FIELDS} } }`;
const ESCALATE = `mutation Escalate($input: ComplaintReasonInput!) { escalateComplaint(input: $input) { ${FIELDS} } }`;
const CUSTOMER_PHONE = `query Phone($id: ID!) { customer(id: $id) { id phone } }`;

const REPORT = {
  cause: '系统扣费规则配置错误',
  course: '11月3日年费重复扣收，客户来电13812345678反映',
  responsibility: '卡中心运营组',
  conclusion: '投诉成立',
  countermeasures: '退还重复扣费并修正配置，增加扣费复核',
  resolution: '已退还重复扣收的年费200元',
};

describe('Complaint workflow', () => {
  let server: TestServer;
  let agent: string;
  let otherAgent: string;
  let manager: string;
  let secondManager: string;
  let customerId: string;

  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const as = (role: CallOptions['role'], sub: string, input: Record<string, unknown>): CallOptions => ({ role, sub, variables: { input } });
  const ok = <T = any,>(result: GqlResult<T>): any => {
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data as object)[0];
  };
  const errorOf = (result: GqlResult): Record<string, any> => {
    expect(result.body.errors?.length).toBeGreaterThan(0);
    return result.body.errors![0].extensions ?? {};
  };

  async function filed(extra: Record<string, unknown> = {}): Promise<any> {
    return ok(await server.gql(FILE, as('service', agent, { customerId, channel: 'HOTLINE', category: 'FEES', description: '年费扣了两次，我的电话13812345678', customerRequest: '退还多扣的年费', replyChannel: 'SMS', ...extra })));
  }
  async function investigating(): Promise<any> {
    const k = await filed();
    ok(await server.gql(ACK, as('service', agent, { complaintId: k.id, replyChannel: 'SMS' })));
    ok(await server.gql(ASSIGN, as('manager', manager, { complaintId: k.id, assigneeId: agent })));
    return ok(await server.gql(START, as('service', agent, { complaintId: k.id, measures: '核对扣费记录，联系卡中心', ownerId: agent, deadline: new Date(Date.now() + 3 * 86_400_000).toISOString() })));
  }

  beforeAll(async () => {
    server = await startTestServer();
    agent = await server.member('service', 'workflow-agent');
    otherAgent = await server.member('service', 'workflow-other-agent');
    manager = await server.member('manager', 'workflow-manager');
    secondManager = await server.member('manager', 'workflow-second-manager');
    [{ id: customerId }] = await sql<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' AND kind = 'INDIVIDUAL' AND phone_sealed IS NOT NULL ORDER BY archive_number LIMIT 1`);
  });

  afterAll(async () => {
    server.clock.set(null);
    await server?.stop();
  });

  afterEach(() => server.clock.set(null));

  it('takes a complaint from filing to closed and back (an unhappy answer reopens it), each step on the timeline and in the change history', async () => {
    const k = await filed();
    expect(k.status).toBe('RECEIVED');
    expect(k.number).toMatch(/^TS-\d{6}-\d{6}$/);
    expect(k.customerRequest).toBeNull(); // not assigned to the filer: removed, as every complaint text
    expect(new Date(k.interimDueAt).getTime() - new Date(k.receivedAt).getTime()).toBe(48 * 3_600_000);

    const acked = ok(await server.gql(ACK, as('service', agent, { complaintId: k.id, replyChannel: 'SMS' })));
    expect(acked.status).toBe('ACKNOWLEDGED');
    expect(acked.acknowledgedAt).not.toBeNull();

    const assigned = ok(await server.gql(ASSIGN, as('manager', manager, { complaintId: k.id, assigneeId: agent })));
    expect(assigned.status).toBe('ASSIGNED');

    const deadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const started = ok(await server.gql(START, as('service', agent, { complaintId: k.id, measures: '核对扣费记录，联系卡中心', ownerId: agent, deadline })));
    expect(started.status).toBe('INVESTIGATING');
    expect(started.handlingMeasures).toBe('核对扣费记录，联系卡中心');
    expect(started.handlingOwner.id).toBe(agent);
    expect(started.firstProgressAt).not.toBeNull();
    // The assigned agent reads the customer's request (numbers inside masked, as every complaint text).
    expect(started.customerRequest).toBe('退还多扣的年费');

    ok(await server.gql(PROGRESS, as('service', agent, { complaintId: k.id, note: '已联系卡中心核实' })));
    const resolved = ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    expect(resolved.status).toBe('RESOLVED');
    expect(resolved.investigationCourse).toBe('11月3日年费重复扣收，客户来电138****5678反映');
    expect(resolved.investigationConclusion).toBe('投诉成立');

    const closed = ok(await server.gql(CLOSE, as('manager', manager, { complaintId: k.id })));
    expect(closed.status).toBe('CLOSED');

    // An agent's unhappy survey is a follow-up for managers; a manager's reopens at once.
    const followUp = ok(await server.gql(SATISFACTION, as('service', otherAgent, { complaintId: k.id, score: 2, comment: '退款太慢' })));
    expect(followUp).toMatchObject({ status: 'CLOSED', satisfaction: 2, reopenCount: 0 });
    expect(followUp.escalatedAt).not.toBeNull();
    const worklist = ok(await server.gql(`{ complaintWorklist { id } }`, { role: 'manager', sub: manager }));
    expect(worklist.map((c: any) => c.id)).toContain(k.id);
    const unhappy = ok(await server.gql(SATISFACTION, as('manager', manager, { complaintId: k.id, score: 2, comment: '退款太慢' })));
    expect(unhappy.status).toBe('INVESTIGATING');
    expect(unhappy.satisfaction).toBe(2);
    expect(unhappy.reopenCount).toBe(1);

    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    ok(await server.gql(CLOSE, as('manager', manager, { complaintId: k.id })));
    const happy = ok(await server.gql(SATISFACTION, as('service', agent, { complaintId: k.id, score: 5, comment: '满意' })));
    expect(happy.status).toBe('CLOSED');
    expect(happy.satisfaction).toBe(5);

    expect(happy.timeline.filter((e: any) => e.kind === 'STATUS').map((e: any) => e.status)).toEqual([
      'RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING', 'RESOLVED', 'CLOSED', 'INVESTIGATING', 'RESOLVED', 'CLOSED',
    ]);
    expect(happy.timeline.map((e: any) => e.kind)).toEqual(expect.arrayContaining(['PROGRESS', 'SURVEY', 'ESCALATED', 'REOPENED']));

    const history = await sql<{ action: string; n: number }>(`SELECT action, count(*)::int AS n FROM audit_changes WHERE entity = 'Complaint' AND entity_id = $1 GROUP BY action`, [k.id]);
    // One CREATE, then one UPDATE per step: ack, assign, start, progress, resolve, close, survey (follow-up), survey (reopen), resolve, close, survey.
    expect(Object.fromEntries(history.map((h) => [h.action, h.n]))).toEqual({ CREATE: 1, UPDATE: 11 });
  });

  it('refuses a step from a state it is not taken from, naming both states, and writes nothing', async () => {
    const k = await filed();
    ok(await server.gql(ACK, as('service', agent, { complaintId: k.id, replyChannel: 'EMAIL' })));
    const before = await sql(`SELECT count(*)::int AS n FROM complaint_events WHERE complaint_id = $1`, [k.id]);
    const error = errorOf(await server.gql(CLOSE, as('manager', manager, { complaintId: k.id })));
    expect(error).toMatchObject({ code: 'STEP_NOT_ALLOWED', field: 'input.complaintId', step: 'close', status: 'ACKNOWLEDGED', allowedFrom: ['RESOLVED'] });
    const again = errorOf(await server.gql(ACK, as('service', agent, { complaintId: k.id, replyChannel: 'EMAIL' })));
    expect(again).toMatchObject({ code: 'STEP_NOT_ALLOWED', status: 'ACKNOWLEDGED', allowedFrom: ['RECEIVED'] });
    expect(await sql(`SELECT count(*)::int AS n FROM complaint_events WHERE complaint_id = $1`, [k.id])).toEqual(before);
  });

  it('lets a service agent work only complaints assigned to them, and never close, assign, reopen or escalate', async () => {
    const k = await investigating();
    const error = errorOf(await server.gql(RESOLVE, as('service', otherAgent, { complaintId: k.id, ...REPORT })));
    expect(error).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ASSIGNED_COMPLAINT' });
    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    for (const [mutation, input] of [[CLOSE, { complaintId: k.id }], [REOPEN, { complaintId: k.id, reason: 'x' }], [ESCALATE, { complaintId: k.id, reason: 'x' }]] as const) {
      expect(errorOf(await server.gql(mutation, as('service', agent, input))).code).toBe('FORBIDDEN');
    }
  });

  it('opens the customer\'s phone to the assigned agent while the complaint is worked, and closes it when resolved', async () => {
    const k = await investigating();
    const open = ok(await server.gql(CUSTOMER_PHONE, { role: 'service', sub: agent, variables: { id: customerId } }));
    expect(open.phone).toMatch(/^1\d{10}$/);
    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    // Other complaints of this customer assigned to the agent by earlier tests are resolved or closed too.
    await sql(`UPDATE complaints SET status = 'CLOSED', closed_at = now() WHERE customer_id = $1 AND assignee_id = $2 AND status NOT IN ('RESOLVED', 'CLOSED')`, [customerId, agent]);
    const shut = ok(await server.gql(CUSTOMER_PHONE, { role: 'service', sub: agent, variables: { id: customerId } }));
    expect(shut.phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
  });

  it('refuses every step but the explanation on a complaint past its due time until the delay is explained, and sends it', async () => {
    const k = await investigating();
    server.clock.set(new Date(new Date(k.dueAt).getTime() + 3_600_000));
    const error = errorOf(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    expect(error).toMatchObject({ code: 'DELAY_REASON_REQUIRED', field: 'input.complaintId' });
    const explained = ok(await server.gql(DELAY, as('service', agent, { complaintId: k.id, reason: '需第三方机构协查' })));
    expect(explained.delayReason).toBe('需第三方机构协查');
    expect(explained.timeline.map((e: any) => e.kind)).toContain('DELAY');
    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    ok(await server.gql(CLOSE, as('manager', manager, { complaintId: k.id })));
  });

  it('never lets an agent reopen their own complaint (and regain the customer\'s phone) with an unhappy survey', async () => {
    const k = await investigating();
    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    await sql(`UPDATE complaints SET status = 'CLOSED', closed_at = now() WHERE customer_id = $1 AND assignee_id = $2 AND status NOT IN ('RESOLVED', 'CLOSED')`, [customerId, agent]);
    const masked = ok(await server.gql(CUSTOMER_PHONE, { role: 'service', sub: agent, variables: { id: customerId } }));
    expect(masked.phone).toMatch(/\*{4}/);
    const survey = ok(await server.gql(SATISFACTION, as('service', agent, { complaintId: k.id, score: 1, comment: '不满意' })));
    expect(survey).toMatchObject({ status: 'RESOLVED', reopenCount: 0 });
    const still = ok(await server.gql(CUSTOMER_PHONE, { role: 'service', sub: agent, variables: { id: customerId } }));
    expect(still.phone).toBe(masked.phone);
    expect(errorOf(await server.gql(REOPEN, as('service', agent, { complaintId: k.id, reason: 'x' }))).code).toBe('FORBIDDEN');
  });

  it('lets a manager reopen and escalate', async () => {
    const k = await investigating();
    const escalated = ok(await server.gql(ESCALATE, as('manager', secondManager, { complaintId: k.id, reason: '客户再次来电' })));
    expect(escalated.escalatedAt).not.toBeNull();
    expect(escalated.status).toBe('INVESTIGATING');
    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    const reopened = ok(await server.gql(REOPEN, as('manager', manager, { complaintId: k.id, reason: '客户不接受处理结果' })));
    expect(reopened.status).toBe('INVESTIGATING');
    expect(reopened.reopenCount).toBe(1);
  });

  it('validates the survey score and the report', async () => {
    const k = await investigating();
    const error = errorOf(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT, cause: '  ' })));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.cause' });
    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    const score = errorOf(await server.gql(SATISFACTION, as('manager', manager, { complaintId: k.id, score: 6 })));
    expect(score).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.score' });
  });

  it('keeps the free texts sealed at rest: clear only as ciphertext, the stored masked forms without the numbers', async () => {
    const k = await investigating();
    ok(await server.gql(RESOLVE, as('service', agent, { complaintId: k.id, ...REPORT })));
    const [raw] = await sql(`SELECT * FROM complaints WHERE id = $1`, [k.id]);
    // The masked form served to masked readers is stored beside the ciphertext (as for the description): it holds no number.
    const plain = JSON.stringify(Object.fromEntries(Object.entries(raw).filter(([column]) => !column.endsWith('_masked'))));
    for (const text of ['退还多扣的年费', '核对扣费记录', REPORT.cause, REPORT.countermeasures, REPORT.resolution]) expect(plain).not.toContain(text);
    expect(JSON.stringify(raw)).not.toContain('13812345678');
    expect(raw.investigation_course_masked).toBe('11月3日年费重复扣收，客户来电138****5678反映');
    const [clear] = await server.clearRows('complaints', 't.id = $1', [k.id]);
    expect(clear).toMatchObject({ customer_request: '退还多扣的年费', investigation_cause: REPORT.cause, resolution: REPORT.resolution });
  });
});
