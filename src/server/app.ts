/**
 * The HTTP surface: POST/GET /graphql (Apollo Server 5 on Express 5), /graphiql, /healthz,
 * /readyz, /metrics (METRICS=true). Request flow: HTTP → request id + log → bearer token → per-request context
 * (loaders) → policy plan for the operation → execution (shield + masking) → response.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Pool } from 'pg';
import { pinoHttp } from 'pino-http';
import { AuthenticationError, bearerToken, type TokenVerifier } from '../auth/verifier';
import { configureCursorKey } from '../paging/cursor';
import { buildComplaintReport, isReportMonth } from '../../schema/statistics/complaint-report';
import { REPORT_READERS } from '../../permissions/statistics';
import { createTokenSigner } from '../auth/token-issuer';
import { isDatabaseUnavailable } from '../db/availability';
import { inputGuardPlugin } from './input-guard';
import type { AppConfig } from '../config';
import { systemClock, type Clock } from '../clock';
import { createRequestContext, type RequestContext } from '../context';
import { pathOnly, type Logger } from '../logger';
import { privacyPlugin } from '../../permissions';
import { scopedIntrospectionPlugin } from '../../permissions/engine/scoped-schema';
import type { AuditServices } from '../audit';
import { accessRegisterPlugin, authenticationRecord } from '../audit/access-plugin';
import { budgetPlugin } from '../budget/budget-plugin';
import { requestPipeline } from './request-pipeline';
import { compiledReadsStage } from '../../permissions/engine/compiler/stage';
import { allowListPlugin } from '../../schema/partner/allow-list.plugin';
import type { BudgetStore } from '../budget/store';
import { sanitiseErrorMessage } from '../error-hygiene';
import { graphiqlRouter } from './graphiql';
import { jitGateway } from './jit-executor';
import { UnknownDirectivesRule } from './unknown-directives-rule';
import { healthRouter } from './health';
import { createMetrics } from './metrics';
import { createServerFor, servedOverTls, strictTransportSecurity } from './tls';

export interface HttpServerDeps {
  config: AppConfig;
  log: Logger;
  pool: Pool;
  schema: GraphQLSchema;
  verifier: TokenVerifier;
  audit: AuditServices;
  budgets: BudgetStore;
  /** Benchmarks only: false leaves the access register out. */
  accessRegister?: boolean;
  /** Benchmarks only: 'graphql-js' executes with graphql-js instead of the compiled (JIT) executor. */
  executor?: 'jit' | 'graphql-js';
  /** Benchmarks only: false leaves out every plugin of the policy (plan, budgets, allow-list, register). */
  policy?: boolean;
  /** "Now" for the services (tests move it); the system clock when absent. */
  clock?: Clock;
  /** Benchmarks only: false answers every read through the resolver path (no compiled reads). */
  compiledReads?: boolean;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

function unauthenticated(reason: string, rule?: string): GraphQLError {
  return new GraphQLError(`Unauthenticated: ${reason}`, {
    extensions: { code: 'UNAUTHENTICATED', ...(rule ? { reason: rule } : {}), http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } },
  });
}

/** The token is genuine, and the directory refuses its holder (deactivated, wrong role). */
function refusedByDirectory(error: AuthenticationError): GraphQLError {
  return new GraphQLError(`Forbidden: ${error.reason}`, { extensions: { code: 'FORBIDDEN', reason: error.rule, http: { status: 403 } } });
}

/** PostgreSQL cancelled the statement (statement_timeout). */
const QUERY_CANCELED = '57014';

/** What was really thrown: resolver errors and errors of plugin hooks arrive wrapped in GraphQLErrors. */
function rootCause(error: unknown): unknown {
  let cause = unwrapResolverError(error);
  while (cause instanceof GraphQLError && cause.originalError && cause.originalError !== cause) cause = cause.originalError;
  return cause;
}

function isInternal(error: unknown): boolean {
  return !(rootCause(error) instanceof GraphQLError);
}

/**
 * Apollo's own refusals of a request that come without a code (Apollo's formatting would call
 * them INTERNAL_SERVER_ERROR); their status is already 400. The hash mismatch takes the code
 * other GraphQL servers give it.
 */
const UNCODED_APOLLO_REFUSALS: Record<string, string> = {
  'provided sha does not match query': 'PERSISTED_QUERY_HASH_MISMATCH',
  'Unsupported persisted query version': 'BAD_REQUEST',
};

function uncodedApolloRefusal(error: unknown): string | undefined {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined || error.originalError) return undefined;
  return Object.hasOwn(UNCODED_APOLLO_REFUSALS, error.message) ? UNCODED_APOLLO_REFUSALS[error.message] : undefined;
}

/**
 * Internal errors reach clients as a code only (the request id is added when the response is
 * sent; the detail is logged with it). Messages that graphql-js built with the caller's value
 * inside are rewritten without it.
 */
function formatError(config: AppConfig) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const refusal = uncodedApolloRefusal(error);
    if (refusal) return { message: formatted.message, extensions: { code: refusal } };
    if (!isInternal(error) || formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') {
      const { message, field } = sanitiseErrorMessage(formatted.message);
      if (message === formatted.message) return formatted;
      return { ...formatted, message, extensions: { ...formatted.extensions, ...(field && !formatted.extensions?.field ? { field } : {}) } };
    }
    if (isDatabaseUnavailable(rootCause(error))) {
      return { ...formatted, message: 'The database is unavailable; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } };
    }
    if ((rootCause(error) as { code?: string }).code === QUERY_CANCELED) {
      return { ...formatted, message: `The request took longer than ${config.statementTimeoutMs} ms and was cancelled`, extensions: { code: 'TIMEOUT' } };
    }
    if (config.isDevelopment) return formatted;
    return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** Codes whose detail is only in the log: the client gets the request id to quote. */
const LOGGED_ONLY = new Set(['INTERNAL_SERVER_ERROR', 'TIMEOUT']);

/**
 * One log line per operation: name, duration, SQL statements, error codes — never variables;
 * internal errors logged with the request id, which their client-side error carries too.
 */
const operationLogPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    const started = process.hrtime.bigint();
    return {
      async didEncounterErrors({ contextValue, errors }) {
        for (const error of errors) {
          if (!isInternal(error)) continue;
          const e = rootCause(error) as { name?: string; code?: string; constraint?: string; message?: string };
          // node-postgres messages can quote input values: log only the SQLSTATE and constraint for them.
          contextValue.log.error({ err: { name: e.name, code: e.code, constraint: e.constraint, message: e.code ? undefined : e.message } }, 'internal error');
        }
      },
      async willSendResponse({ contextValue, operationName, response }) {
        const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
        // The database was away: say so with the status too (a client or proxy may retry).
        if (body?.errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE') && response.http) response.http.status = 503;
        if (body?.errors?.some((e) => LOGGED_ONLY.has(String(e.extensions?.code)))) {
          body.errors = body.errors.map((e) => (LOGGED_ONLY.has(String(e.extensions?.code)) ? { ...e, extensions: { ...e.extensions, requestId: contextValue.requestId } } : e));
        }
        contextValue.log.info(
          {
            operation: operationName ?? null,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            sql: contextValue.db.statementCount,
            ...(contextValue.operation.compiled ? { compiled: true } : {}),
            errors: body?.errors?.map((e) => e.extensions?.code ?? 'UNKNOWN'),
          },
          'graphql operation',
        );
      },
    };
  },
};

export async function createHttpServer(deps: HttpServerDeps) {
  const { config, log, pool, schema, verifier, audit } = deps;
  const services = { hashValue: audit.hashValue, signToken: createTokenSigner(config), consentBackdateDays: config.consentBackdateDays, clock: deps.clock ?? systemClock };
  // Cursors are encrypted under a key every process derives alike from the value key (a NUL in the
  // label: no input the API accepts can hash to it, so no change-history hash reveals it).
  configureCursorKey(Buffer.from(audit.hashValue('\u0000cursor-key/v1'), 'hex'));
  const app = express();
  app.disable('x-powered-by');
  // Responses are personal and `no-store`: no cache keeps them to revalidate, so hashing every body for an ETag is waste.
  app.set('etag', false);
  const metrics = config.metrics.enabled ? createMetrics(config, pool, deps.accessRegister === false ? undefined : audit.writer) : undefined;
  // HTTPS when TLS_CERT_FILE/TLS_KEY_FILE are set; the rest of the server is the same either way.
  const httpServer = await createServerFor(config, app);
  let stopping = false;

  // First, so every response carries it: health checks, 404s and error pages too.
  if (servedOverTls(config)) app.use(strictTransportSecurity());

  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: pathOnly(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );

  // Ceilings for every caller, checked at parse and validation; the policy's per-role limits
  // (depth, aliases, directives, cost with page sizes) are tighter and checked by the plan.
  const armor = new ApolloArmor({
    // Tokens are limited by graphql-js's own parser (parseOptions below): armor's parse hook turned
    // every syntax error into a 500.
    maxTokens: { enabled: false },
    maxDepth: { n: 20 },
    // Every alias counts: armor's default allow-list lets `__typename` aliases through (graphql-cop sends 101).
    maxAliases: { n: 60, allowList: [] },
    maxDirectives: { n: 100 },
    costLimit: { enabled: false }, // armor's cost ignores page sizes; the plan's cost does not
    blockFieldSuggestion: { enabled: !config.isDevelopment },
  }).protect();
  const apollo = new ApolloServer<RequestContext>({
    validationRules: [...armor.validationRules, UnknownDirectivesRule],
    parseOptions: { maxTokens: 5000 },
    ...(deps.executor === 'graphql-js' ? { schema } : { gateway: jitGateway(schema) }),
    csrfPrevention: true,
    // main.ts owns the shutdown order (drain, flush the access register, checkpoint, close the pool);
    // Apollo's own handler would re-raise the signal and cut that short (exit 130).
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: config.isDevelopment,
    formatError: formatError(config),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ...armor.plugins,
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints: personal data must not land in shared HTTP caches, and the plugin
      // would instrument every field of every response.
      ApolloServerPluginCacheControlDisabled(),
      ...(config.isDevelopment ? [] : [ApolloServerPluginDisableSuggestions()]),
      inputGuardPlugin,
      // One order, step after step (see request-pipeline.ts): allow-list → purpose and plan → budgets → introspection checks.
      ...(deps.policy === false ? [] : [requestPipeline([allowListPlugin(pool), privacyPlugin, budgetPlugin(deps.budgets, metrics?.budgetCharged), scopedIntrospectionPlugin, ...(deps.compiledReads === false ? [] : [compiledReadsStage])])]),
      ...(deps.policy === false || deps.accessRegister === false ? [] : [accessRegisterPlugin(audit.writer)]),
      operationLogPlugin,
      ...(metrics ? [metrics.plugin] : []),
    ],
  });
  await apollo.start();

  app.use(healthRouter(pool, () => stopping));
  if (config.graphiql) app.use('/graphiql', graphiqlRouter(config, pool));
  if (metrics) app.use(metrics.router());
  app.use(
    '/graphql',
    (_req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Cache-Control', 'no-store'); // personal data: never in a shared or browser cache
      next();
    },
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }: { req: Request }) => {
        const started = process.hrtime.bigint();
        // Refused before Apollo's plugins see the request: counted here, as role `anonymous`.
        const refused = (error: GraphQLError): GraphQLError => {
          metrics?.refusedBeforeContext(String(error.extensions.code), Number(process.hrtime.bigint() - started) / 1e9);
          return error;
        };
        const token = bearerToken(req.headers.authorization);
        const securityEvent = async (code: 'UNAUTHENTICATED' | 'FORBIDDEN', rule: string, error?: AuthenticationError) => {
          if (deps.policy === false || deps.accessRegister === false) return;
          // Registered before the refusal is answered; a register that cannot be written does not turn a refusal into a 500.
          await audit.writer.append(authenticationRecord(String(req.id), req.ip ?? null, code, rule, error?.claimed ?? null)).catch(() => undefined);
        };
        if (!token) {
          await securityEvent('UNAUTHENTICATED', 'NO_TOKEN');
          throw refused(unauthenticated('send Authorization: Bearer <token>'));
        }
        try {
          const principal = await verifier(token);
          return createRequestContext(pool, principal, { requestId: String(req.id), clientAddress: req.ip ?? null }, req.log, services);
        } catch (error) {
          if (error instanceof AuthenticationError) {
            await securityEvent(error.status === 403 ? 'FORBIDDEN' : 'UNAUTHENTICATED', error.rule, error);
            throw refused(error.status === 403 ? refusedByDirectory(error) : unauthenticated(error.reason, error.rule));
          }
          // The directory is in the database: while it is away, nobody can be checked, so nobody is served.
          if (isDatabaseUnavailable(error)) {
            throw refused(new GraphQLError('The database is unavailable; try again shortly', { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } }));
          }
          throw error;
        }
      },
    }),
  );

  // The monthly complaint report (issue 17 item 5): managers, with the same bearer tokens as /graphql.
  app.get('/reports/complaints/:month', async (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    const refuse = (status: number, code: string, message: string) => res.status(status).json({ errors: [{ message, extensions: { code } }] });
    const token = bearerToken(req.headers.authorization);
    if (!token) return refuse(401, 'UNAUTHENTICATED', 'send Authorization: Bearer <token>');
    try {
      const principal = await verifier(token).catch((error: unknown) => {
        if (error instanceof AuthenticationError) return error;
        throw error;
      });
      if (principal instanceof AuthenticationError) return refuse(principal.status === 403 ? 403 : 401, principal.status === 403 ? 'FORBIDDEN' : 'UNAUTHENTICATED', principal.reason);
      if (!REPORT_READERS.includes(principal.role)) return refuse(403, 'FORBIDDEN', `the complaint report is for ${REPORT_READERS.join(', ')}`);
      const month = String(req.params.month);
      if (!isReportMonth(month)) return refuse(400, 'BAD_USER_INPUT', 'month must be YYYY-MM');
      const report = await buildComplaintReport({ rows: async (text, params) => (await pool.query(text, params)).rows }, month, services.clock());
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      res.type('html').send(report.html);
    } catch (error) {
      next(error);
    }
  });

  // Body-parser and other middleware errors: a JSON error, never Express's HTML page with a stack.
  app.use((error: { status?: number; type?: string }, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) req.log.error({ err: { type: error.type } }, 'request failed');
    const message = error.type === 'entity.parse.failed' ? 'Request body is not valid JSON' : error.type === 'entity.too.large' ? 'Request body too large' : 'Bad request';
    res.status(status).json({ errors: [{ message: status === 500 ? 'Internal server error' : message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  return {
    app,
    apollo,
    httpServer,
    /** Refuses new requests, lets in-flight ones finish, then stops Apollo. */
    async stop() {
      stopping = true;
      await apollo.stop();
    },
  };
}
