/** Every setting the server and CLIs read from the environment, parsed once. */
import path from 'node:path';

export interface AppConfig {
  nodeEnv: string;
  /** Stack traces and detailed errors only here (NODE_ENV=development). */
  isDevelopment: boolean;
  host: string;
  port: number;
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
  /** Answer introspection (INTROSPECTION=false to refuse it); it always needs a valid token. */
  introspection: boolean;
  logLevel: string;
  /** Days a consent's grantedAt may lie in the past when it is recorded (paper forms reach us late, not months late). */
  consentBackdateDays: number;
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
    dataDir,
    databaseUrl: optional(env, 'DATABASE_URL'),
    redisUrl: optional(env, 'REDIS_URL'),
    dbPoolMax: intFromEnv(env, 'DB_POOL_MAX', 10, 1),
    statementTimeoutMs: intFromEnv(env, 'STATEMENT_TIMEOUT_MS', 10_000, 100),
    poolWaitMs: intFromEnv(env, 'DB_POOL_WAIT_MS', 10_000, 100),
    seedCustomers: intFromEnv(env, 'SEED_CUSTOMERS', 2000),
    workers: intFromEnv(env, 'WORKERS', 1, 1),
    graphiql: boolFromEnv(env, 'GRAPHIQL', true),
    introspection: boolFromEnv(env, 'INTROSPECTION', true),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    consentBackdateDays: intFromEnv(env, 'CONSENT_BACKDATE_DAYS', 7),
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
    auth: {
      secret: optional(env, 'AUTH_SECRET'),
      jwksUrl: optional(env, 'AUTH_JWKS_URL'),
      issuer: optional(env, 'AUTH_ISSUER'),
      audience: optional(env, 'AUTH_AUDIENCE'),
    },
  };
}
