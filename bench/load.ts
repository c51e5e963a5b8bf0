/**
 * Drives one scenario against one server with autocannon and measures what the issue asks:
 * requests/s, p50/p99, wrong answers, SQL statements per request (from the server's own
 * operation log) and the server's memory (all its processes); and the floor — the same rows
 * straight through pg — with the same number of concurrent clients.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { runLimit } from './limit';
import type { Limit, Prepared } from './scenarios';

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  /** Requests per second across all connections (autocannon overallRate); unset: as fast as it goes. */
  rate?: number;
}

export interface LoadFigures {
  requestsPerSecond: number;
  latencyP50ms: number;
  latencyP99ms: number;
  requests: number;
  wrong: number;
  non2xx: number;
  errors: number;
  sqlPerRequest: number | null;
  rssMB: number | null;
}

/** Resident memory of a process and its children (cluster workers), in MB. */
function treeRssMB(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(child));
    } catch {
      // gone meanwhile
    }
  };
  visit(pid);
  return kb / 1024;
}

/** Mean `sql` of the server's "graphql operation" log lines in `log`. */
export function sqlPerRequest(log: string): number | null {
  let sum = 0;
  let n = 0;
  for (const line of log.split('\n')) {
    if (!line.includes('"graphql operation"')) continue;
    const match = /"sql":(\d+)/.exec(line);
    if (match) {
      sum += Number(match[1]);
      n += 1;
    }
  }
  return n ? Number((sum / n).toFixed(2)) : null;
}

export async function drive(url: string, prepared: Prepared, options: LoadOptions & { policy: boolean }, server?: { pid: number; output(): string }): Promise<LoadFigures> {
  let next = 0;
  let wrong = 0;
  let rss = 0;
  const logStart = server?.output().length ?? 0;
  const sampler = server ? setInterval(() => (rss = Math.max(rss, treeRssMB(server.pid))), 500) : undefined;
  try {
    const result = await autocannon({
      url,
      method: 'POST',
      connections: options.connections,
      duration: options.durationSeconds,
      ...(options.rate ? { overallRate: options.rate } : {}),
      requests: [
        {
          setupRequest: (request) => {
            const shot = prepared.shots[next++ % prepared.shots.length];
            return {
              ...request,
              body: shot.body,
              headers: { ...request.headers, 'content-type': 'application/json', ...(shot.token ? { authorization: `Bearer ${shot.token}` } : {}) },
            };
          },
        },
      ],
      setupClient: (client) => {
        // A body can arrive in several chunks: check it once complete.
        let chunks: Buffer[] = [];
        client.on('headers', () => (chunks = []));
        client.on('body', (chunk: Buffer) => chunks.push(chunk));
        client.on('response', () => {
          try {
            if (!prepared.check(JSON.parse(Buffer.concat(chunks).toString('utf8')), options.policy)) wrong++;
          } catch {
            wrong++;
          }
        });
      },
    });
    return {
      requestsPerSecond: Number((result.requests.total / options.durationSeconds).toFixed(1)),
      latencyP50ms: result.latency.p50,
      latencyP99ms: result.latency.p99,
      requests: result.requests.total,
      wrong,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      sqlPerRequest: server ? sqlPerRequest(server.output().slice(logStart)) : null,
      rssMB: server ? Number(rss.toFixed(1)) : null,
    };
  } finally {
    if (sampler) clearInterval(sampler);
  }
}

/** The floor: `connections` clients running the scenario's SQL back to back for the duration. */
export async function driveFloor(databaseUrl: string, run: (client: import('pg').PoolClient, i: number) => Promise<void>, options: LoadOptions, statements: number): Promise<LoadFigures> {
  const pool = new Pool({ connectionString: databaseUrl, max: options.connections });
  const latencies: number[] = [];
  const end = Date.now() + options.durationSeconds * 1000;
  let i = 0;
  try {
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        const client = await pool.connect();
        try {
          while (Date.now() < end) {
            const started = process.hrtime.bigint();
            await run(client, i++);
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          }
        } finally {
          client.release();
        }
      }),
    );
  } finally {
    await pool.end();
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1));
  return {
    requestsPerSecond: Number((latencies.length / options.durationSeconds).toFixed(1)),
    latencyP50ms: at(0.5),
    latencyP99ms: at(0.99),
    requests: latencies.length,
    wrong: 0,
    non2xx: 0,
    errors: 0,
    sqlPerRequest: statements,
    rssMB: null,
  };
}

/**
 * The limit: `connections` clients running the scenario's one JSON statement back to back; each
 * answer is parsed and checked like a server's.
 */
export async function driveLimit(databaseUrl: string, limit: Limit, options: LoadOptions): Promise<LoadFigures> {
  let wrong = 0;
  const figures = await driveFloor(
    databaseUrl,
    async (client) => {
      try {
        if (!limit.check(JSON.parse(await runLimit(client, limit.statement)))) wrong++;
      } catch {
        wrong++;
      }
    },
    options,
    1,
  );
  return { ...figures, wrong };
}

/**
 * An open-loop load at a steady rate: request i is sent at start + i/rate whatever the earlier
 * ones are doing, and its latency counts from that moment (queueing included). autocannon's
 * overallRate releases each second's requests at once at the top of the second, which measures
 * its own bursts rather than the server at that rate.
 */
export async function drivePaced(url: string, prepared: Prepared, options: LoadOptions & { rate: number; policy: boolean }, server?: { pid: number; output(): string }): Promise<LoadFigures> {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(url);
  const total = Math.floor(options.rate * options.durationSeconds);
  const latencies: number[] = [];
  let wrong = 0;
  let non2xx = 0;
  let errors = 0;
  let rss = 0;
  const logStart = server?.output().length ?? 0;
  const sampler = server ? setInterval(() => (rss = Math.max(rss, treeRssMB(server.pid))), 500) : undefined;
  const send = (i: number, scheduled: number) =>
    new Promise<void>((resolve) => {
      const shot = prepared.shots[i % prepared.shots.length];
      const request = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', ...(shot.token ? { authorization: `Bearer ${shot.token}` } : {}) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            latencies.push(performance.now() - scheduled);
            if ((response.statusCode ?? 0) >= 300) non2xx++;
            try {
              if (!prepared.check(JSON.parse(Buffer.concat(chunks).toString('utf8')), options.policy)) wrong++;
            } catch {
              wrong++;
            }
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(shot.body);
    });
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const scheduled = start + (i * 1000) / options.rate;
      const wait = scheduled - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(send(i, scheduled));
    }
    await Promise.all(inFlight);
  } finally {
    if (sampler) clearInterval(sampler);
    agent.destroy();
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1));
  return {
    requestsPerSecond: Number((latencies.length / ((performance.now() - start) / 1000)).toFixed(1)),
    latencyP50ms: at(0.5),
    latencyP99ms: at(0.99),
    requests: latencies.length,
    wrong,
    non2xx,
    errors,
    sqlPerRequest: server ? sqlPerRequest(server.output().slice(logStart)) : null,
    rssMB: server ? Number(rss.toFixed(1)) : null,
  };
}
