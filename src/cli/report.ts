/**
 * `npm run report -- complaints --month YYYY-MM [--out FILE]`: the monthly complaint report
 * (seed 002 篇四 第二十七条) as one self-contained HTML file with inline SVG charts; the default file
 * is complaints-report-YYYY-MM.html in the current directory. Prints the path and the chart count.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrateUp } from '../db/migrate';
import { buildComplaintReport, isReportMonth } from '../../schema/statistics/complaint-report';
import { print } from './operator-context';
import { runCli, withDatabase } from './run-cli';

runCli(async (cli) => {
  const { positionals, values } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { month: { type: 'string' }, out: { type: 'string' } } });
  if (positionals[0] !== 'complaints' || !values.month) throw new Error('usage: npm run report -- complaints --month YYYY-MM [--out FILE]');
  if (!isReportMonth(values.month)) throw new Error('--month must be YYYY-MM');
  const month = values.month;
  const out = path.resolve(values.out ?? `complaints-report-${month}.html`);
  await withDatabase(cli, async (url, pool) => {
    await migrateUp(url);
    const report = await buildComplaintReport({ rows: async (text, params) => (await pool.query(text, params)).rows }, month, new Date());
    writeFileSync(out, report.html);
    print({ file: out, month, charts: report.charts });
  });
});
