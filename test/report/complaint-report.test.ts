/**
 * The monthly complaint report (issue 17 item 5): `npm run report -- complaints --month` writes one
 * self-contained HTML file; the server serves the same page to managers at
 * /reports/complaints/<month> behind the same bearer tokens; headless Chromium renders it with its
 * charts drawn (inline SVG from ECharts) and fetches nothing else. Small cells are not drawn.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser } from 'puppeteer-core';
import { buildComplaintReport, monthBounds } from '../../schema/statistics/complaint-report';
import { startTestServer, type TestServer } from '../harness/server';

const MONTH = '2026-10';
const CATEGORIES = ['FEES', 'CARD', 'TRANSACTION_DISPUTE', 'DIGITAL_CHANNEL'];
const CHANNELS = ['HOTLINE', 'ONLINE', 'EMAIL', 'BRANCH'];

function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('Chromium not found: install Debian\'s chromium (`apt-get install -y --no-install-recommends chromium`) or set CHROMIUM_PATH');
  return found;
}

describe('Monthly complaint report', () => {
  let server: TestServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'cr-report-'));
    // A month with enough complaints that every category and channel cell has at least k customers.
    const customers = (await server.db.pool.query<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY archive_number LIMIT 64`)).rows.map((r) => r.id);
    const { from } = monthBounds(MONTH);
    for (let i = 0; i < customers.length; i++) {
      const received = new Date(from.getTime() + (i % 25) * 86_400_000 + 3_600_000);
      const closed = new Date(received.getTime() + (24 + (i % 10) * 20) * 3_600_000);
      await server.db.pool.query(
        `INSERT INTO complaints (customer_id, channel, category, urgency, severity, status, received_at, due_at, interim_due_at, resolved_at, closed_at, satisfaction, delay_explained_at)
         VALUES ($1, $2, $3, 'NORMAL', 'MINOR', 'CLOSED', $4, $4::timestamptz + interval '7 days', $4::timestamptz + interval '48 hours', $5, $5, $6, $7)`,
        [customers[i], CHANNELS[i % 4], CATEGORIES[Math.floor(i / 16)], received, closed, (i % 5) + 1, closed.getTime() - received.getTime() > 7 * 86_400_000 ? received : null],
      );
    }
    browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws volume by category and channel, time to close, SLA breaches and satisfaction as inline SVG', async () => {
    const report = await buildComplaintReport({ rows: async (text, values) => (await server.db.pool.query(text, values)).rows }, MONTH, new Date('2026-11-05T00:00:00Z'));
    expect(report.charts).toBe(5);
    expect(report.html.match(/<svg /g)).toHaveLength(5);
    for (const category of CATEGORIES) expect(report.html).toContain(category);
    // Nothing loaded at view time: no script, no external stylesheet, image or font.
    expect(report.html).not.toMatch(/<script|<link|src=|url\(/i);
  });

  it('is written by `npm run report -- complaints --month`', async () => {
    const out = path.join(dir, 'report.html');
    const { stdout } = await promisify(execFile)('node', ['-r', 'ts-node/register/transpile-only', 'src/cli/report.ts', 'complaints', '--month', MONTH, '--out', out], {
      env: { ...process.env, DATABASE_URL: server.db.url, LOG_LEVEL: 'silent' },
      cwd: path.resolve(__dirname, '../..'),
    });
    expect(JSON.parse(stdout)).toMatchObject({ file: out, month: MONTH, charts: 5 });
    expect(readFileSync(out, 'utf8').match(/<svg /g)).toHaveLength(5);
  });

  it('is served to managers only, behind the same bearer tokens', async () => {
    const get = async (month: string, token?: string) => fetch(`${server.url}/reports/complaints/${month}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await get(MONTH)).status).toBe(401);
    expect((await get(MONTH, 'not-a-token')).status).toBe(401);
    expect((await get(MONTH, await server.token({ role: 'analyst' }))).status).toBe(403);
    expect((await get(MONTH, await server.token({ role: 'service' }))).status).toBe(403);
    const manager = await server.token({ role: 'manager' });
    expect((await get('2026-13', manager)).status).toBe(400);
    const ok = await get(MONTH, manager);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/text\/html/);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('renders in headless Chromium with every chart drawn, fetching nothing else', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.setExtraHTTPHeaders({ authorization: `Bearer ${await server.token({ role: 'manager' })}` });
    const response = await page.goto(`${server.url}/reports/complaints/${MONTH}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const charts = (await page.evaluate(`Array.from(document.querySelectorAll('figure.chart svg')).map((svg) => {
      const box = svg.getBoundingClientRect();
      // Bars are filled paths inside the plot; axes and labels are the rest.
      const bars = Array.from(svg.querySelectorAll('path')).filter((p) => { const b = p.getBBox(); return b.width > 2 && b.height > 2 && (p.getAttribute('fill') || 'none') !== 'none'; });
      return { width: box.width, height: box.height, bars: bars.length, text: svg.textContent };
    })`)) as { width: number; height: number; bars: number; text: string }[];
    expect(charts).toHaveLength(5);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(200);
      expect(chart.bars).toBeGreaterThanOrEqual(2);
    }
    expect(charts[0].text).toContain('Complaints by category');
    expect(requests).toEqual([`${server.url}/reports/complaints/${MONTH}`]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
