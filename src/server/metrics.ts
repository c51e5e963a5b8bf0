/**
 * Prometheus metrics at /metrics (METRICS=true, bearer METRICS_TOKEN): requests, latency, values
 * returned per decision and field level, refusals, budget charged, the access register's group
 * commits and the pool. Labels are bounded sets only — operation names (capped), roles, codes,
 * levels — never a customer id, a principal or a value.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import cluster from 'node:cluster';
import type { ApolloServerPlugin } from '@apollo/server';
import express, { type Request, type Response, type Router } from 'express';
import type { Pool } from 'pg';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import type { AppConfig } from '../config';
import type { RequestContext } from '../context';
import type { AccessWriter } from '../audit/access-writer';
import { classify } from '../../permissions/policy';

/** Distinct operation names kept as labels; later new names are counted as `other` (clients choose names). */
export const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Failures of the server, not refusals of the caller: counted in outcomes, not as refusals. */
const NOT_REFUSALS = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'TIMEOUT']);
const DECISION_LABEL: Record<string, string> = { CLEAR: 'clear', MASK: 'masked', REMOVE: 'removed' };

export interface Metrics {
  registry: Registry;
  /** Counts every request that reached Apollo's plugins (after authentication). */
  plugin: ApolloServerPlugin<RequestContext>;
  /** A request refused while its context was built (no or bad token): role `anonymous`. */
  refusedBeforeContext(code: string, seconds: number): void;
  /** What the budget plugin finally charged against the day (reserved minus given back). */
  budgetCharged(charged: { clear: number; masked: number; probes: number }): void;
  /** GET /metrics, behind the scrape token. */
  router(): Router;
}

function codeLabel(code: unknown): string {
  return typeof code === 'string' && CODE.test(code) ? code : 'UNKNOWN';
}

/** Equal-length digests, so the comparison takes the same time whatever the guess (and its length). */
function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The worker's AggregatorRegistry: constructed for its listener (see createMetrics). */
let workerAggregator: AggregatorRegistry<RegistryContentType> | undefined;

export function createMetrics(config: AppConfig, pool: Pool, writer: AccessWriter | undefined): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // WORKERS > 1: the primary answers a worker's scrape with every worker's registry summed (see
  // cluster.ts). prom-client installs a worker's answering listener only when an AggregatorRegistry
  // is constructed there (setRegistries alone left the primary's requests unanswered: "Operation
  // timed out", a 500 per scrape): one is made here for that, once per process.
  if (cluster.isWorker) {
    workerAggregator ??= new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }

  const requests = new Counter({ name: 'customer_records_requests_total', help: 'GraphQL requests by operation name, role and outcome (ok or the first error code)', labelNames: ['operation', 'role', 'outcome'], registers: [registry] });
  const duration = new Histogram({
    name: 'customer_records_request_duration_seconds',
    help: 'GraphQL request latency, from the start of Apollo processing to the response',
    labelNames: ['role'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const values = new Counter({ name: 'customer_records_values_total', help: 'Sensitive field values in responses by decision (clear, masked, removed) and field level', labelNames: ['decision', 'level'], registers: [registry] });
  const refusals = new Counter({ name: 'customer_records_refusals_total', help: 'Errors refusing the caller, by extensions.code', labelNames: ['code'], registers: [registry] });
  const budget = new Counter({ name: 'customer_records_budget_charged_total', help: 'Values and probes charged against the daily budgets', labelNames: ['kind'], registers: [registry] });
  const commitSeconds = new Histogram({
    name: 'customer_records_register_commit_seconds',
    help: 'Access register group commit latency',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const batchSize = new Histogram({ name: 'customer_records_register_batch_records', help: 'Access records per group commit', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], registers: [registry] });
  const commitFailures = new Counter({ name: 'customer_records_register_commit_failures_total', help: 'Group commits of the access register that failed', registers: [registry] });
  new Gauge({
    name: 'customer_records_pool_connections',
    help: 'Database pool connections (state total or idle), read at scrape',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
    },
  });
  new Gauge({ name: 'customer_records_pool_waiting_requests', help: 'Requests waiting for a pooled connection, read at scrape', registers: [registry], collect() { this.set(pool.waitingCount); } });
  new Gauge({ name: 'customer_records_pool_max_connections', help: 'DB_POOL_MAX', registers: [registry] }).set(config.dbPoolMax);

  writer?.observe((batch) => {
    if (!batch.ok) return commitFailures.inc();
    commitSeconds.observe(batch.seconds);
    batchSize.observe(batch.records);
  });

  const operationNames = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name || !OPERATION_NAME.test(name)) return 'anonymous';
    if (operationNames.has(name)) return name;
    if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    operationNames.add(name);
    return name;
  };

  const plugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ contextValue, response, operationName }) {
          const role = contextValue.principal.role;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = errors.map((e) => codeLabel(e.extensions?.code));
          requests.inc({ operation: operationLabel(operationName), role, outcome: codes[0] ?? 'ok' });
          duration.observe({ role }, Number(process.hrtime.bigint() - started) / 1e9);
          for (const code of codes) if (!NOT_REFUSALS.has(code)) refusals.inc({ code });
          // The tally the response explains (extensions.privacy), by the level of each field coordinate.
          for (const entry of contextValue.privacy?.tally.values() ?? []) {
            const [type, field] = entry.field.split('.');
            values.inc({ decision: DECISION_LABEL[entry.decision] ?? 'removed', level: classify(type, field)?.level ?? 'unclassified' }, entry.count);
          }
        },
      };
    },
  };

  return {
    registry,
    plugin,
    refusedBeforeContext(code, seconds) {
      const label = codeLabel(code);
      requests.inc({ operation: 'anonymous', role: 'anonymous', outcome: label });
      duration.observe({ role: 'anonymous' }, seconds);
      if (!NOT_REFUSALS.has(label)) refusals.inc({ code: label });
    },
    budgetCharged(charged) {
      for (const kind of ['clear', 'masked', 'probes'] as const) if (charged[kind] > 0) budget.inc({ kind }, charged[kind]);
    },
    router() {
      const router = express.Router();
      router.get('/metrics', async (req: Request, res: Response) => {
        const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (config.metrics.token !== undefined && (given === undefined || !sameToken(given, config.metrics.token))) {
          res.setHeader('www-authenticate', 'Bearer realm="metrics"');
          res.status(401).json({ errors: [{ message: 'Unauthenticated: /metrics needs Authorization: Bearer <METRICS_TOKEN>', extensions: { code: 'UNAUTHENTICATED' } }] });
          return;
        }
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Content-Type', registry.contentType);
        res.send(cluster.isWorker ? await clusterMetricsFromPrimary() : await registry.metrics());
      });
      return router;
    },
  };
}

const CLUSTER_REQUEST = 'customer-records:metrics-request';
const CLUSTER_ANSWER = 'customer-records:metrics-answer';
let nextRequestId = 0;

/** A worker's scrape: the primary gathers every worker's registry (prom-client's AggregatorRegistry) and answers. */
function clusterMetricsFromPrimary(): Promise<string> {
  const id = ++nextRequestId;
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string; id?: number; text?: string; error?: string }) => {
      if (message?.type !== CLUSTER_ANSWER || message.id !== id) return;
      process.off('message', onMessage);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.text ?? '');
    };
    process.on('message', onMessage);
    process.send!({ type: CLUSTER_REQUEST, id });
  });
}

/** In the cluster primary: answers the workers' scrapes with the aggregated metrics of all of them. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== CLUSTER_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: CLUSTER_ANSWER, id: message.id, text }),
      (error: Error) => worker.send({ type: CLUSTER_ANSWER, id: message.id, error: error.message }),
    );
  });
}
