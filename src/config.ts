/** Every setting the server and CLIs read from the environment, parsed once. */
import net from 'node:net';
import path from 'node:path';

export interface AppConfig {
  nodeEnv: string;
  /** Stack traces and detailed errors only here (NODE_ENV=development). */
  isDevelopment: boolean;
  host: string;
  port: number;
  /** Serve HTTPS with this certificate chain and private key (PEM files); undefined: plain HTTP. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** A proxy in front terminates TLS (TRUSTED_TLS_PROXY): plain HTTP here is allowed in production, and HSTS is sent. */
  trustedTlsProxy: boolean;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Budget counters in Redis instead of PostgreSQL. */
  redisUrl: string | undefined;
  dbPoolMax: number;
  /** Longest a request waits for a free pooled connection before SERVICE_UNAVAILABLE. */
  poolWaitMs: number;
  /** Longest a request's SQL statement may run before PostgreSQL cancels it (statement_timeout). */
  statementTimeoutMs: number;
  seedCustomers: number;
  /** Server processes sharing the port (node:cluster); 1 serves from the main process itself. */
  workers: number;
  /** Serve GraphiQL at /graphiql (GRAPHIQL=false in production if no one should). */
  graphiql: boolean;
  /**
   * GraphiQL's "sign in as" a demo staff member or partner (short-lived tokens minted by the
   * server for anyone who can reach it). On by default only with the embedded demo database on a
   * loopback address and NODE_ENV not set to production; DEMO_SIGN_IN=true turns it on with DATABASE_URL (tests, a
   * shared demo); never with NODE_ENV=production or AUTH_JWKS_URL.
   */
  demoSignIn: boolean;
  /** Answer introspection (INTROSPECTION=false to refuse it); it always needs a valid token. */
  introspection: boolean;
  logLevel: string;
  /** Prometheus metrics at /metrics (METRICS=true), readable only with METRICS_TOKEN as a bearer token. */
  metrics: { enabled: boolean; token: string | undefined };
  /** Days a consent's grantedAt may lie in the past when it is recorded (paper forms reach us late, not months late). */
  consentBackdateDays: number;
  /** Complaints (issue 17): where customers' messages go, and how often the delivery and escalation jobs run. */
  complaints: {
    /** SMTP_URL (smtp://user:pass@host:port): e-mail channel; unset: e-mail messages wait in the outbox. */
    smtpUrl: string | undefined;
    /** MAIL_FROM: the sender of customers' e-mails. */
    mailFrom: string;
    /** SMS_GATEWAY_URL: the SMS gateway's HTTP endpoint; unset: SMS messages wait in the outbox. */
    smsGatewayUrl: string | undefined;
    /** SMS_GATEWAY_TOKEN: bearer token for the gateway. */
    smsGatewayToken: string | undefined;
    /** COMPLAINT_JOBS_SECONDS: how often the server delivers the outbox and runs the escalation job (0: never; run `npm run complaints` instead). */
    jobsSeconds: number;
  };
  audit: {
    /** Ed25519 private key (PEM) that signs checkpoints; generated in DATA_DIR when not given. */
    signingKeyFile: string;
    /** Public key(s) (PEM) a verifier trusts; by default the signing key's own. */
    verifyKeyFile: string | undefined;
    /** HMAC key for the keyed hashes of changed sensitive values; generated in DATA_DIR when not given. */
    valueKeyFile: string;
    /** Checkpoints are also appended here, outside the database (cutting the tail is then detected). */
    checkpointFile: string;
    /** Seconds between checkpoints of the chain heads (0: only at shutdown and on demand). */
    checkpointSeconds: number;
    /** Months access records are kept; at least MIN_RETENTION_MONTHS (PIPL art. 56). */
    retentionMonths: number;
  };
  /** Keys of the sealed fields (src/crypto), kept outside the database. */
  keys: {
    /** Key-encryption keys (JSON, 0600), generated on first start; the data keys in the key store are wrapped under them. */
    kekFile: string;
    /** HMAC key of the blind indexes (exact lookups and uniqueness without plaintext). */
    blindIndexKeyFile: string;
  };
  /** Alert rules over the access register (permissions/governance.ts ALERT_RULES) and their webhook. */
  alerts: {
    /** Seconds between runs of the rules and deliveries (ALERTS_INTERVAL_SECONDS; 0: off). */
    intervalSeconds: number;
    /** Seconds between webhook deliveries of undelivered alerts (ALERT_DELIVERY_SECONDS; 0: off). */
    deliverySeconds: number;
    /** Where alerts are POSTed as JSON (ALERT_WEBHOOK_URL); none: stored and queryable only. */
    webhookUrl: string | undefined;
    /** HMAC-SHA-256 key signing each body (`X-Signature: sha256=…`; ALERT_WEBHOOK_SECRET). */
    webhookSecret: string | undefined;
  };
  auth: {
    secret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
  };
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}`);
  }
  return value;
}

function boolFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be true or false`);
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** TLS_CERT_FILE and TLS_KEY_FILE: both (HTTPS) or neither (plain HTTP). */
function tlsFromEnv(env: NodeJS.ProcessEnv): AppConfig['tls'] {
  const certFile = optional(env, 'TLS_CERT_FILE');
  const keyFile = optional(env, 'TLS_KEY_FILE');
  if (!certFile && !keyFile) return undefined;
  if (!keyFile) throw new Error('TLS_CERT_FILE is set but TLS_KEY_FILE is not: set both to serve HTTPS, or neither');
  if (!certFile) throw new Error('TLS_KEY_FILE is set but TLS_CERT_FILE is not: set both to serve HTTPS, or neither');
  return { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) };
}

/** The server would send customer data in clear where a network could read it. */
export class InsecureTransportError extends Error {
  override name = 'InsecureTransportError';
}

/** 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and the name localhost: traffic that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const address = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (address === 'localhost' || address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/**
 * Seed 003 四(三)1, TLS in transit: in production the server refuses to listen on an address
 * other machines reach without TLS, unless a proxy in front terminates it (TRUSTED_TLS_PROXY).
 */
export function assertTransportSecurity(config: AppConfig): void {
  if (config.nodeEnv !== 'production' || config.tls || config.trustedTlsProxy || isLoopbackHost(config.host)) return;
  throw new InsecureTransportError(
    `refusing to serve customer data over plain HTTP on ${config.host || '(all interfaces)'}: set TLS_CERT_FILE and TLS_KEY_FILE, or TRUSTED_TLS_PROXY=true when a proxy terminates TLS`,
  );
}

/** A scrape token shorter than this is guessable; METRICS_TOKEN is a secret of its own, never an API token. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

/** METRICS and METRICS_TOKEN: in production, metrics on means a token is set (no open /metrics). */
function metricsFromEnv(env: NodeJS.ProcessEnv, nodeEnv: string): AppConfig['metrics'] {
  const enabled = boolFromEnv(env, 'METRICS', false);
  const token = optional(env, 'METRICS_TOKEN');
  if (token !== undefined && token.length < MIN_METRICS_TOKEN_LENGTH) throw new Error(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`);
  if (enabled && !token && nodeEnv === 'production') throw new Error('METRICS=true needs METRICS_TOKEN in production (e.g. openssl rand -hex 32)');
  return { enabled, token };
}

/** DEMO_SIGN_IN: see AppConfig.demoSignIn. */
function demoSignInFromEnv(env: NodeJS.ProcessEnv): boolean {
  const explicit = env.DEMO_SIGN_IN === undefined || env.DEMO_SIGN_IN === '' ? undefined : boolFromEnv(env, 'DEMO_SIGN_IN', false);
  const production = env.NODE_ENV === 'production';
  if (explicit === true && production) throw new Error('DEMO_SIGN_IN=true is refused with NODE_ENV=production: it hands out tokens to anyone who reaches the server');
  if (explicit === true && optional(env, 'AUTH_JWKS_URL')) throw new Error('DEMO_SIGN_IN=true cannot work with AUTH_JWKS_URL: tokens come from the identity provider');
  if (explicit !== undefined) return explicit;
  // Automatically only where nobody else reaches it: the embedded demo database, on a loopback address.
  return !production && !optional(env, 'DATABASE_URL') && !optional(env, 'AUTH_JWKS_URL') && boolFromEnv(env, 'GRAPHIQL', true) && isLoopbackHost(env.HOST ?? '127.0.0.1');
}

/** PIPL art. 56: records of personal-information processing are kept at least three years. */
export const MIN_RETENTION_MONTHS = 36;
/** Default five years, the record-keeping period banks apply to customer and transaction records (AML Law). */
export const DEFAULT_RETENTION_MONTHS = 60;

/** Where the keys of the sealed fields are kept by default: `$DATA_DIR/keys/`. */
export function keyFilesIn(dataDir: string): { kekFile: string; blindIndexKeyFile: string } {
  return { kekFile: path.join(dataDir, 'keys', 'kek.json'), blindIndexKeyFile: path.join(dataDir, 'keys', 'blind-index-key') };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = env.NODE_ENV ?? 'production';
  const dataDir = path.resolve(env.DATA_DIR ?? '.data');
  return {
    nodeEnv,
    isDevelopment: nodeEnv === 'development',
    host: env.HOST ?? '127.0.0.1',
    port: intFromEnv(env, 'PORT', 4000),
    tls: tlsFromEnv(env),
    trustedTlsProxy: boolFromEnv(env, 'TRUSTED_TLS_PROXY', false),
    dataDir,
    databaseUrl: optional(env, 'DATABASE_URL'),
    redisUrl: optional(env, 'REDIS_URL'),
    dbPoolMax: intFromEnv(env, 'DB_POOL_MAX', 10, 1),
    statementTimeoutMs: intFromEnv(env, 'STATEMENT_TIMEOUT_MS', 10_000, 100),
    poolWaitMs: intFromEnv(env, 'DB_POOL_WAIT_MS', 10_000, 100),
    seedCustomers: intFromEnv(env, 'SEED_CUSTOMERS', 2000),
    workers: intFromEnv(env, 'WORKERS', 1, 1),
    graphiql: boolFromEnv(env, 'GRAPHIQL', true),
    demoSignIn: demoSignInFromEnv(env),
    introspection: boolFromEnv(env, 'INTROSPECTION', true),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    consentBackdateDays: intFromEnv(env, 'CONSENT_BACKDATE_DAYS', 7),
    complaints: {
      smtpUrl: optional(env, 'SMTP_URL'),
      mailFrom: env.MAIL_FROM ?? 'complaints@localhost',
      smsGatewayUrl: optional(env, 'SMS_GATEWAY_URL'),
      smsGatewayToken: optional(env, 'SMS_GATEWAY_TOKEN'),
      jobsSeconds: intFromEnv(env, 'COMPLAINT_JOBS_SECONDS', 60),
    },
    metrics: metricsFromEnv(env, nodeEnv),
    audit: {
      signingKeyFile: path.resolve(env.AUDIT_SIGNING_KEY_FILE ?? path.join(dataDir, 'audit-signing-key.pem')),
      verifyKeyFile: optional(env, 'AUDIT_VERIFY_KEY_FILE'),
      valueKeyFile: path.resolve(env.AUDIT_VALUE_KEY_FILE ?? path.join(dataDir, 'audit-value-key')),
      checkpointFile: path.resolve(env.AUDIT_CHECKPOINT_FILE ?? path.join(dataDir, 'audit-checkpoints.ndjson')),
      checkpointSeconds: intFromEnv(env, 'AUDIT_CHECKPOINT_SECONDS', 60),
      retentionMonths: intFromEnv(env, 'AUDIT_RETENTION_MONTHS', DEFAULT_RETENTION_MONTHS, MIN_RETENTION_MONTHS),
    },
    keys: {
      kekFile: path.resolve(env.KEK_FILE ?? keyFilesIn(dataDir).kekFile),
      blindIndexKeyFile: path.resolve(env.BLIND_INDEX_KEY_FILE ?? keyFilesIn(dataDir).blindIndexKeyFile),
    },
    alerts: {
      intervalSeconds: intFromEnv(env, 'ALERTS_INTERVAL_SECONDS', 300),
      deliverySeconds: intFromEnv(env, 'ALERT_DELIVERY_SECONDS', 10),
      webhookUrl: optional(env, 'ALERT_WEBHOOK_URL'),
      webhookSecret: optional(env, 'ALERT_WEBHOOK_SECRET'),
    },
    auth: {
      secret: optional(env, 'AUTH_SECRET'),
      jwksUrl: optional(env, 'AUTH_JWKS_URL'),
      issuer: optional(env, 'AUTH_ISSUER'),
      audience: optional(env, 'AUTH_AUDIENCE'),
    },
  };
}
