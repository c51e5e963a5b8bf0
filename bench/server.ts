/**
 * The server the benchmark measures: the same start-up as `npm start`, with bench-only
 * switches — `--no-shield` leaves the graphql-shield layer out (masking stays), `--no-register`
 * leaves the access register out — to measure what each costs.
 * Not reachable from `npm start` or any environment variable.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startServer } from '../src/main';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const server = await startServer(config, log, {
    enforcement: { shield: !process.argv.includes('--no-shield') },
    accessRegister: !process.argv.includes('--no-register'),
  });
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
