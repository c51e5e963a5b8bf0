/**
 * The server the benchmark measures: the same start-up as `npm start`, with one bench-only
 * switch — `--no-shield` leaves the graphql-shield layer out (masking stays) to measure its cost.
 * Not reachable from `npm start` or any environment variable.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startServer } from '../src/main';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const server = await startServer(config, log, { shield: !process.argv.includes('--no-shield') });
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
