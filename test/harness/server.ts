/**
 * The real server (Express + Apollo + pg) on an ephemeral port over a private test database,
 * plus helpers to call it over HTTP or in-process with a statement count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { DestinationStream } from 'pino';
import { decodeJwt } from 'jose';
import { isRole, type Role } from '../../src/auth/principal';
import { ROLE_POLICIES } from '../../permissions/policy';
import { recordPseudonym } from '../../permissions/pseudonyms';
import { createTokenSigner, issueDevToken, type TokenRequest } from '../../src/auth/token-issuer';
import { createTokenVerifier, principalDirectory } from '../../src/auth/verifier';
import { issueRegisteredPartnerToken } from '../../src/auth/partner-dev-token';
import { loadConfig, type AppConfig } from '../../src/config';
import { createRequestContext } from '../../src/context';
import { createPool } from '../../src/db/pool';
import { appRoleFor } from '../../src/db/app-role';
import { startAudit, type AuditServices } from '../../src/audit';
import { Redis } from 'ioredis';
import { createBudgetStore, type BudgetStore } from '../../src/budget/store';
import { createLogger } from '../../src/logger';
import { createHttpServer } from '../../src/server/app';
import { buildAppSchema } from '../../schema';
import { testPrincipal } from './constants';
import { attachKeyring, loadKeyring, type Keyring } from '../../src/crypto/keyring';
import { clearRowsOf, type ClearRows } from './clear-rows';
import { createTestDatabase, type TestDatabase } from './database';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, any>;
  };
}

export interface CallOptions {
  variables?: Record<string, unknown>;
  role?: Role;
  sub?: string;
  token?: string | null;
  headers?: Record<string, string>;
  /**
   * The declared purpose (X-Purpose): by default the usual purpose of the caller's role, as a
   * client states it; `null` declares none (the server then refuses customer data: PURPOSE_REQUIRED).
   */
  purpose?: string | null;
  /** `execute` only: false serves a read through the resolver path even when the read compiler supports it. */
  compiledReads?: boolean;
  /** `execute` only: the request id (the access register's records name it); 'test' by default. */
  requestId?: string;
}

/** The server's "now": real time until a test sets it (tests move time, never sleep). */
export interface TestClock {
  now(): Date;
  /** From now on the server's services see this instant (null: real time again). */
  set(at: Date | null): void;
}

function testClock(): TestClock {
  let fixed: Date | null = null;
  return {
    now: () => (fixed ? new Date(fixed.getTime()) : new Date()),
    set(at) {
      fixed = at;
    },
  };
}

export interface TestServer {
  url: string;
  /** What the server's services take for "now" (the erasure flow's retention). */
  clock: TestClock;
  config: AppConfig;
  db: TestDatabase;
  /** The server's pool: connections act as the app's restricted role. `db.pool` is the superuser's. */
  pool: Pool;
  /** The keys the server opens sealed fields with. */
  keyring: Keyring;
  /** Stored rows of a table with sealed fields clear under their plaintext column names (test ground truth). */
  clearRows: ClearRows;
  audit: AuditServices;
  /** The server's budget counters (PostgreSQL, or Redis under this server's own prefix). */
  budgets: BudgetStore;
  /** Forgets every record's clear breadth of the day (tests that read many fields of one record in turn). */
  resetBreadth(): Promise<void>;
  /** Forgets every counter — rates, day budgets, breadth — in PostgreSQL and Redis alike: a fresh day for everyone. */
  resetCounters(): Promise<void>;
  token(request: TokenRequest): Promise<string>;
  /** Analysts see the ids of customers and their records as pseudonyms: pseudonym → real id of every one, for one analyst (username) and purpose. */
  realIdsOfPseudonyms(username?: string, purpose?: string): Promise<Map<string, string>>;
  /** The id of the staff member with this username, added to the directory (active, in `role`) if missing. */
  member(role: Exclude<Role, 'partner'>, username: string): Promise<string>;
  gql<T = Record<string, unknown>>(query: string, options?: CallOptions): Promise<GqlResult<T>>;
  /** In-process execution through Apollo, returning the SQL statements the operation ran. */
  execute<T = Record<string, unknown>>(query: string, options?: CallOptions): Promise<{ body: GqlResult<T>['body']; statements: number; compiled: boolean }>;
  stop(): Promise<void>;
}

/**
 * `sharing`: a second server process on another server's database (multi-process tests); it
 * leaves the database to its owner.
 */
export async function startTestServer(overrides: Partial<AppConfig> = {}, logTo?: DestinationStream, sharing?: TestServer): Promise<TestServer> {
  const db = sharing ? sharing.db : await createTestDatabase();
  const base = loadConfig();
  // Keys and the checkpoint file of this server only, never the developer's DATA_DIR.
  const auditDir = mkdtempSync(path.join(os.tmpdir(), 'cr-audit-'));
  const config: AppConfig = {
    ...base,
    port: 0,
    host: '127.0.0.1',
    databaseUrl: db.url,
    ...overrides,
    audit: {
      ...base.audit,
      signingKeyFile: path.join(auditDir, 'signing-key.pem'),
      valueKeyFile: path.join(auditDir, 'value-key'),
      checkpointFile: path.join(auditDir, 'checkpoints.ndjson'),
      checkpointSeconds: 0,
      ...overrides.audit,
    },
  };
  const log = logTo ? createLogger('debug', logTo) : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const pool = createPool(db.url, 5, { role: await appRoleFor(db.url, log), statementTimeoutMs: config.statementTimeoutMs, waitMs: config.poolWaitMs });
  pool.on('error', () => undefined); // as in main.ts: an idle connection dropped by the server is not a crash
  // The keys the template database was sealed with (global-setup: KEK_FILE, BLIND_INDEX_KEY_FILE).
  const keyring = loadKeyring(config.keys);
  attachKeyring(pool, keyring);
  const schema = await buildAppSchema();
  const audit = await startAudit(config, pool, log);
  const verifier = createTokenVerifier(config, principalDirectory(pool));
  // Test databases share one Redis: each server's counters under a prefix of its own.
  const budgets = await createBudgetStore(config.redisUrl, pool, `budget-${db.name}`);
  const clock = testClock();
  /** Opened on the first resetCounters() under REDIS_URL, closed with the server. */
  let counterRedis: Redis | undefined;
  const server = await createHttpServer({ config, log, pool, schema, verifier, audit, budgets, clock: clock.now });
  await new Promise<void>((resolve) => server.httpServer.listen(0, '127.0.0.1', resolve));
  const url = `${config.tls ? 'https' : 'http'}://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
  // Partner tokens are registered (with the partner, on first use), as the server accepts no other.
  const token = (request: TokenRequest) =>
    request.role === 'partner'
      ? issueRegisteredPartnerToken(db.pool, config, { partner: request.partner ?? 'acme', scopes: request.scopes ?? [], ttl: request.ttl })
      : issueDevToken(config, { ...request, sub: request.sub ?? testPrincipal(request.role) });
  // A role alone means that role's relationship-free test member (see global-setup).
  const tokenFor = async (options: CallOptions) => {
    if (options.token !== undefined) return options.token;
    const role = options.role ?? 'admin';
    return token({ role, sub: options.sub ?? (role === 'partner' ? undefined : testPrincipal(role)) });
  };

  /** The purpose a call declares: explicit, none, or the role's usual one (a header given by the test wins). */
  const purposeFor = (options: CallOptions, bearer: string | null | undefined): string | null => {
    if (options.purpose !== undefined) return options.purpose;
    const header = Object.entries(options.headers ?? {}).find(([h]) => h.toLowerCase() === 'x-purpose');
    if (header) return header[1];
    let role: unknown = options.role ?? (options.token === undefined ? 'admin' : undefined);
    if (role === undefined && bearer) {
      try {
        role = decodeJwt(bearer).role;
      } catch {
        role = undefined;
      }
    }
    return isRole(role) ? ROLE_POLICIES[role].purposes.default : null;
  };

  return {
    url,
    clock,
    config,
    db,
    pool,
    keyring,
    clearRows: clearRowsOf(db.pool, keyring),
    audit,
    budgets,
    async resetBreadth() {
      await db.pool.query(`DELETE FROM breadth_counters`);
      if (config.redisUrl) {
        const redis = new Redis(config.redisUrl);
        try {
          const keys = await redis.keys(`budget-${db.name}:*:b:*`);
          if (keys.length) await redis.del(...keys);
        } finally {
          await redis.quit();
        }
      }
    },
    async resetCounters() {
      await db.pool.query(`DELETE FROM usage_counters`);
      await db.pool.query(`DELETE FROM breadth_counters`);
      if (config.redisUrl) {
        counterRedis ??= new Redis(config.redisUrl);
        const keys = await counterRedis.keys(`budget-${db.name}:*`);
        if (keys.length) await counterRedis.del(...keys);
      }
    },
    token,
    async realIdsOfPseudonyms(username = testPrincipal('analyst'), purpose = ROLE_POLICIES.analyst.purposes.default) {
      const { rows: [member] } = await db.pool.query<{ id: string }>(`SELECT id FROM staff WHERE username = $1`, [username]);
      const map = new Map<string, string>();
      for (const [type, table] of [['Customer', 'customers'], ['Transaction', 'transactions'], ['Contact', 'contacts'], ['Complaint', 'complaints']]) {
        const { rows } = await db.pool.query<{ id: string }>(`SELECT id::text FROM ${table}`);
        for (const r of rows) map.set(recordPseudonym(audit.hashValue, member.id, purpose, type, r.id), r.id);
      }
      return map;
    },
    async member(role, username) {
      await db.pool.query(`INSERT INTO staff (username, display_name, role) VALUES ($1, $1, $2) ON CONFLICT (username) DO NOTHING`, [username, role]);
      const { rows } = await db.pool.query<{ id: string; role: string }>(`SELECT id, role FROM staff WHERE username = $1`, [username]);
      if (rows[0].role !== role) throw new Error(`staff member ${username} has role ${rows[0].role}, not ${role}`);
      return rows[0].id;
    },
    async gql(query, options = {}) {
      const bearer = await tokenFor(options);
      const purpose = purposeFor(options, bearer);
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(purpose ? { 'x-purpose': purpose } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables: options.variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as never };
    },
    async execute(query, options = {}) {
      const verify = verifier;
      const bearer = (await tokenFor(options))!;
      const principal = await verify(bearer);
      const purpose = purposeFor(options, bearer);
      const contextValue = createRequestContext(pool, principal, { requestId: options.requestId ?? 'test', clientAddress: null }, log, { hashValue: audit.hashValue, signToken: createTokenSigner(config), consentBackdateDays: config.consentBackdateDays, clock: clock.now });
      if (options.compiledReads === false) contextValue.compiledReads = false;
      const response = await server.apollo.executeOperation({ query, variables: options.variables, ...(purpose ? { extensions: { purpose } } : {}) }, { contextValue });
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      // As a client receives it: serialised (graphql-jit leaves skipped fields as undefined keys).
      return { body: JSON.parse(JSON.stringify(response.body.singleResult)) as never, statements: contextValue.db.statementCount, compiled: contextValue.operation.compiled === true };
    },
    async stop() {
      await server.stop();
      await audit.stop();
      await budgets.close();
      await counterRedis?.quit();
      await pool.end();
      if (!sharing) await db.drop();
      // The server's keys were for this test only: none is left in the temporary directory.
      rmSync(auditDir, { recursive: true, force: true });
    },
  };
}
