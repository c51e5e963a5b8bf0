/** Shared plumbing of the CLIs: config, a stderr logger, the database, exit codes. */
import 'reflect-metadata';
import type { Pool } from 'pg';
import { loadConfig, type AppConfig } from '../config';
import { locateDatabase } from '../db/database';
import { createPool } from '../db/pool';
import type { Logger } from '../logger';
import pino from 'pino';

export interface CliContext {
  config: AppConfig;
  log: Logger;
}

/** Runs a CLI body; logs go to stderr so stdout stays the command's output. */
export function runCli(body: (ctx: CliContext) => Promise<void>): void {
  const config = loadConfig();
  const log: Logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined }, pino.destination(2));
  body({ config, log }).then(
    // Exit once stdout has taken everything written to it (a pipe may still hold the tail).
    () => process.stdout.write('', () => process.exit(0)),
    (error: unknown) => {
      log.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}

/** Opens the database (attaching to or starting embedded PostgreSQL), runs `work`, closes it. */
export async function withDatabase<T>(ctx: CliContext, work: (url: string, pool: Pool) => Promise<T>): Promise<T> {
  const database = await locateDatabase(ctx.config, ctx.log);
  const pool = createPool(database.url, 4);
  try {
    return await work(database.url, pool);
  } finally {
    await pool.end();
    await database.stop();
  }
}
