/**
 * The benchmark's scenarios (issue 7): what each asks, as whom, how a right answer looks, and the
 * equivalent PostGraphile query and plain SQL for the side-by-side rows.
 *
 * Requests go round-robin over many principals of the role: budgets are per principal per
 * minute and per day (permissions/roles), so one token hammered for minutes would be refused —
 * as it should be — and the figure would measure refusals.
 */
import type { Pool, PoolClient } from 'pg';
import { issueDevToken } from '../src/auth/token-issuer';
import type { AppConfig } from '../src/config';
import type { Role } from '../src/auth/principal';
import { ROLE_POLICIES } from '../permissions/policy';
import { loadStaff } from './harness';
import { S2_STATEMENT, S3_STATEMENT } from './limit';

/** One request: the bearer token and the JSON body. */
export interface Shot {
  token: string;
  body: string;
}

export interface Prepared {
  shots: Shot[];
  /**
   * A parsed response body is right (a fast wrong answer does not count); `policy` false for the
   * server with the policy switched off, whose answers are clear.
   */
  check(response: any, policy: boolean): boolean;
}

export interface Floor {
  statements: number;
  run(client: PoolClient, i: number): Promise<void>;
}

/** The limit: one hand-written statement that builds the response's `data` as JSON (bench/limit.ts). */
export interface Limit {
  statement: string;
  /** The parsed `data` is right. */
  check(data: any): boolean;
}

export interface Scenario {
  id: string;
  title: string;
  role: Role;
  prepare(db: Pool, config: AppConfig, nonce: string): Promise<Prepared>;
  /** The same data from PostGraphile v5 (Amber preset naming). */
  peer?(db: Pool): Promise<Prepared>;
  /** The same rows straight through pg: the database's own limit for this request. */
  floor?(db: Pool): Promise<Floor>;
  /** The whole response built by PostgreSQL: what the read compiler is measured against. */
  limit?: Limit;
}

const S1_FIELDS = 'archiveNumber name idNumber phone email address birthDate annualIncome bankCardNumber tier status';
export const S2_QUERY = `query S2 { customers(first: 100) { edges { node { id name phone
  contacts(first: 5) { edges { node { name phone } } }
  transactions(first: 10) { edges { node { id amount occurredAt channel } } } } } } }`;
const S3_FIELDS = 'id occurredAt amount currency direction channel product description accountNumber counterpartyName counterpartyAccount status';
export const S3_QUERY = `query S3 { transactions(first: 1000) { edges { node { ${S3_FIELDS} } } } }`;

const PEER_S1 = `query S1($id: UUID!) { customerByRowId(rowId: $id) { rowId ${S1_FIELDS} } }`;
const PEER_S2 = `query S2 { allCustomers(first: 100, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { edges { node { rowId name phone
  contactsByCustomerId(first: 5, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { edges { node { name phone } } }
  transactionsByCustomerId(first: 10, orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC]) { edges { node { rowId amount occurredAt channel } } } } } } }`;
const PEER_S3 = `query S3 { allTransactions(first: 1000, orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC]) { nodes {
  rowId occurredAt amount currency direction channel product description accountNumber counterpartyName counterpartyAccount status } } }`;

/** A request body; ours declare the role's usual purpose (customer data needs one), the peer's none. */
const json = (query: string, variables?: Record<string, unknown>, role?: Role) =>
  JSON.stringify({ query, ...(variables ? { variables } : {}), ...(role ? { extensions: { purpose: ROLE_POLICIES[role].purposes.default } } : {}) });

/**
 * Tokens of `count` staff members of one role, unique to this run (members of the directory;
 * budgets are per person per day); or of the members `subs` names.
 */
async function principals(db: Pool, config: AppConfig, role: Role, nonce: string, count: number, subs?: string[]): Promise<string[]> {
  const list = subs ?? (await loadStaff(db, role, `bench-${role}-${nonce}`, count));
  return Promise.all(list.map((sub) => issueDevToken(config, { role, sub, ttl: '2h' })));
}

const noErrors = (r: any) => !r.errors;

async function someCustomerIds(db: Pool, count: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM customers WHERE kind = 'INDIVIDUAL' ORDER BY id LIMIT $1`, [count]);
  return rows.map((r) => r.id);
}

const S1: Scenario = {
  id: 'S1',
  title: 'one customer by id, 12 fields (sales, not their customer: masked)',
  role: 'sales',
  async prepare(db, config, nonce) {
    const ids = await someCustomerIds(db, 200);
    const tokens = await principals(db, config, 'sales', nonce, 50);
    const query = `query S1($id: ID!) { customer(id: $id) { id ${S1_FIELDS} } }`;
    return {
      shots: ids.map((id, i) => ({ token: tokens[i % tokens.length], body: json(query, { id }, 'sales') })),
      check: (r, policy) => noErrors(r) && typeof r.data?.customer?.id === 'string' && String(r.data.customer.idNumber).includes('*') === policy,
    };
  },
  async peer(db) {
    const ids = await someCustomerIds(db, 200);
    return { shots: ids.map((id) => ({ token: '', body: json(PEER_S1, { id }) })), check: (r) => noErrors(r) && typeof r.data?.customerByRowId?.rowId === 'string' };
  },
  async floor(db) {
    const ids = await someCustomerIds(db, 200);
    return {
      statements: 1,
      run: async (client, i) => {
        await client.query(
          `SELECT id, archive_number, name, id_number_sealed, phone_sealed, email_sealed, address_sealed, birth_date_sealed, annual_income_sealed, bank_card_number_sealed, tier, status FROM customers WHERE id = $1`,
          [ids[i % ids.length]],
        );
      },
    };
  },
};

function s2(role: Role, note: string): Scenario {
  return {
    id: `S2-${role}`,
    title: `100 customers × (name, phone, ≤5 contacts, last 10 transactions) — ${role}: ${note}`,
    role,
    async prepare(db, config, nonce) {
      const tokens = await principals(db, config, role, nonce, 200);
      return {
        shots: tokens.map((token) => ({ token, body: json(S2_QUERY, undefined, role) })),
        check: (r) => noErrors(r) && r.data?.customers?.edges?.length === 100,
      };
    },
    async peer() {
      return { shots: [{ token: '', body: json(PEER_S2) }], check: (r) => noErrors(r) && r.data?.allCustomers?.edges?.length === 100 };
    },
    ...(role === 'analyst' ? {} : { limit: { statement: S2_STATEMENT, check: (data: any) => data?.customers?.edges?.length === 100 } }),
    async floor() {
      return { statements: 3, run: async (client) => {
        const { rows } = await client.query<{ id: string }>(`SELECT id, name, phone_sealed, phone_masked FROM customers ORDER BY created_at DESC, id DESC LIMIT 101`);
        const ids = rows.slice(0, 100).map((r) => r.id);
        await client.query(
          `SELECT x.* FROM unnest($1::uuid[]) AS p(parent_id) CROSS JOIN LATERAL (
             SELECT ct.customer_id, ct.name, ct.phone_sealed, ct.phone_masked FROM contacts ct WHERE ct.customer_id = p.parent_id ORDER BY ct.created_at, ct.id LIMIT 6) x`,
          [ids],
        );
        await client.query(
          `SELECT x.* FROM unnest($1::uuid[]) AS p(parent_id) CROSS JOIN LATERAL (
             SELECT t.customer_id, t.id, t.amount, t.occurred_at, t.channel FROM transactions t WHERE t.customer_id = p.parent_id
             ORDER BY t.occurred_at DESC, t.id DESC LIMIT 11) x`,
          [ids],
        );
      } };
    },
  };
}

const S3: Scenario = {
  id: 'S3',
  title: '1,000 transactions × 12 flat fields (analyst: accounts removed, amounts clear)',
  role: 'analyst',
  async prepare(db, config, nonce) {
    const tokens = await principals(db, config, 'analyst', nonce, 100);
    return {
      shots: tokens.map((token) => ({ token, body: json(S3_QUERY, undefined, 'analyst') })),
      check: (r) => noErrors(r) && r.data?.transactions?.edges?.length === 1000,
    };
  },
  async peer() {
    return { shots: [{ token: '', body: json(PEER_S3) }], check: (r) => noErrors(r) && r.data?.allTransactions?.nodes?.length === 1000 };
  },
  limit: { statement: S3_STATEMENT, check: (data: any) => data?.transactions?.edges?.length === 1000 },
  async floor() {
    return { statements: 1, run: async (client) => {
      await client.query(
        `SELECT id, occurred_at, amount, currency, direction, channel, product, description_masked, account_number_sealed, counterparty_name, counterparty_account_sealed, status
         FROM transactions ORDER BY occurred_at DESC, id DESC LIMIT 1001`,
      );
    } };
  },
};

const S4: Scenario = {
  id: 'S4',
  title: 'recordTransaction on an own customer (sales): a write with its change history',
  role: 'sales',
  async prepare(db, config) {
    // Each rep writes to their own customers (the policy's OWN_CUSTOMER condition holds).
    const { rows } = await db.query<{ rm: string; id: string }>(
      `SELECT DISTINCT ON (relationship_manager_id) relationship_manager_id AS rm, id FROM customers
       WHERE kind = 'INDIVIDUAL' AND status = 'ACTIVE' AND bank_card_number IS NOT NULL AND relationship_manager_id IS NOT NULL
       ORDER BY relationship_manager_id, id`,
    );
    const tokens = await principals(db, config, 'sales', '', 0, rows.map((r) => r.rm));
    const query = `mutation S4($input: RecordTransactionInput!) { recordTransaction(input: $input) { id amount occurredAt } }`;
    return {
      shots: rows.map((r, i) => ({
        token: tokens[i],
        body: json(query, { input: { customerId: r.id, amount: '88.00', direction: 'DEBIT', channel: 'POS', product: 'bench purchase' } }, 'sales'),
      })),
      check: (r) => noErrors(r) && typeof r.data?.recordTransaction?.id === 'string',
    };
  },
};

const S5_QUERY = `query S5 { customers(first: 20) { edges { node { id archiveNumber tier status } } } }`;

/** What registering every read costs where nothing sensitive is read: a compact access record per request. */
const S5: Scenario = {
  id: 'S5',
  title: 'a page of 20 customers without a sensitive field (sales): registered as a compact record',
  role: 'sales',
  async prepare(db, config, nonce) {
    const tokens = await principals(db, config, 'sales', nonce, 50);
    return {
      shots: tokens.map((token) => ({ token, body: json(S5_QUERY, undefined, 'sales') })),
      check: (r) => noErrors(r) && r.data?.customers?.edges?.length === 20,
    };
  },
  async peer() {
    return {
      shots: [{ token: '', body: json(`query S5 { allCustomers(first: 20, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { edges { node { rowId archiveNumber tier status } } } }`) }],
      check: (r) => noErrors(r) && r.data?.allCustomers?.edges?.length === 20,
    };
  },
  async floor() {
    return { statements: 1, run: async (client) => {
      await client.query(`SELECT id, archive_number, tier, status FROM customers ORDER BY created_at DESC, id DESC LIMIT 21`);
    } };
  },
};

export const SCENARIOS: Scenario[] = [
  S1,
  // Not admin: its hard limit (1,000 sensitive values a request) refuses this page before any SQL —
  // an administrator is not a data reader. The manager reads everything, masked.
  s2('manager', 'every name and phone masked'),
  s2('sales', 'masked but for their own customers'),
  s2('analyst', 'identifiers removed'),
  S3,
  S4,
  S5,
];
