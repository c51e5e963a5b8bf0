/**
 * The server the benchmark measures: the same start-up as `npm start`, with bench-only
 * switches — `--no-policy` serves the declared schema with no policy at all (no plan, shield,
 * masking, budgets, allow-list or register: the unprotected baseline), `--no-shield` leaves the
 * graphql-shield layer out (masking stays), `--no-register` leaves the access register out,
 * `--graphql-js` executes with graphql-js instead of the JIT compiler — to measure what each costs.
 * Not reachable from `npm start` or any environment variable.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startServer } from '../src/main';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const flag = (name: string) => process.argv.includes(name);
  const server = await startServer(config, log, {
    enforcement: { shield: !flag('--no-shield') },
    accessRegister: !flag('--no-register'),
    policy: !flag('--no-policy'),
    executor: flag('--graphql-js') ? 'graphql-js' : 'jit',
  });
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
