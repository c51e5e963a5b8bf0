/**
 * Peer for the benchmarks: PostGraphile v5 (Amber preset) serving the `public` schema of DATABASE_URL.
 *
 * Run with Node >= 22:  npx -y -p node@22 node bench/peer/postgraphile.mjs
 * Env: DATABASE_URL (required), PORT (0 = any free port), DB_POOL_MAX (default 10, as our server).
 * Prints one JSON line {"url":"http://127.0.0.1:<port>"} once listening; GraphQL is at <url>/graphql.
 * Exits on SIGTERM/SIGINT after closing the HTTP server and the pool, and also when the `npx` that
 * started it goes away (npm does not pass a SIGTERM/SIGKILL of npx on to this process).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  // `npx -p node@22` silently falls back to the system node when install scripts are off.
  console.error(`postgraphile peer: needs Node >= 22, running ${process.version} (is npm ignore-scripts set?)`);
  process.exit(1);
}
const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  console.error('postgraphile peer: DATABASE_URL is required');
  process.exit(1);
}
// Grafast reads this when first loaded: production mode, and no warning about it being unset.
process.env.GRAPHILE_ENV ??= 'production';

const { postgraphile } = await import('postgraphile');
const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
const { makePgService } = await import('postgraphile/adaptors/pg');
const { grafserv } = await import('postgraphile/grafserv/node');

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ['public'],
      poolConfig: { max: Number(process.env.DB_POOL_MAX ?? 10) },
    }),
  ],
  schema: {
    // Read-only: no mutations (the compared queries only read), so neither the audit tables
    // nor audit_ensure_partitions() can be written or called over HTTP.
    defaultBehavior: '-insert -update -delete -mutationField',
  },
  grafserv: {
    graphqlPath: '/graphql',
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    watch: false,
    websockets: false,
  },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
// Build the schema before announcing the URL, so the first request does not pay for introspection.
await pgl.getSchema();

const port = Number(process.env.PORT ?? 0);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }) + '\n');
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 5000).unref();
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(() => resolve()));
  await pgl.release();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Under `npx`, a signal sent to npx ends npm (and, for SIGTERM, its `sh -c`) but not this process:
// stop as soon as our parent, or the `sh -c` that npm put between us, loses its own parent.
const parentOf = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
};
const links = [[process.pid, process.ppid]];
if (existsSync('/proc/self/stat') && readFileSync(`/proc/${process.ppid}/comm`, 'utf8').trim() === 'sh') {
  links.push([process.ppid, parentOf(process.ppid)]);
}
setInterval(() => {
  if (process.ppid !== links[0][1] || links.slice(1).some(([pid, ppid]) => parentOf(pid) !== ppid)) stop();
}, 250).unref();
