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
  dbPoolMax: number;
  seedCustomers: number;
  logLevel: string;
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

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = env.NODE_ENV ?? 'production';
  return {
    nodeEnv,
    isDevelopment: nodeEnv === 'development',
    host: env.HOST ?? '127.0.0.1',
    port: intFromEnv(env, 'PORT', 4000),
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    databaseUrl: optional(env, 'DATABASE_URL'),
    dbPoolMax: intFromEnv(env, 'DB_POOL_MAX', 10, 1),
    seedCustomers: intFromEnv(env, 'SEED_CUSTOMERS', 2000),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    auth: {
      secret: optional(env, 'AUTH_SECRET'),
      jwksUrl: optional(env, 'AUTH_JWKS_URL'),
      issuer: optional(env, 'AUTH_ISSUER'),
      audience: optional(env, 'AUTH_AUDIENCE'),
    },
  };
}
