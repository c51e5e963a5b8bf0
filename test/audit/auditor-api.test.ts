import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Role } from '../../src/auth/principal';
import { appendToChain, selectList, STREAM_TABLES } from '../../src/audit/chain';
import { ANOMALY_RULE, flagAnomalies } from '../../src/audit/report';
import { maskPhone } from '../../permissions/masks';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * The auditor's API over the access register: only auditors may read it; "who looked at customer X"
 * answered with principal, purpose and decision; every filter narrows; reading the register is itself
 * registered; the daily report flags anomalies by an explainable rule; the CLI reports and exports.
 */

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const DAY_MS = 86_400_000;
/** The auditor's staff id (username auditor-ann), set in beforeAll. */
let AUDITOR = 'auditor-ann';

interface CustomerRow {
  id: string;
  name: string;
  id_number: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  bank_card_number: string | null;
}

interface RegisterRow {
  seq: string;
  occurredAt: Date;
  requestId: string;
  principalSub: string;
  principalRole: string;
  purpose: string | null;
  customersClear: string[];
  customersMasked: string[];
  clearValues: number;
  maskedValues: number;
  removedValues: number;
  outcome: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The calendar day (YYYY-MM-DD) of an instant in the report's time zone. */
function reportDay(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ANOMALY_RULE.timeZone }).format(at);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Midnight of a China-time day as an instant. */
const chinaMidnight = (day: string) => new Date(`${day}T00:00:00+08:00`);

/** Minimal RFC 4180 reader: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describe('Auditor API', () => {
  let server: TestServer;
  /** The sales rep with the most customers, and two of their individual customers with contact data. */
  let rep: string;
  let own: CustomerRow[];
  /** Customers of other reps. */
  let foreign: CustomerRow[];
  let manager: string;
  let serviceAgent: string;

  async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.db.pool.query(text, values)).rows as T[];
  }

  const auditor: TestServer['gql'] = (query, options = {}) => server.gql(query, { role: 'auditor', sub: AUDITOR, ...options });

  /** The whole register as the database holds it (read as superuser, not through the API). */
  async function registerSnapshot(): Promise<RegisterRow[]> {
    const rows = await sql<RegisterRow & { occurredAt: Date }>(
      `SELECT seq::text AS seq, occurred_at AS "occurredAt", request_id AS "requestId", principal_sub AS "principalSub",
              principal_role AS "principalRole", purpose, customers_clear::text[] AS "customersClear",
              customers_masked::text[] AS "customersMasked", clear_values AS "clearValues", masked_values AS "maskedValues",
              removed_values AS "removedValues", outcome
       FROM audit_access`,
    );
    return rows.sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime() || Number(BigInt(b.seq) - BigInt(a.seq)));
  }

  beforeAll(async () => {
    server = await startTestServer();
    rep = (await sql<{ id: string }>(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`))[0].id;
    // Ground truth through the test keys: the plaintext columns are NULL since sealing.
    const columns = ({ id, name, id_number, phone, email, address, bank_card_number }: Record<string, any>): CustomerRow => ({ id, name, id_number, phone, email, address, bank_card_number });
    own = (
      await server.clearRows(
        'customers',
        `t.kind = 'INDIVIDUAL' AND t.status = 'ACTIVE' AND t.relationship_manager_id = $1 AND t.phone_sealed IS NOT NULL AND t.email_sealed IS NOT NULL AND t.id_number_sealed IS NOT NULL`,
        [rep],
        'ORDER BY t.archive_number LIMIT 4',
      )
    ).map(columns);
    foreign = (
      await server.clearRows(
        'customers',
        `t.kind = 'INDIVIDUAL' AND t.relationship_manager_id <> $1 AND t.phone_sealed IS NOT NULL AND t.id_number_sealed IS NOT NULL`,
        [rep],
        'ORDER BY t.archive_number LIMIT 3',
      )
    ).map(columns);
    manager = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'manager' ORDER BY username LIMIT 1`))[0].id;
    serviceAgent = (await sql<{ id: string }>(`SELECT id FROM staff WHERE role = 'service' ORDER BY username LIMIT 1`))[0].id;
    AUDITOR = await server.member('auditor', 'auditor-ann');
    expect(own).toHaveLength(4);
    expect(foreign).toHaveLength(3);
    expect(manager).toBeDefined();
    expect(serviceAgent).toBeDefined();
  });

  afterAll(() => server?.stop());

  describe('only the auditor may read the register', () => {
    const operations: [string, string][] = [
      ['auditLog', `{ auditLog(first: 5) { totalCount edges { node { seq requestId principal { sub } } } } }`],
      ['customerAccessHistory', `query ($id: ID!) { customerAccessHistory(customerId: $id) { totalCount edges { node { principal { sub } decision } } } }`],
      ['changeHistory', `query ($id: ID!) { changeHistory(entity: CUSTOMER, id: $id) { edges { node { action changes { field old new } } } } }`],
      ['accessReport', `{ accessReport { day principalSub clearValues anomaly } }`],
    ];
    const roles: Exclude<Role, 'auditor'>[] = ['admin', 'manager', 'sales', 'service', 'analyst', 'partner'];
    const cases = roles.flatMap((role) => operations.map(([name, query]) => [role, name, query] as const));

    async function tokenOf(role: Exclude<Role, 'auditor'>): Promise<string> {
      if (role === 'partner') return server.token({ role, partner: 'acme', sub: 'acme-client' });
      const sub = role === 'sales' ? rep : role === 'manager' ? manager : role === 'service' ? serviceAgent : await server.member(role, `${role}-1`);
      return server.token({ role, sub });
    }

    it.each(cases)('%s calling %s gets FORBIDDEN, no data, before any SQL', async (role, name, query) => {
      const token = await tokenOf(role);
      const variables = query.includes('$id') ? { id: own[3].id } : undefined;
      const requestId = `refused-${role}-${name}-${randomUUID().slice(0, 8)}`;
      const http = await server.gql<any>(query, { token, variables, headers: { 'x-request-id': requestId } });
      expect(http.status).toBe(403);
      expect(http.body.data ?? null).toBeNull();
      expect(http.body.errors).toHaveLength(1);
      expect(http.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(http.body.errors![0].message).toContain(name);
      const { body, statements } = await server.execute<any>(query, { token, variables });
      expect(body.data ?? null).toBeNull();
      expect(body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect(statements).toBe(0);
      // The refusal is itself registered (nothing returned, but someone asked).
      const rows = await sql<{ principal_role: string; outcome: string; clear_values: number }>(`SELECT principal_role, outcome, clear_values FROM audit_access WHERE request_id = $1`, [requestId]);
      expect(rows).toEqual([{ principal_role: role, outcome: 'FORBIDDEN', clear_values: 0 }]);
    });

    it('the auditor may call each of them', async () => {
      for (const [, query] of operations) {
        const { status, body } = await auditor<any>(query, { variables: query.includes('$id') ? { id: own[3].id } : undefined });
        expect(body.errors).toBeUndefined();
        expect(status).toBe(200);
        expect(body.data).not.toBeNull();
      }
    });
  });

  describe('customerAccessHistory: who looked at customer X', () => {
    it('lists exactly the accesses to X, newest first, with principal, purpose and decision; pages by opaque cursors', async () => {
      const x = own[0];
      const y = foreign[0];
      const tag = randomUUID().slice(0, 8);
      const repRead = await server.gql<any>(`query RepReadsX($id: ID!) { customer(id: $id) { id name phone email idNumber } }`, {
        role: 'sales',
        sub: rep,
        variables: { id: x.id },
        headers: { 'x-request-id': `rep-x-${tag}` },
      });
      expect(repRead.body.errors).toBeUndefined();
      expect(repRead.body.data.customer.phone).toBe(x.phone); // own customer: clear
      await sleep(5);
      const otherRead = await server.gql<any>(`query ManagerReadsY($id: ID!) { customer(id: $id) { id name phone } }`, {
        role: 'manager',
        sub: manager,
        variables: { id: y.id },
        headers: { 'x-request-id': `mgr-y-${tag}` },
      });
      expect(otherRead.body.errors).toBeUndefined();
      await sleep(5);
      const managerRead = await server.gql<any>(`query ManagerReadsX($id: ID!) { customer(id: $id) { id name phone idNumber } }`, {
        role: 'manager',
        sub: manager,
        variables: { id: x.id },
        headers: { 'x-request-id': `mgr-x-${tag}` },
      });
      expect(managerRead.body.errors).toBeUndefined();
      expect(managerRead.body.data.customer.phone).toBe(maskPhone(x.phone!)); // masked

      const history = `query CustomerAccessHistory($customerId: ID!, $first: Int, $after: String) {
        customerAccessHistory(customerId: $customerId, first: $first, after: $after) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { seq occurredAt principal { sub role } purpose operationName requestId decision } }
        }
      }`;
      const { body } = await auditor<any>(history, { variables: { customerId: x.id, first: 10 } });
      expect(body.errors).toBeUndefined();
      const page = body.data.customerAccessHistory;
      expect(page.totalCount).toBe(2);
      expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
      expect(page.edges.map((e: any) => e.node)).toEqual([
        expect.objectContaining({
          principal: { sub: manager, role: 'MANAGER' },
          purpose: 'supervision',
          operationName: 'ManagerReadsX',
          requestId: `mgr-x-${tag}`,
          decision: 'MASK',
        }),
        expect.objectContaining({
          principal: { sub: rep, role: 'SALES' },
          purpose: 'relationship_management',
          operationName: 'RepReadsX',
          requestId: `rep-x-${tag}`,
          decision: 'CLEAR',
        }),
      ]);
      const [newer, older] = page.edges.map((e: any) => e.node);
      expect(new Date(newer.occurredAt).getTime()).toBeGreaterThanOrEqual(new Date(older.occurredAt).getTime());
      expect(JSON.stringify(page)).not.toContain(`mgr-y-${tag}`);

      // Y's history holds the manager's read of Y only.
      const ofY = await auditor<any>(history, { variables: { customerId: y.id } });
      expect(ofY.body.data.customerAccessHistory.totalCount).toBe(1);
      expect(ofY.body.data.customerAccessHistory.edges[0].node).toMatchObject({ requestId: `mgr-y-${tag}`, decision: 'MASK' });

      // Paging: one edge at a time.
      const first = await auditor<any>(history, { variables: { customerId: x.id, first: 1 } });
      const p1 = first.body.data.customerAccessHistory;
      expect(p1.totalCount).toBe(2);
      expect(p1.edges).toHaveLength(1);
      expect(p1.edges[0].node.requestId).toBe(`mgr-x-${tag}`);
      expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, endCursor: p1.edges[0].cursor });
      const second = await auditor<any>(history, { variables: { customerId: x.id, first: 1, after: p1.pageInfo.endCursor } });
      const p2 = second.body.data.customerAccessHistory;
      expect(second.body.errors).toBeUndefined();
      expect(p2.totalCount).toBe(2);
      expect(p2.edges.map((e: any) => e.node.requestId)).toEqual([`rep-x-${tag}`]);
      expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
      const third = await auditor<any>(history, { variables: { customerId: x.id, first: 1, after: p2.pageInfo.endCursor } });
      expect(third.body.data.customerAccessHistory.edges).toEqual([]);
      expect(third.body.data.customerAccessHistory.pageInfo.hasNextPage).toBe(false);

      // Cursors hold a position (time and sequence number), never an id or a value.
      for (const cursor of [p1.edges[0].cursor, p2.edges[0].cursor, ...page.edges.map((e: any) => e.cursor)]) {
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        const text = Buffer.from(cursor, 'base64url').toString('utf8');
        expect(text).toMatch(/^[a-z]+:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z:\d+$/);
        for (const secret of [x.id, y.id, rep, manager, x.name, x.phone, x.email, x.id_number, `rep-x-${tag}`, `mgr-x-${tag}`]) {
          expect(text).not.toContain(secret);
        }
      }
    });

    it('refuses a customerId that is not an id, before any SQL', async () => {
      const { body } = await auditor<any>(`{ customerAccessHistory(customerId: "13800138000") { totalCount } }`);
      expect(body.data ?? null).toBeNull();
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'customerId' });
      expect(JSON.stringify(body)).not.toContain('13800138000');
    });
  });

  describe('auditLog', () => {
    const LOG = `query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {
      auditLog(filter: $filter, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node {
          seq occurredAt requestId principal { sub role tokenId partnerId } purpose operationType operationName documentHash
          fields { path field decision strategy reason count }
          customersClear customersMasked clearValues maskedValues removedValues outcome errorCodes durationMs hash prevHash
        } }
      }
    }`;

    /** Request ids of the traffic this block drives. */
    const ids = { repA: '', mgrA: '', analyst: '', refused: '', svcB: '' };
    let a: CustomerRow;
    let b: CustomerRow;
    let tMid: Date;
    let tEnd: Date;

    beforeAll(async () => {
      a = own[1];
      b = foreign[1];
      const tag = randomUUID().slice(0, 8);
      for (const key of Object.keys(ids) as (keyof typeof ids)[]) ids[key] = `flt-${key}-${tag}`;
      const call = async (id: string, query: string, options: Parameters<TestServer['gql']>[1]) => {
        const response = await server.gql<any>(query, { ...options, headers: { 'x-request-id': id, ...options?.headers } });
        await sleep(5);
        return response;
      };
      const repA = await call(ids.repA, `query RepReadsA($id: ID!) { customer(id: $id) { name phone email idNumber } }`, { role: 'sales', sub: rep, variables: { id: a.id } });
      expect(repA.body.errors).toBeUndefined();
      tMid = new Date();
      await sleep(5);
      const mgrA = await call(ids.mgrA, `query ManagerReadsA($id: ID!) { customer(id: $id) { name phone } }`, { role: 'manager', sub: manager, variables: { id: a.id } });
      expect(mgrA.body.errors).toBeUndefined();
      const analyst = await call(ids.analyst, `query Analyst { customers(first: 3, filter: { kind: CORPORATE }) { edges { node { idNumber phone creditRating } } } }`, { role: 'analyst', sub: await server.member('analyst', 'analyst-1') });
      expect(analyst.body.errors).toBeUndefined();
      const refused = await call(ids.refused, `query RefusedPurpose($id: ID!) { customer(id: $id) { phone } }`, {
        role: 'sales',
        sub: rep,
        variables: { id: a.id },
        headers: { 'x-purpose': 'statistics' },
      });
      expect(refused.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      const svcB = await call(ids.svcB, `query ServiceReadsB($id: ID!) { customer(id: $id) { name phone } }`, { role: 'service', sub: serviceAgent, variables: { id: b.id } });
      expect(svcB.body.errors).toBeUndefined();
      tEnd = new Date();
      await sleep(5);
    });

    interface Case {
      name: string;
      filter: () => Record<string, unknown>;
      matches: (row: RegisterRow) => boolean;
      includes: (keyof typeof ids)[];
      excludes: (keyof typeof ids)[];
      check: (node: any) => void;
    }

    const cases: Case[] = [
      {
        name: 'principal',
        filter: () => ({ principal: rep }),
        matches: (r) => r.principalSub === rep,
        includes: ['repA', 'refused'],
        excludes: ['mgrA', 'analyst', 'svcB'],
        check: (n) => expect(n.principal.sub).toBe(rep),
      },
      {
        name: 'role',
        filter: () => ({ role: 'MANAGER' }),
        matches: (r) => r.principalRole === 'manager',
        includes: ['mgrA'],
        excludes: ['repA', 'refused', 'analyst', 'svcB'],
        check: (n) => expect(n.principal.role).toBe('MANAGER'),
      },
      {
        name: 'customerId',
        filter: () => ({ customerId: a.id }),
        matches: (r) => r.customersClear.includes(a.id) || r.customersMasked.includes(a.id),
        includes: ['repA', 'mgrA'],
        excludes: ['svcB', 'refused', 'analyst'],
        check: (n) => expect([...n.customersClear, ...n.customersMasked]).toContain(a.id),
      },
      {
        name: 'from/to',
        filter: () => ({ from: tMid.toISOString(), to: tEnd.toISOString() }),
        matches: (r) => r.occurredAt >= tMid && r.occurredAt < tEnd,
        includes: ['mgrA', 'analyst', 'refused', 'svcB'],
        excludes: ['repA'],
        check: (n) => {
          expect(new Date(n.occurredAt).getTime()).toBeGreaterThanOrEqual(tMid.getTime());
          expect(new Date(n.occurredAt).getTime()).toBeLessThan(tEnd.getTime());
        },
      },
      {
        name: 'decision CLEAR',
        filter: () => ({ decision: 'CLEAR' }),
        matches: (r) => r.clearValues > 0,
        includes: ['repA'],
        excludes: ['mgrA', 'refused'],
        check: (n) => {
          expect(n.clearValues).toBeGreaterThan(0);
          expect(n.fields.some((f: any) => f.decision === 'CLEAR')).toBe(true);
        },
      },
      {
        name: 'decision REMOVE',
        filter: () => ({ decision: 'REMOVE' }),
        matches: (r) => r.removedValues > 0,
        includes: ['analyst'],
        excludes: ['repA', 'mgrA', 'refused'],
        check: (n) => expect(n.removedValues).toBeGreaterThan(0),
      },
      {
        name: 'purpose',
        filter: () => ({ purpose: 'supervision' }),
        matches: (r) => r.purpose === 'supervision',
        includes: ['mgrA'],
        excludes: ['repA', 'analyst', 'svcB', 'refused'],
        check: (n) => expect(n.purpose).toBe('supervision'),
      },
      {
        name: 'outcome',
        filter: () => ({ outcome: 'FORBIDDEN' }),
        matches: (r) => r.outcome === 'FORBIDDEN',
        includes: ['refused'],
        excludes: ['repA', 'mgrA', 'analyst', 'svcB'],
        check: (n) => {
          expect(n.outcome).toBe('FORBIDDEN');
          expect(n.errorCodes).toContain('FORBIDDEN');
        },
      },
      {
        name: 'several conditions together',
        filter: () => ({ principal: rep, customerId: a.id, decision: 'CLEAR', from: new Date(tMid.getTime() - 60_000).toISOString() }),
        matches: (r) => r.principalSub === rep && (r.customersClear.includes(a.id) || r.customersMasked.includes(a.id)) && r.clearValues > 0 && r.occurredAt >= new Date(tMid.getTime() - 60_000),
        includes: ['repA'],
        excludes: ['mgrA', 'refused', 'analyst', 'svcB'],
        check: (n) => expect(n.principal.sub).toBe(rep),
      },
    ];

    it.each(cases.map((c) => [c.name, c] as const))('filter %s narrows to exactly the matching records, totalCount included', async (_name, c) => {
      const expected = (await registerSnapshot()).filter(c.matches);
      const { body } = await auditor<any>(LOG, { variables: { filter: c.filter(), first: 100 } });
      expect(body.errors).toBeUndefined();
      const log = body.data.auditLog;
      expect(log.totalCount).toBe(expected.length);
      expect(log.edges.map((e: any) => e.node.seq)).toEqual(expected.slice(0, 100).map((r) => r.seq));
      expect(log.pageInfo.hasNextPage).toBe(expected.length > 100);
      const requestIds = log.edges.map((e: any) => e.node.requestId);
      for (const key of c.includes) expect(requestIds).toContain(ids[key]);
      for (const key of c.excludes) expect(requestIds).not.toContain(ids[key]);
      for (const { node } of log.edges) c.check(node);
    });

    it('describes each record: principal, purpose, paths with decisions, ids, counts, hashes', async () => {
      const { body } = await auditor<any>(LOG, { variables: { filter: { principal: rep, from: new Date(tMid.getTime() - 60_000).toISOString(), to: tMid.toISOString() }, first: 100 } });
      const node = body.data.auditLog.edges.map((e: any) => e.node).find((n: any) => n.requestId === ids.repA);
      expect(node).toMatchObject({
        principal: { sub: rep, role: 'SALES' },
        purpose: 'relationship_management',
        operationType: 'query',
        operationName: 'RepReadsA',
        outcome: 'OK',
        errorCodes: [],
        customersClear: [a.id],
        customersMasked: [a.id],
        clearValues: 3,
        maskedValues: 1,
        removedValues: 0,
      });
      expect(node.principal.tokenId).toEqual(expect.any(String));
      expect(node.documentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(node.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(node.prevHash).toMatch(/^[0-9a-f]{64}$/);
      expect(node.fields).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'customer.phone', field: 'Customer.phone', decision: 'CLEAR', count: 1 }),
          expect.objectContaining({ path: 'customer.idNumber', field: 'Customer.idNumber', decision: 'MASK', strategy: 'idNumber', count: 1 }),
        ]),
      );
      const text = JSON.stringify(node);
      for (const value of [a.name, a.phone, a.email, a.id_number]) expect(text).not.toContain(value);
    });

    it('pages with first/after without repeating or skipping a record', async () => {
      const filter = { principal: rep };
      const all = await auditor<any>(LOG, { variables: { filter, first: 100 } });
      const seqs = all.body.data.auditLog.edges.map((e: any) => e.node.seq);
      expect(seqs.length).toBeGreaterThanOrEqual(3);
      const paged: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < seqs.length + 1; i++) {
        const page: any = await auditor<any>(LOG, { variables: { filter, first: 2, after } });
        const connection = page.body.data.auditLog;
        paged.push(...connection.edges.map((e: any) => e.node.seq));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(paged).toEqual(seqs);
      const text = Buffer.from(after!, 'base64url').toString('utf8');
      expect(text).toMatch(/^[a-z]+:\d{4}-\d{2}-\d{2}T[\d:.]+Z:\d+$/);
      expect(text).not.toContain(rep);
    });

    it.each([
      ['garbage', 'not-a-cursor'],
      ['base64 of something else', Buffer.from('access:yesterday:1', 'utf8').toString('base64url')],
      ['a cursor of customerAccessHistory', Buffer.from('customer:2026-11-01T00:00:00.000Z:1', 'utf8').toString('base64url')],
    ])('refuses a bad cursor (%s) with BAD_USER_INPUT naming after', async (_kind, cursor) => {
      const { body } = await auditor<any>(LOG, { variables: { first: 5, after: cursor } });
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    });

    it('refuses a customerId filter that is not an id with BAD_USER_INPUT', async () => {
      const { body } = await auditor<any>(LOG, { variables: { filter: { customerId: "x' OR 1=1 --" } } });
      expect(body.data ?? null).toBeNull();
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(String(body.errors![0].extensions!.field)).toMatch(/customerId/);
    });
  });

  it("registers the auditor's own reads of the register", async () => {
    const requestId = `auditor-self-${randomUUID().slice(0, 8)}`;
    const read = await auditor<any>(`query AuditorLooksAround { auditLog(first: 3) { totalCount edges { node { seq } } } }`, { headers: { 'x-request-id': requestId } });
    expect(read.body.errors).toBeUndefined();
    const later = await auditor<any>(
      `query ($p: String!) { auditLog(first: 100, filter: { principal: $p }) { totalCount edges { node { requestId operationName operationType principal { sub role } purpose outcome documentHash } } } }`,
      { variables: { p: AUDITOR } },
    );
    expect(later.body.errors).toBeUndefined();
    const nodes = later.body.data.auditLog.edges.map((e: any) => e.node);
    expect(nodes).toContainEqual(
      expect.objectContaining({
        requestId,
        operationName: 'AuditorLooksAround',
        operationType: 'query',
        principal: { sub: AUDITOR, role: 'AUDITOR' },
        purpose: 'audit',
        outcome: 'OK',
      }),
    );
    expect(nodes.every((n: any) => n.principal.role === 'AUDITOR')).toBe(true);
    // The register row itself (not only the API's view of it).
    const [row] = await sql<{ principal_role: string; operation_name: string }>(`SELECT principal_role, operation_name FROM audit_access WHERE request_id = $1`, [requestId]);
    expect(row).toEqual({ principal_role: 'auditor', operation_name: 'AuditorLooksAround' });
  });

  describe('changeHistory', () => {
    let c: CustomerRow;
    let phone: string;
    const requestId = `rep-changes-phone-${randomUUID().slice(0, 8)}`;
    let node: any;
    let text: string;

    beforeAll(async () => {
      c = own[2];
      phone = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
      const update = await server.gql<any>(`mutation RepChangesPhone($id: ID!, $phone: String!) { updateCustomer(id: $id, input: { phone: $phone }) { phone } }`, {
        role: 'sales',
        sub: rep,
        variables: { id: c.id, phone },
        headers: { 'x-request-id': requestId },
      });
      expect(update.body.errors).toBeUndefined();
      const { body } = await auditor<any>(
        `query ($id: ID!) { changeHistory(entity: CUSTOMER, id: $id, first: 10) { totalCount edges { node { entity entityId customerId action requestId operationName principal { sub role } changes { field sensitive old new oldHash newHash } hash } } } }`,
        { variables: { id: c.id } },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.changeHistory.totalCount).toBe(1);
      node = body.data.changeHistory.edges[0].node;
      text = JSON.stringify(body);
    });

    it('shows who changed which field, sensitive values masked and as keyed hashes, never clear', () => {
      expect(node).toMatchObject({
        entity: 'CUSTOMER',
        entityId: c.id,
        customerId: c.id,
        action: 'UPDATE',
        requestId,
        principal: { sub: rep, role: 'SALES' },
        changes: [{ field: 'phone', sensitive: true, old: maskPhone(c.phone!), new: maskPhone(phone), oldHash: expect.stringMatching(/^[0-9a-f]{64}$/), newHash: expect.stringMatching(/^[0-9a-f]{64}$/) }],
      });
      expect(node.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(text).not.toContain(phone);
      expect(text).not.toContain(c.phone);
    });

    it('names the operation that made the change (as the access record of the same request does)', async () => {
      const [access] = await sql<{ operation_name: string | null }>(`SELECT operation_name FROM audit_access WHERE request_id = $1`, [requestId]);
      expect(access.operation_name).toBe('RepChangesPhone');
      const [change] = await sql<{ operation_name: string | null }>(`SELECT operation_name FROM audit_changes WHERE request_id = $1`, [requestId]);
      expect(change.operation_name).toBe('RepChangesPhone');
      expect(node.operationName).toBe('RepChangesPhone');
    });
  });

  describe('accessReport and the CLI', () => {
    /** The reported day: three days ago in China time, so that live traffic (today) stays out of it. */
    let day: string;
    let from: Date;
    let to: Date;
    const HIST = { spike: 'hist-sales-1', newcomer: 'hist-sales-2', steady: 'hist-sales-3', nightOwl: 'hist-service-1' };
    const plantedRequestIds: string[] = [];

    /** A synthetic access record with every column of the access stream. */
    function planted(at: Date, sub: string, clear: number, index = 0, role = 'sales'): Record<string, unknown> & { occurredAt: Date } {
      const requestId = `planted-${sub}-${at.toISOString().slice(0, 10)}-${index}`;
      plantedRequestIds.push(requestId);
      return {
        occurredAt: at,
        requestId,
        principalSub: sub,
        principalRole: role,
        tokenId: randomUUID(),
        partnerId: null,
        operationName: 'PlantedHistory',
        purpose: 'relationship_management',
        clientAddress: '127.0.0.1',
        operationType: 'query',
        documentHash: 'ab'.repeat(32),
        fields: [{ path: 'customers.edges.node.phone', field: 'Customer.phone', decision: 'CLEAR', strategy: null, reason: 'OWN_CUSTOMER', count: clear }],
        customersClear: Array.from({ length: Math.min(clear, 3) }, () => randomUUID()).sort(),
        customersMasked: [],
        clearValues: clear,
        maskedValues: 0,
        removedValues: 0,
        outcome: 'OK',
        errorCodes: [],
        durationUs: '1500',
      };
    }

    /** Partitions exist for the current month and two ahead; planted history may reach into the past month. */
    async function ensurePartition(at: Date): Promise<void> {
      const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
      const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
      const name = `audit_access_${start.toISOString().slice(0, 7).replace('-', '_')}`;
      const [{ present }] = await sql<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]);
      if (!present) await sql(`CREATE TABLE ${name} PARTITION OF audit_access FOR VALUES FROM ('${start.toISOString()}') TO ('${end.toISOString()}')`);
    }

    beforeAll(async () => {
      day = reportDay(new Date(Date.now() - 3 * DAY_MS));
      from = chinaMidnight(day);
      to = chinaMidnight(addDays(day, 1));
      const noon = (d: string, minute = 0) => new Date(`${d}T12:${String(minute).padStart(2, '0')}:00+08:00`);
      const records = [
        // 6 earlier days around 5 clear values (median 5), then 100 in two requests.
        ...[4, 5, 5, 6, 5, 5].map((n, i) => planted(noon(addDays(day, i - 6)), HIST.spike, n)),
        planted(noon(day, 1), HIST.spike, 60, 0),
        planted(noon(day, 2), HIST.spike, 40, 1),
        // 5 earlier days of 5, then 25: below 3 × max(5, 10).
        ...[5, 5, 5, 5, 5].map((n, i) => planted(noon(addDays(day, i - 5)), HIST.steady, n)),
        planted(noon(day, 3), HIST.steady, 25),
        // No history of its own: compared with the median sales principal-day (5, over 11 days).
        planted(noon(day, 4), HIST.newcomer, 40),
        // Days are China days: 00:10 and 23:30 China time (16:10 and 15:30 UTC, the UTC day before and
        // the same UTC day) both belong to the reported day; one minute before its midnight belongs to
        // the day before, ten minutes after the next midnight to the day after (outside the range).
        planted(new Date(`${day}T00:10:00+08:00`), HIST.nightOwl, 3, 0, 'service'),
        planted(new Date(`${day}T23:30:00+08:00`), HIST.nightOwl, 7, 1, 'service'),
        planted(new Date(from.getTime() - 60_000), HIST.nightOwl, 50, 2, 'service'),
        planted(new Date(to.getTime() + 10 * 60_000), HIST.nightOwl, 70, 3, 'service'),
      ];
      const properties = Object.values(STREAM_TABLES.access.columns).map((c) => c.property).filter((p) => p !== 'seq' && p !== 'prevHash');
      for (const record of records) expect(Object.keys(record).sort()).toEqual([...properties].sort());
      for (const record of records) await ensurePartition(record.occurredAt);
      const client = await server.db.pool.connect();
      try {
        await client.query('BEGIN');
        await appendToChain({ rows: async (text, values) => (await client.query(text, values)).rows }, 'access', records as never);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    });

    const REPORT = `query AccessReport($from: DateTimeISO, $to: DateTimeISO) {
      accessReport(from: $from, to: $to) { day principalSub principalRole requests refused clearValues maskedValues customersClear baseline { kind value days } anomaly reason }
    }`;

    it('flags a spike against the own median, a newcomer against the role median, and leaves a normal day alone', async () => {
      const { body } = await auditor<any>(REPORT, { variables: { from: from.toISOString(), to: to.toISOString() } });
      expect(body.errors).toBeUndefined();
      const rows: any[] = body.data.accessReport;
      expect(rows.map((r) => r.principalSub).sort()).toEqual(Object.values(HIST).sort());
      expect(rows.every((r) => r.day === day)).toBe(true);
      const bySub = new Map(rows.map((r) => [r.principalSub, r]));

      const spike = bySub.get(HIST.spike);
      expect(spike).toMatchObject({
        principalRole: 'sales',
        requests: 2,
        refused: 0,
        clearValues: 100,
        maskedValues: 0,
        customersClear: 6,
        baseline: { kind: 'OWN_MEDIAN', value: 5, days: 6 },
        anomaly: true,
      });
      expect(spike.reason).toContain('100 clear values');
      expect(spike.reason).toContain(`${ANOMALY_RULE.factor}×`);
      expect(spike.reason).toMatch(/own median \(5 over 6 days, floored at 10\)/);

      const newcomer = bySub.get(HIST.newcomer);
      expect(newcomer).toMatchObject({ requests: 1, clearValues: 40, baseline: { kind: 'ROLE_MEDIAN', value: 5, days: 11 }, anomaly: true });
      expect(newcomer.reason).toContain('40 clear values');
      expect(newcomer.reason).toContain('median sales day');
      expect(newcomer.reason).toContain('5 over 11 days');

      const steady = bySub.get(HIST.steady);
      expect(steady).toMatchObject({ requests: 1, clearValues: 25, baseline: { kind: 'OWN_MEDIAN', value: 5, days: 5 }, anomaly: false, reason: null });

      const nightOwl = bySub.get(HIST.nightOwl);
      expect(nightOwl).toMatchObject({ principalRole: 'service', requests: 2, clearValues: 10, customersClear: 6, baseline: null, anomaly: false, reason: null });
    });

    it('refuses a range that is empty or longer than 92 days', async () => {
      const backwards = await auditor<any>(REPORT, { variables: { from: to.toISOString(), to: from.toISOString() } });
      expect(backwards.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
      const long = await auditor<any>(REPORT, { variables: { from: new Date(to.getTime() - 93 * DAY_MS).toISOString(), to: to.toISOString() } });
      expect(long.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    });

    const npm = (args: string[]) =>
      run('npm', ['run', '--silent', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: server.db.url, TS_NODE_PROJECT: 'tsconfig.build.json', LOG_LEVEL: 'warn' },
        maxBuffer: 64 * 1024 * 1024,
      });

    it('npm run audit:report prints one JSON line per principal-day, the planted anomaly included', async () => {
      const { stdout } = await npm(['audit:report', '--', '--from', from.toISOString(), '--to', to.toISOString()]);
      const lines = stdout.split('\n').filter((l) => l.trim() !== '');
      const rows = lines.map((l) => JSON.parse(l));
      expect(rows).toHaveLength(Object.keys(HIST).length);
      expect(rows.find((r) => r.principalSub === HIST.spike)).toMatchObject({ day, clearValues: 100, anomaly: true, baseline: { kind: 'OWN_MEDIAN', value: 5, days: 6 } });
      expect(rows.find((r) => r.principalSub === HIST.spike).reason).toContain('100 clear values');
      // The same rows as the API's.
      const { body } = await auditor<any>(REPORT, { variables: { from: from.toISOString(), to: to.toISOString() } });
      const key = (r: any) => r.principalSub;
      expect([...rows].sort((x, y) => key(x).localeCompare(key(y)))).toEqual([...body.data.accessReport].sort((x: any, y: any) => key(x).localeCompare(key(y))));
    }, 120_000);

    describe('npm run audit:export', () => {
      let exportFrom: Date;
      let exportTo: Date;
      let expectedCount: number;
      const columns = () => [...Object.values(STREAM_TABLES.access.columns).map((c) => c.property), 'hash'];

      beforeAll(async () => {
        exportFrom = chinaMidnight(addDays(day, -10));
        exportTo = new Date(Date.now() + 60_000);
        // Everything this file drove has been committed before its response was released.
        await server.audit.writer.idle();
        const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_access WHERE occurred_at >= $1 AND occurred_at < $2`, [exportFrom, exportTo]);
        expectedCount = n;
        expect(expectedCount).toBeGreaterThan(plantedRequestIds.length);
      });

      it('--format ndjson prints one JSON object per record of the range, hashes in hex, chained', async () => {
        const { stdout } = await npm(['audit:export', '--', '--from', exportFrom.toISOString(), '--to', exportTo.toISOString(), '--format', 'ndjson']);
        const lines = stdout.split('\n').filter((l) => l !== '');
        expect(lines).toHaveLength(expectedCount);
        const records = lines.map((l) => JSON.parse(l));
        for (const record of records) {
          expect(Object.keys(record).sort()).toEqual(columns().sort());
          expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
          expect(record.prevHash).toMatch(/^[0-9a-f]{64}$/);
          expect(new Date(record.occurredAt).getTime()).toBeGreaterThanOrEqual(exportFrom.getTime());
          expect(new Date(record.occurredAt).getTime()).toBeLessThan(exportTo.getTime());
        }
        expect(new Set(records.map((r) => r.seq)).size).toBe(records.length);
        const requestIds = new Set(records.map((r) => r.requestId));
        for (const id of plantedRequestIds) expect(requestIds.has(id)).toBe(true);
        // Each record names its predecessor's hash.
        const bySeq = new Map(records.map((r) => [BigInt(r.seq), r]));
        let links = 0;
        for (const [seq, record] of bySeq) {
          const previous = bySeq.get(seq - 1n);
          if (previous) {
            expect(record.prevHash).toBe(previous.hash);
            links++;
          }
        }
        expect(links).toBeGreaterThan(0);
        // Ordered by time, then sequence.
        const order = records.map((r) => [new Date(r.occurredAt).getTime(), BigInt(r.seq)] as const);
        for (let i = 1; i < order.length; i++) {
          expect(order[i][0] > order[i - 1][0] || (order[i][0] === order[i - 1][0] && order[i][1] > order[i - 1][1])).toBe(true);
        }
      }, 120_000);

      it('--format csv prints a header with seq and hash, then one line per record', async () => {
        const { stdout } = await npm(['audit:export', '--', '--from', exportFrom.toISOString(), '--to', exportTo.toISOString(), '--format', 'csv']);
        const rows = parseCsv(stdout).filter((r) => !(r.length === 1 && r[0] === ''));
        const [header, ...body] = rows;
        expect(header).toEqual(columns());
        expect(header).toContain('seq');
        expect(header).toContain('hash');
        expect(body).toHaveLength(expectedCount);
        const hashAt = header.indexOf('hash');
        const seqAt = header.indexOf('seq');
        for (const row of body) {
          expect(row).toHaveLength(header.length);
          expect(row[hashAt]).toMatch(/^[0-9a-f]{64}$/);
          expect(row[seqAt]).toMatch(/^\d+$/);
        }
        expect(new Set(body.map((r) => r[seqAt])).size).toBe(expectedCount);
      }, 120_000);

      it('--out writes the export to a file', async () => {
        const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'cr-export-')), 'access.ndjson');
        const { stdout } = await npm(['audit:export', '--', '--from', exportFrom.toISOString(), '--to', exportTo.toISOString(), '--out', file]);
        expect(stdout.trim()).toBe('');
        const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
        expect(lines).toHaveLength(expectedCount);
        const selected = selectList('access').split(', ').length;
        expect(Object.keys(JSON.parse(lines[0]))).toHaveLength(selected);
      }, 120_000);
    });
  });

  describe('flagAnomalies (the rule alone)', () => {
    const TODAY = '2026-11-20';
    const row = (day: string, clearValues: number, principalSub = 'p1', principalRole = 'sales') => ({
      day,
      principalSub,
      principalRole,
      requests: 1,
      refused: 0,
      clearValues,
      maskedValues: 0,
      customersClear: 0,
    });
    const history = (values: number[], sub = 'p1', role = 'sales') => values.map((v, i) => row(addDays(TODAY, i - values.length), v, sub, role));

    it('floors the median at minBaseline: after days of zero, 31 clear values are an anomaly and 30 are not', () => {
      expect(ANOMALY_RULE).toMatchObject({ factor: 3, minBaseline: 10, minHistory: 5, lookbackDays: 30 });
      const [at31] = flagAnomalies([...history([0, 0, 0, 0, 0]), row(TODAY, 31)], TODAY);
      expect(at31).toMatchObject({ day: TODAY, anomaly: true, baseline: { kind: 'OWN_MEDIAN', value: 0, days: 5 } });
      expect(at31.reason).toContain('31 clear values');
      expect(at31.reason).toContain('floored at 10');
      const [at30] = flagAnomalies([...history([0, 0, 0, 0, 0]), row(TODAY, 30)], TODAY);
      expect(at30).toMatchObject({ anomaly: false, reason: null, baseline: { kind: 'OWN_MEDIAN', value: 0, days: 5 } });
    });

    it('above the floor, the line is exactly factor × median (even count: mean of the middle two)', () => {
      const past = history([30, 20, 28, 22, 26, 24]); // median 25
      expect(flagAnomalies([...past, row(TODAY, 76)], TODAY)[0]).toMatchObject({ anomaly: true, baseline: { kind: 'OWN_MEDIAN', value: 25, days: 6 } });
      expect(flagAnomalies([...past, row(TODAY, 75)], TODAY)[0]).toMatchObject({ anomaly: false });
    });

    it('with fewer than minHistory days and no role history there is no baseline, so nothing is ever flagged', () => {
      const [result] = flagAnomalies([...history([1, 1, 1, 1]), row(TODAY, 100_000)], TODAY);
      expect(result).toMatchObject({ baseline: null, anomaly: false, reason: null });
    });

    it('without own history it compares with the median principal-day of the role (other roles do not count)', () => {
      const rows = [
        ...history([2, 2, 2, 2, 2, 2], 'old-hand', 'sales'),
        ...history([900, 900, 900, 900, 900], 'analyst-1', 'analyst'),
        row(TODAY, 31, 'new-rep', 'sales'),
        row(TODAY, 29, 'new-rep-2', 'sales'),
      ];
      const result = flagAnomalies(rows, TODAY);
      expect(result.map((r) => r.principalSub)).toEqual(['new-rep', 'new-rep-2']);
      expect(result[0]).toMatchObject({ baseline: { kind: 'ROLE_MEDIAN', value: 2, days: 6 }, anomaly: true });
      expect(result[0].reason).toContain('median sales day');
      expect(result[1]).toMatchObject({ baseline: { kind: 'ROLE_MEDIAN', value: 2, days: 6 }, anomaly: false, reason: null });
    });

    it('looks back 30 days only, and reports only days from fromDay on', () => {
      const old = [31, 32, 33, 34, 35].map((back) => row(addDays(TODAY, -back), 1));
      const result = flagAnomalies([...old, row(addDays(TODAY, -1), 1), row(TODAY, 500)], TODAY);
      expect(result).toHaveLength(1);
      expect(result[0]).toMatchObject({ day: TODAY, baseline: null, anomaly: false });
    });
  });
});
