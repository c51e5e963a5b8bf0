/**
 * The monthly complaint report (issue 17 item 5; seed 002 篇四 第二十七条: 每月初10日内填报投诉统计表):
 * one self-contained HTML page — volume by category and channel, time to close, SLA breaches,
 * satisfaction — with charts drawn by Apache ECharts on the server to inline SVG, so nothing is
 * fetched when it is viewed. Built from the same suppressed aggregates as complaintStatistics:
 * a cell under k customers is not drawn.
 */
import * as echarts from 'echarts';
import type { SqlRunner } from '../../src/db/pool';
import { computeComplaintStatistics } from './statistics.service';
import type { ComplaintStatistics, ComplaintStatisticsCell } from './statistics.types';

const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The month's bounds in China time; throws on anything but YYYY-MM. */
export function monthBounds(month: string): { from: Date; to: Date } {
  const match = MONTH_PATTERN.exec(month);
  if (!match) throw new RangeError('month must be YYYY-MM');
  const [year, m] = [Number(match[1]), Number(match[2])];
  // 00:00 in China (UTC+8) is 16:00 UTC the day before.
  return { from: new Date(Date.UTC(year, m - 1, 1) - 8 * 3_600_000), to: new Date(Date.UTC(year, m, 1) - 8 * 3_600_000) };
}

export function isReportMonth(month: string): boolean {
  return MONTH_PATTERN.test(month);
}

const WIDTH = 640;
const HEIGHT = 320;

/** One chart as an SVG string (ECharts' server-side renderer; no animation, no DOM). */
function svgChart(option: echarts.EChartsCoreOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif' }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function bar(title: string, labels: string[], series: { name: string; data: (number | null)[] }[], unit = ''): string {
  return svgChart({
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: series.length > 1 ? { bottom: 0 } : undefined,
    grid: { left: 60, right: 20, top: 40, bottom: series.length > 1 ? 70 : 50 },
    xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, rotate: labels.length > 4 ? 30 : 0, fontSize: 10 } },
    yAxis: { type: 'value', name: unit },
    series: series.map((s) => ({ type: 'bar', name: s.name, data: s.data, label: { show: true, position: 'top', fontSize: 10 } })),
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const label = (cell: ComplaintStatisticsCell, key: 'category' | 'channel') => cell[key] ?? '—';
const fmt = (n: number | null, digits = 1) => (n === null ? '—' : n.toFixed(digits));

function section(title: string, stats: ComplaintStatistics, chart: string | null): string {
  const note = stats.suppressedCells ? `<p class="note">${stats.suppressedCells} cell(s) with fewer than ${stats.k} customers are not shown.</p>` : '';
  return `<section><h2>${escapeHtml(title)}</h2>${chart ? `<figure class="chart">${chart}</figure>` : `<p class="note">Nothing to draw: every cell has fewer than ${stats.k} customers.</p>`}${note}</section>`;
}

export interface ComplaintReport {
  month: string;
  html: string;
  charts: number;
}

/** Builds the report for `month` (YYYY-MM, China time) as of `now`. */
export async function buildComplaintReport(db: SqlRunner, month: string, now: Date): Promise<ComplaintReport> {
  const { from, to } = monthBounds(month);
  const [total, byCategory, byChannel] = await Promise.all([
    computeComplaintStatistics(db, now, from, to, []),
    computeComplaintStatistics(db, now, from, to, ['CATEGORY']),
    computeComplaintStatistics(db, now, from, to, ['CHANNEL']),
  ]);
  const all = total.cells[0] ?? null;
  const categories = byCategory.cells;
  const charts: (string | null)[] = [
    categories.length ? bar('Complaints by category', categories.map((c) => label(c, 'category')), [{ name: 'complaints', data: categories.map((c) => c.complaints) }]) : null,
    byChannel.cells.length ? bar('Complaints by channel', byChannel.cells.map((c) => label(c, 'channel')), [{ name: 'complaints', data: byChannel.cells.map((c) => c.complaints) }]) : null,
    categories.length
      ? bar('Time to close by category (hours)', categories.map((c) => label(c, 'category')), [
          { name: 'median', data: categories.map((c) => c.medianHoursToClose) },
          { name: '90th percentile', data: categories.map((c) => c.p90HoursToClose) },
        ], 'hours')
      : null,
    categories.length
      ? bar('SLA breaches (not closed within 7 days) by category', categories.map((c) => label(c, 'category')), [
          { name: 'breaches', data: categories.map((c) => c.slaBreaches) },
          { name: 'delays explained', data: categories.map((c) => c.delaysExplained) },
        ])
      : null,
    all ? bar('Follow-up satisfaction (answers per score)', ['1', '2', '3', '4', '5'], [{ name: 'answers', data: all.satisfaction }]) : null,
  ];
  const summary = all
    ? `<table><tr><th>Complaints</th><th>Customers</th><th>Closed</th><th>Median hours to close</th><th>90th percentile</th><th>SLA breaches</th><th>Delays explained</th><th>Satisfaction (mean of ${all.satisfaction.reduce((a, b) => a + b, 0)} answers)</th></tr>
       <tr><td>${all.complaints}</td><td>${all.customers}</td><td>${all.closed}</td><td>${fmt(all.medianHoursToClose)}</td><td>${fmt(all.p90HoursToClose)}</td><td>${all.slaBreaches}</td><td>${all.delaysExplained}</td><td>${fmt(all.satisfactionMean, 2)}</td></tr></table>`
    : `<p class="note">Fewer than ${total.k} customers complained this month: no figures are published.</p>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Complaints ${escapeHtml(month)}</title>
<style>body{font-family:sans-serif;margin:2rem;max-width:760px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3rem .5rem;font-size:.85rem}.note{color:#666;font-size:.85rem}figure.chart{margin:0}</style>
</head><body>
<h1>Complaint statistics, ${escapeHtml(month)}</h1>
<p class="note">Complaints received ${from.toISOString()} – ${to.toISOString()} (China time month), as of ${now.toISOString()}. Seed 002 篇四 第二十七条. Cells with fewer than ${total.k} distinct customers are suppressed.</p>
${summary}
${section('Volume by category', byCategory, charts[0])}
${section('Volume by channel', byChannel, charts[1])}
${section('Time to close', byCategory, charts[2])}
${section('SLA breaches', byCategory, charts[3])}
${section('Satisfaction', total, charts[4])}
</body></html>
`;
  return { month, html, charts: charts.filter((c) => c !== null).length };
}
