/**
 * `npm run bench` — the scenarios of bench/scenarios.ts (S1 one customer, S2 a 100-customer
 * page with contacts and transactions as three roles, S3 1,000 flat rows, S4 a write) against,
 * in the same run so the machine's noise cancels:
 *   served      the compiled server in production mode, everything a real request pays
 *   policy-off  the same server with the policy switched off (bench/server.ts --no-policy)
 *   graphql-js  as served, executed by graphql-js instead of the JIT compiler (full run only)
 *   workers-2   as served with WORKERS=2 (full run only)
 *   postgraphile PostGraphile v5, Amber preset, one process, same database (S1–S3)
 *   floor       the same rows straight through pg, same concurrency (S1–S3)
 *   limit       one hand-written statement building the whole response JSON in PostgreSQL, masks
 *               as SQL (bench/limit.ts; S2 manager/sales, S3): what the read compiler aims at
 * plus S2 (sales) as served at half its maximum rate, paced evenly (open loop), for the p99 there.
 *
 * Targets take turns within each scenario, and everything is repeated (--rounds, 3): the
 * median round is reported, every round's requests/s kept in the JSON.
 *
 * Options: --quick (2,000 customers, one round of 3 s, served/policy-off/postgraphile/floor/limit only)
 *          --customers N (10000) --connections C (10) --duration S (10) --warmup S (2) --rounds R (3)
 *          --targets a,b (default all for the mode) --scenarios S1,S2-sales,… (default all)
 *          --out FILE (default bench/results/<date>[-quick].json; a .md table beside it)
 *          --data-dir DIR (.data/bench; DATABASE_URL overrides it)
 *          --profile DIR (the served server writes a V8 CPU profile there: bench/profile-summary.ts reads it)
 * Exit 1 when any response of any run was wrong, not 2xx or failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { keyFilesIn, loadConfig } from '../src/config';
import { loadKeyring } from '../src/crypto/keyring';
import { locateDatabase } from '../src/db/database';
import { createLogger } from '../src/logger';
import { projectRoot } from '../src/project-root';
import { ensureData, node22, spawnPeer, spawnServer, stopServer, type SpawnedServer } from './harness';
import { drive, driveFloor, driveLimit, drivePaced, type LoadFigures, type LoadOptions } from './load';
import { markdownReport, type BenchRow, type BenchResults } from './report';
import { SCENARIOS, type Floor, type Prepared, type Scenario } from './scenarios';

interface Target {
  name: string;
  label: string;
  /** Starts what the target measures; null for the floor (no server). */
  start?(databaseUrl: string, dataDir: string): Promise<SpawnedServer>;
  /** Scenarios it answers (default: all). */
  scenarios?: string[];
}

const READS = ['S1', 'S2-manager', 'S2-sales', 'S2-analyst', 'S3'];

/** `profileDir`: the served server writes a V8 CPU profile there when it stops (--profile). */
function targets(profileDir?: string): Target[] {
  let nodeBinary: Promise<string> | undefined;
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return [
    { name: 'served', label: 'as served (policy, budgets, access register; JIT)', start: (url, dir) => spawnServer(url, dir, [], {}, profiling) },
    { name: 'policy-off', label: 'policy switched off (bench-only switch)', start: (url, dir) => spawnServer(url, dir, ['--no-policy']) },
    { name: 'graphql-js', label: 'as served, graphql-js executor', start: (url, dir) => spawnServer(url, dir, ['--graphql-js']), scenarios: ['S2-manager', 'S3'] },
    // Only when asked for (--targets): what each layer costs.
    { name: 'no-shield', label: 'as served, graphql-shield layer left out (masking stays)', start: (url, dir) => spawnServer(url, dir, ['--no-shield']) },
    { name: 'no-register', label: 'as served, access register left out', start: (url, dir) => spawnServer(url, dir, ['--no-register']) },
    { name: 'workers-2', label: 'as served, WORKERS=2', start: (url, dir) => spawnServer(url, dir, [], { WORKERS: '2' }) },
    {
      name: 'postgraphile',
      label: 'PostGraphile v5 (Amber, one process)',
      start: async (url) => spawnPeer(url, await (nodeBinary ??= node22())),
      scenarios: READS,
    },
    { name: 'floor', label: 'floor: the same SQL through pg', scenarios: READS },
    { name: 'limit', label: 'limit: the whole response as one JSON statement in PostgreSQL', scenarios: SCENARIOS.filter((s) => s.limit).map((s) => s.id) },
  ];
}

/** A started target: its server (none for the floor) and what it was prepared with per scenario. */
interface Running {
  target: Target;
  spawned?: SpawnedServer;
  prepared: Map<string, Prepared>;
  floors: Map<string, Floor>;
}

async function startTargets(wanted: Target[], scenarios: Scenario[], databaseUrl: string, dataDir: string, skipped: BenchResults['skipped']): Promise<Running[]> {
  const config = { ...loadConfig(), dataDir };
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const nonce = Date.now().toString(36);
  const running: Running[] = [];
  try {
    for (const target of wanted) {
      const entry: Running = { target, prepared: new Map(), floors: new Map() };
      try {
        if (target.start) entry.spawned = await target.start(databaseUrl, dataDir);
      } catch (error) {
        // The peer needs node@22 from the registry: without it the rest of the bench still stands.
        if (target.name !== 'postgraphile') throw error;
        skipped.push({ target: target.name, reason: (error as Error).message.split('\n')[0] });
        console.error(`postgraphile skipped: ${skipped[skipped.length - 1].reason}`);
        continue;
      }
      running.push(entry);
      for (const scenario of scenarios) {
        if (target.scenarios && !target.scenarios.includes(scenario.id)) continue;
        if (target.name === 'limit') continue; // needs nothing prepared
        if (!entry.spawned) entry.floors.set(scenario.id, await scenario.floor!(pool));
        else entry.prepared.set(scenario.id, target.name === 'postgraphile' ? await scenario.peer!(pool) : await scenario.prepare(pool, config, `${nonce}${target.name}`));
      }
    }
  } finally {
    await pool.end();
  }
  return running;
}

/** One measurement of one scenario on one target. */
async function measure(entry: Running, scenario: Scenario, databaseUrl: string, load: LoadOptions, warmup: number): Promise<LoadFigures | null> {
  if (entry.target.name === 'limit') return scenario.limit ? driveLimit(databaseUrl, scenario.limit, load) : null;
  const floor = entry.floors.get(scenario.id);
  if (floor) return driveFloor(databaseUrl, floor.run, load, floor.statements);
  const prepared = entry.prepared.get(scenario.id);
  if (!prepared || !entry.spawned) return null;
  const url = `${entry.spawned.url}/graphql`;
  const options = { ...load, policy: entry.target.name !== 'policy-off' };
  if (warmup > 0) await drive(url, prepared, { ...options, durationSeconds: warmup });
  return drive(url, prepared, options, { pid: entry.spawned.server.pid!, output: entry.spawned.output });
}

/** The run whose requests/s is the median of the rounds (its latencies come with it). */
function medianRun(runs: LoadFigures[]): LoadFigures {
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return { ...median, wrong: sum(runs, 'wrong'), non2xx: sum(runs, 'non2xx'), errors: sum(runs, 'errors'), requests: sum(runs, 'requests') };
}

const sum = (runs: LoadFigures[], key: 'wrong' | 'non2xx' | 'errors' | 'requests') => runs.reduce((n, r) => n + r[key], 0);

/**
 * Every scenario on every target, targets taking turns within a scenario and the whole repeated
 * `rounds` times: the machine's noise (2 cores shared by servers, PostgreSQL and the load
 * generator) then falls on all targets alike. The median round is reported.
 */
async function runAll(running: Running[], scenarios: Scenario[], databaseUrl: string, load: LoadOptions, warmup: number, rounds: number): Promise<BenchRow[]> {
  const runs = new Map<string, LoadFigures[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const scenario of scenarios) {
      for (const entry of running) {
        const figures = await measure(entry, scenario, databaseUrl, load, round === 1 ? warmup : 0);
        if (!figures) continue;
        const key = `${scenario.id}|${entry.target.name}`;
        runs.set(key, [...(runs.get(key) ?? []), figures]);
        console.error(`round ${round} ${scenario.id.padEnd(11)} ${entry.target.name.padEnd(13)} ${String(figures.requestsPerSecond).padStart(8)} req/s  p50 ${figures.latencyP50ms} ms  p99 ${figures.latencyP99ms} ms  wrong ${figures.wrong}`);
      }
    }
  }
  const rows: BenchRow[] = [];
  for (const scenario of scenarios) {
    for (const entry of running) {
      const list = runs.get(`${scenario.id}|${entry.target.name}`);
      if (list) rows.push({ scenario: scenario.id, target: entry.target.name, ...medianRun(list), rounds: list.map((r) => r.requestsPerSecond) });
    }
  }
  return rows;
}

/**
 * S2 (sales) as served at half the rate it reached, paced evenly: the issue's p99 target. At
 * least 30 s outside --quick: at ~20 requests/s a 10-s run's p99 is its second-slowest request.
 */
async function halfRate(rows: BenchRow[], running: Running[], load: LoadOptions, halfRateSeconds: number): Promise<BenchRow | null> {
  const max = rows.find((r) => r.scenario === 'S2-sales' && r.target === 'served');
  const served = running.find((r) => r.target.name === 'served');
  const prepared = served?.prepared.get('S2-sales');
  if (!max || !served?.spawned || !prepared) return null;
  const rate = Math.max(1, Math.floor(max.requestsPerSecond / 2));
  const figures = await drivePaced(`${served.spawned.url}/graphql`, prepared, { ...load, durationSeconds: Math.max(load.durationSeconds, halfRateSeconds), rate, policy: true }, { pid: served.spawned.server.pid!, output: served.spawned.output });
  console.error(`S2-sales    served @${rate}/s  p50 ${figures.latencyP50ms} ms  p99 ${figures.latencyP99ms} ms`);
  return { scenario: 'S2-sales', target: `served @ ${rate} req/s (half max)`, ...figures };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      customers: { type: 'string' },
      connections: { type: 'string', default: '10' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      targets: { type: 'string' },
      scenarios: { type: 'string' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      profile: { type: 'string' },
    },
  });
  const quick = values.quick;
  const customers = Number(values.customers ?? (quick ? 2000 : 10000));
  const load: LoadOptions = { connections: Number(values.connections), durationSeconds: Number(values.duration ?? (quick ? 3 : 10)) };
  const warmup = Number(values.warmup ?? (quick ? 1 : 2));
  const rounds = Number(values.rounds ?? (quick ? 1 : 3));
  const wantedTargets = (values.targets ?? (quick ? 'served,policy-off,postgraphile,floor,limit' : 'served,policy-off,graphql-js,workers-2,postgraphile,floor,limit')).split(',');
  const all = targets(values.profile ? path.resolve(values.profile) : undefined);
  const unknown = wantedTargets.filter((t) => !all.some((a) => a.name === t));
  if (unknown.length) throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${all.map((t) => t.name).join(', ')}`);
  const scenarios = values.scenarios ? SCENARIOS.filter((s) => values.scenarios!.split(',').includes(s.id)) : SCENARIOS;

  const root = projectRoot();
  const dataDir = path.resolve(values['data-dir'] ?? path.join(root, '.data', quick ? 'bench-quick' : 'bench'));
  const config = { ...loadConfig(), dataDir };
  const database = await locateDatabase(config, createLogger('warn'));
  const started = Date.now();
  const rows: BenchRow[] = [];
  const skipped: { target: string; reason: string }[] = [];
  try {
    const seeded = await ensureData(database.url, customers, loadKeyring(keyFilesIn(dataDir)));
    const running = await startTargets(all.filter((t) => wantedTargets.includes(t.name)), scenarios, database.url, dataDir, skipped);
    try {
      rows.push(...(await runAll(running, scenarios, database.url, load, warmup, rounds)));
      const half = await halfRate(rows, running, load, quick ? 0 : 30);
      if (half) rows.push(half);
    } finally {
      for (const entry of running) if (entry.spawned) await stopServer(entry.spawned);
    }
    const results: BenchResults = {
      date: new Date().toISOString(),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      data: seeded,
      connections: load.connections,
      durationSeconds: load.durationSeconds,
      rounds,
      seconds: Math.round((Date.now() - started) / 1000),
      scenarios: scenarios.map((s) => ({ id: s.id, title: s.title })),
      rows,
      skipped,
    };
    const out = path.resolve(values.out ?? path.join(root, 'bench', 'results', `${results.date.slice(0, 10)}${quick ? '-quick' : ''}.json`));
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
    const markdown = markdownReport(results);
    writeFileSync(out.replace(/\.json$/, '') + '.md', markdown);
    console.log(markdown);
    console.error(`results: ${path.relative(process.cwd(), out)} (and .md beside it), ${results.seconds} s`);
    if (rows.some((r) => r.wrong > 0 || r.non2xx > 0 || r.errors > 0)) process.exitCode = 1;
  } finally {
    await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
