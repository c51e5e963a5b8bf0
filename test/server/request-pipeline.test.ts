/**
 * One request pipeline, in one order: allow-list → purpose → plan → budgets → execute. A request
 * refused at a step never reaches the later ones — in particular, a refusal spends nothing of the
 * caller's budgets (Apollo runs its plugins' didResolveOperation hooks concurrently, so with one
 * plugin per step a refused request was still counted, and could hold a reservation never given back).
 */
import { randomBytes } from 'node:crypto';
import { windows } from '../../src/budget/budget-plugin';
import { startTestServer, type TestServer } from '../harness/server';

const SET_ALLOW_LIST = `mutation ($partnerId: ID!, $on: Boolean!) { setPartnerAllowList(partnerId: $partnerId, allowListOnly: $on) { id allowListOnly } }`;
const NAMES = `query Names { customers(first: 2) { edges { node { id name } } } }`;

describe('The request pipeline: a refused request spends no budget', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  /** The key's use of this minute and day, read without spending (a zero reservation; the minute read counts itself, hence − 1). */
  async function spent(key: string): Promise<{ requests: number; clear: number; masked: number; probes: number }> {
    const { minute, day } = windows(Date.now());
    const requests = (await server.budgets.countRequest(key, minute)) - 1;
    const { day: usage } = await server.budgets.reserve(key, day, { clear: 0, masked: 0, probes: 0 }, { clear: 1e9, masked: 1e9, probes: 1e9 });
    return { requests, ...usage };
  }

  const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions;

  it('a partner served registered operations only: an unregistered document is refused before purpose, plan and budgets', async () => {
    const partner = `pipeline-${randomBytes(4).toString('hex')}`;
    const token = await server.token({ role: 'partner', partner, scopes: ['customers:read'] });
    const on = await server.gql<any>(SET_ALLOW_LIST, { role: 'admin', variables: { partnerId: partner, on: true } });
    expect(on.body.errors).toBeUndefined();
    const refused = await server.gql(NAMES, { token });
    expect(refused.status).toBe(403);
    expect(codeOf(refused.body)).toMatchObject({ code: 'FORBIDDEN', reason: 'OPERATION_NOT_REGISTERED' });
    expect(await spent(`partner:${partner}`)).toEqual({ requests: 0, clear: 0, masked: 0, probes: 0 });
  });

  it('a purpose the role may not declare is refused, and nothing is counted or reserved', async () => {
    const member = await server.member('manager', `pipeline-manager-${randomBytes(3).toString('hex')}`);
    const refused = await server.gql(NAMES, { role: 'manager', sub: member, purpose: 'statistics' });
    expect(codeOf(refused.body)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await spent(`staff:${member}`)).toEqual({ requests: 0, clear: 0, masked: 0, probes: 0 });
  });

  it('an operation the plan refuses (over the query limits) is refused, and nothing is counted or reserved', async () => {
    const member = await server.member('manager', `pipeline-manager-${randomBytes(3).toString('hex')}`);
    const deep = `{ customers(first: 100) { edges { node { name transactions(first: 100) { edges { node { customer { contacts(first: 100) { edges { node { name phone } } } } } } } } } } }`;
    const refused = await server.gql(deep, { role: 'manager', sub: member });
    expect(refused.body.errors?.length).toBeGreaterThan(0);
    expect(refused.body.data ?? null).toBeNull();
    expect(await spent(`staff:${member}`)).toEqual({ requests: 0, clear: 0, masked: 0, probes: 0 });
  });

  it('an admitted request is counted once and charged what it returned', async () => {
    const member = await server.member('manager', `pipeline-manager-${randomBytes(3).toString('hex')}`);
    const served = await server.gql<any>(NAMES, { role: 'manager', sub: member });
    expect(served.body.errors).toBeUndefined();
    expect(served.body.data.customers.edges).toHaveLength(2);
    expect(await spent(`staff:${member}`)).toEqual({ requests: 1, clear: 0, masked: 2, probes: 0 });
  });
});
