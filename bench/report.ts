/** The benchmark's results as data and as the Markdown table the README carries. */
import type { LoadFigures } from './load';

export interface BenchRow extends LoadFigures {
  scenario: string;
  target: string;
  /** requests/s of every round (the row's figures are the median round's). */
  rounds?: number[];
}

export interface BenchResults {
  date: string;
  command: string;
  machine: { cpus: number; model: string; memoryGB: number; node: string };
  data: { customers: number; transactions: number };
  connections: number;
  durationSeconds: number;
  rounds: number;
  seconds: number;
  scenarios: { id: string; title: string }[];
  rows: BenchRow[];
  skipped: { target: string; reason: string }[];
}

/** served / other for one scenario, when both ran. */
export function ratio(results: Pick<BenchResults, 'rows'>, scenario: string, other: string, target = 'served'): number | null {
  const a = results.rows.find((r) => r.scenario === scenario && r.target === target);
  const b = results.rows.find((r) => r.scenario === scenario && r.target === other);
  return a && b && b.requestsPerSecond > 0 ? Number((a.requestsPerSecond / b.requestsPerSecond).toFixed(2)) : null;
}

const cell = (v: number | null | undefined, unit = '') => (v === null || v === undefined ? '—' : `${v}${unit}`);

export function markdownReport(results: BenchResults): string {
  const out: string[] = [];
  out.push(
    `${results.date.slice(0, 10)} · ${results.machine.cpus} cores (${results.machine.model}), Node ${results.machine.node} · ` +
      `${results.data.customers} customers, ${results.data.transactions} transactions · autocannon -c ${results.connections} -d ${results.durationSeconds}, median of ${results.rounds} round(s) · \`${results.command}\``,
    '',
  );
  for (const s of results.scenarios) out.push(`- **${s.id}** ${s.title}`);
  out.push('', '| scenario | target | req/s | (rounds) | p50 ms | p99 ms | SQL / request | RSS MB | wrong / non-2xx / errors |', '|---|---|---:|---|---:|---:|---:|---:|---|');
  for (const r of results.rows) {
    out.push(`| ${r.scenario} | ${r.target} | ${r.requestsPerSecond} | ${r.rounds?.join(', ') ?? ''} | ${r.latencyP50ms} | ${r.latencyP99ms} | ${cell(r.sqlPerRequest)} | ${cell(r.rssMB)} | ${r.wrong} / ${r.non2xx} / ${r.errors} |`);
  }
  const scenarios = [...new Set(results.rows.map((r) => r.scenario))];
  out.push('', '| scenario | served ÷ policy off | served ÷ PostGraphile | served ÷ limit | served ÷ floor | WORKERS=2 ÷ served | JIT ÷ graphql-js |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const s of scenarios) {
    const workers = ratio(results, s, 'served', 'workers-2');
    out.push(`| ${s} | ${cell(ratio(results, s, 'policy-off'))} | ${cell(ratio(results, s, 'postgraphile'))} | ${cell(ratio(results, s, 'limit'))} | ${cell(ratio(results, s, 'floor'))} | ${cell(workers)} | ${cell(ratio(results, s, 'graphql-js'))} |`);
  }
  for (const s of results.skipped) out.push('', `${s.target} not measured: ${s.reason}`);
  return out.join('\n') + '\n';
}
