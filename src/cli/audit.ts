/**
 * The audit register's command line (compliance officers and operators):
 *   npm run audit:verify                      recompute the chains, check checkpoints (exit 1 on a broken link)
 *   npm run audit:checkpoint                  sign the current chain heads now
 *   npm run audit:report -- [--from D] [--to D]   clear values viewed per principal per day, anomalies flagged
 *   npm run audit:export -- --from D --to D [--stream access|change] [--format ndjson|csv] [--out FILE]
 *   npm run audit:maintain                    create the coming months' partitions, drop access partitions past retention
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkpointHeads } from '../audit/checkpoints';
import { exportRegister } from '../audit/export';
import { loadSigningKey, loadVerifyKeys } from '../audit/keys';
import { applyRetention } from '../audit/retention';
import { accessReport, defaultReportRange } from '../audit/report';
import { verifyRegister } from '../audit/verify';
import { migrateUp } from '../db/migrate';
import { runCli, withDatabase } from './run-cli';

function dateOption(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`--${name} must be a date or time (ISO 8601), e.g. 2026-11-01`);
  return date;
}

runCli(async (ctx) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      stream: { type: 'string', default: 'access' },
      format: { type: 'string', default: 'ndjson' },
      out: { type: 'string' },
    },
  });
  const command = positionals[0];
  await withDatabase(ctx, async (url, pool) => {
    // Verification, reports and exports only read; only maintenance may change the schema.
    if (command === 'maintain') await migrateUp(url);
    switch (command) {
      case 'verify': {
        const report = await verifyRegister(pool, loadVerifyKeys(ctx.config), ctx.config.audit.checkpointFile);
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        if (!report.ok) {
          const broken = report.streams.find((s) => s.broken);
          throw new Error(broken ? `audit register broken: ${broken.stream} seq ${broken.broken!.seq}: ${broken.broken!.problem}` : `audit register checkpoints invalid: ${report.checkpointProblems[0]}`);
        }
        ctx.log.info({ records: report.streams.map((s) => `${s.stream}:${s.records}`) }, 'audit register verified');
        return;
      }
      case 'checkpoint': {
        const made = await checkpointHeads(pool, loadSigningKey(ctx.config), ctx.config.audit.checkpointFile);
        process.stdout.write(`${JSON.stringify(made)}\n`);
        return;
      }
      case 'report': {
        const range = defaultReportRange();
        const rows = await accessReport({ rows: async (text, params) => (await pool.query(text, params)).rows }, { from: dateOption('from', values.from) ?? range.from, to: dateOption('to', values.to) ?? range.to });
        for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
        return;
      }
      case 'export': {
        const from = dateOption('from', values.from);
        const to = dateOption('to', values.to);
        if (!from || !to) throw new Error('--from and --to are required');
        if (values.stream !== 'access' && values.stream !== 'change') throw new Error('--stream must be access or change');
        if (values.format !== 'ndjson' && values.format !== 'csv') throw new Error('--format must be ndjson or csv');
        const out = values.out ? createWriteStream(values.out) : process.stdout;
        const count = await exportRegister(pool, { stream: values.stream, from, to, format: values.format }, out);
        if (values.out) await new Promise<void>((resolve) => out.end(resolve));
        ctx.log.info({ records: count, stream: values.stream }, 'exported');
        return;
      }
      case 'maintain': {
        const result = await applyRetention(pool, ctx.config.audit.retentionMonths, loadSigningKey(ctx.config), ctx.config.audit.checkpointFile);
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      default:
        throw new Error('usage: audit <verify|checkpoint|report|export|maintain> (see src/cli/audit.ts)');
    }
  });
});
