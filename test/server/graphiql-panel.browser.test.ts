/**
 * The privacy panel in a real headless Chromium (issue 19): sign in as two roles from the panel,
 * run the same query, and check the panel's decisions against the response's extensions.privacy,
 * the marks in the result pane, the purpose selector, the first screen, and that no token is left
 * in the browser after a reload. GRAPHIQL_SCREENSHOTS=docs writes the panel's screenshots into docs/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { startTestServer, type TestServer } from '../harness/server';
import { browserState, editorText, HEADERS_EDITOR, launchBrowser, RESPONSE_TEXT, runOperation, setEditor, STEP_TIMEOUT_MS, type TestBrowser } from '../harness/browser';
import { issueDevToken } from '../../src/auth/token-issuer';
import { projectRoot } from '../../src/project-root';

const QUERY = `query FirstCustomers {
  customers(first: 5) {
    totalCount
    edges { node { id kind tier name birthYear annualIncomeRange { min max } idNumber phone } }
  }
}`;

/** An element as the page sees it (the tests compile without the DOM's types). */
interface WithDataset {
  dataset: Record<string, string | undefined>;
}

interface Decision {
  path: string;
  decision: string;
  reason: string;
  count: number;
  strategy?: string;
}

/** The decision rows the panel shows. */
async function panelDecisions(page: Page): Promise<Decision[]> {
  return (await page.$$eval('.privacy-panel .privacy-decision', (rows) =>
    rows.map((row) => {
      const d = (row as unknown as WithDataset).dataset;
      return { path: d.path!, decision: d.decision!, reason: d.reason!, count: Number(d.count), ...(d.strategy ? { strategy: d.strategy } : {}) };
    }),
  )) as Decision[];
}

/** The result pane's gutter marks, by path and kind (lines out of view included: read through CodeMirror). */
async function resultMarks(page: Page): Promise<{ path: string; kind: string; line: string }[]> {
  return (await page.evaluate(`(() => {
    const cm = document.querySelector('.graphiql-response .CodeMirror').CodeMirror;
    const marks = [];
    for (let i = 0; i < cm.lineCount(); i += 1) {
      const marker = (cm.lineInfo(i).gutterMarkers || {})['privacy-gutter'];
      if (marker) marks.push({ path: marker.dataset.path, kind: marker.dataset.decision, line: cm.getLine(i).trim() });
    }
    return marks;
  })()`)) as { path: string; kind: string; line: string }[];
}

async function signInAs(page: Page, as: string): Promise<void> {
  await page.click(`[data-sign-in-as="${as}"]`);
  await page.waitForSelector(`.privacy-caller[data-role="${as}"]`);
  // The schema of this caller is fetched as soon as the token is valid: Docs works at once.
  await page.waitForSelector('.privacy-panel[data-schema="loaded"]');
}

describe('the privacy panel in GraphiQL, in a real browser', () => {
  let server: TestServer;
  let chromium: TestBrowser;
  let browser: Browser;
  let shots: string;

  beforeAll(async () => {
    server = await startTestServer({ demoSignIn: true });
    chromium = await launchBrowser();
    browser = chromium.browser;
    shots = process.env.GRAPHIQL_SCREENSHOTS === 'docs' ? path.join(projectRoot(), 'docs', 'images') : mkdtempSync(path.join(os.tmpdir(), 'cr-shots-'));
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
    if (shots && process.env.GRAPHIQL_SCREENSHOTS !== 'docs') rmSync(shots, { recursive: true, force: true });
  });

  async function open(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.setViewport({ width: 1500, height: 950 });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
    });
    await page.goto(`${server.url}/graphiql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    return { page, problems };
  }

  it('opens without an error, offers a demo user of each role, and fetches nothing with the placeholder token', async () => {
    const { page, problems } = await open();
    await page.waitForSelector('[data-sign-in-as="manager"]');
    const offered = await page.$$eval('[data-sign-in-as]', (buttons) => buttons.map((b) => (b as unknown as WithDataset).dataset.signInAs));
    expect(offered).toEqual(expect.arrayContaining(['admin', 'manager', 'sales', 'service', 'analyst', 'auditor', 'partner']));
    expect(await page.evaluate(RESPONSE_TEXT)).toBe('');
    expect(await page.$eval('.privacy-panel', (el) => (el as unknown as WithDataset).dataset.schemaError)).toBe('no');
    expect(await page.$('.privacy-error')).toBeNull();
    await page.screenshot({ path: path.join(shots, 'graphiql-first-screen.png') });
    expect(problems).toEqual([]);

    // The README's first ten minutes: sign in, run the query already in the editor — for every kind of caller.
    for (const as of ['manager', 'partner']) {
      await signInAs(page, as);
      await page.evaluate(`document.querySelector('.graphiql-response .CodeMirror').CodeMirror.setValue('')`);
      await page.click('.graphiql-execute-button');
      await page.waitForFunction(`${RESPONSE_TEXT}.trim().startsWith('{')`);
      const response = JSON.parse((await page.evaluate(RESPONSE_TEXT)) as string) as { data?: { customers: { totalCount: number } }; errors?: unknown; extensions?: { privacy?: { role: string } } };
      expect({ as, errors: response.errors }).toEqual({ as, errors: undefined });
      expect(response.data!.customers.totalCount).toBeGreaterThan(0);
      expect(response.extensions?.privacy?.role).toBe(as);
      await page.waitForSelector(`.privacy-summary[data-role="${as}"]`);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('signs in as a manager and an analyst, runs the same query, and shows the decisions of extensions.privacy in words, with marks in the result pane', async () => {
    const { page, problems } = await open();
    const seen: Record<string, { decisions: Decision[]; purpose: string }> = {};
    for (const role of ['manager', 'analyst']) {
      await signInAs(page, role);
      await runOperation(page, QUERY, 'FirstCustomers');
      const response = JSON.parse((await page.evaluate(RESPONSE_TEXT)) as string) as { data: unknown; errors?: unknown; extensions: { privacy: { fields: Decision[]; purpose: string; role: string; exposure: Record<string, number>; budget: Record<string, Record<string, number>> } } };
      expect(response.errors).toBeUndefined();
      const privacy = response.extensions.privacy;
      expect(privacy.role).toBe(role);
      await page.waitForSelector(`.privacy-summary[data-role="${role}"]`);

      // The panel: every path of extensions.privacy, with its decision, reason, strategy and count.
      expect(await panelDecisions(page)).toEqual(privacy.fields.map(({ path: p, decision, reason, count, strategy }) => ({ path: p, decision, reason, count, ...(strategy ? { strategy } : {}) })));
      // …in words: the reason's text from the policy, not only its code.
      const words = (await page.$eval('.privacy-panel .privacy-decision', (row) => row.textContent)) as string;
      expect(words).toMatch(/the role’s rule for this field/);
      // The exposure figures against the role's limits, and the budget of the day.
      expect(await page.$eval('tr[data-figure="volume"]', (row) => row.textContent)).toContain(String(privacy.exposure.volume));
      expect(await page.$eval('tr[data-budget="masked"]', (row) => row.textContent)).toContain(privacy.budget.leftToday.masked.toLocaleString('en-US'));

      // The result pane: one mark per masked or removed value, none on clear ones.
      const marks = await resultMarks(page);
      const markedPaths = [...new Set(marks.map((m) => `${m.path} ${m.kind}`))].sort();
      const expected = privacy.fields
        .filter((f) => f.decision !== 'CLEAR')
        .map((f) => `${f.path} ${f.decision === 'MASK' ? 'masked' : 'removed'}`)
        .sort();
      expect(markedPaths).toEqual(expected);
      const rows = 5;
      expect(marks.filter((m) => m.path === 'customers.edges.node.idNumber')).toHaveLength(rows);
      for (const mark of marks.filter((m) => m.kind === 'removed')) expect(mark.line).toMatch(/: null,?$/);
      expect(marks.some((m) => m.path.endsWith('.kind') || m.path.endsWith('.tier'))).toBe(false);

      seen[role] = { decisions: await panelDecisions(page), purpose: privacy.purpose };
      if (role === 'manager') await page.screenshot({ path: path.join(shots, 'graphiql-privacy-panel-manager.png') });
      if (role === 'analyst') await page.screenshot({ path: path.join(shots, 'graphiql-privacy-panel-analyst.png') });
    }
    // The same query, two roles, two answers: the manager sees ID numbers masked, the analyst none.
    const idNumber = (role: string) => seen[role].decisions.find((d) => d.path === 'customers.edges.node.idNumber')?.decision;
    expect(idNumber('manager')).toBe('MASK');
    expect(idNumber('analyst')).toBe('REMOVE');
    expect(seen.manager.purpose).toBe('supervision');
    expect(seen.analyst.purpose).toBe('statistics');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('sets X-Purpose from the role’s allowed purposes with the selector, and the server decides with it', async () => {
    const { page } = await open();
    await signInAs(page, 'analyst');
    const options = await page.$$eval('.privacy-purpose-select option', (list) => list.map((o) => (o as unknown as { value: string }).value));
    expect(options).toEqual(['statistics', 'risk_analysis']);
    await page.select('.privacy-purpose-select', 'risk_analysis');
    expect(JSON.parse(await editorText(page, HEADERS_EDITOR))['X-Purpose']).toBe('risk_analysis');
    await runOperation(page, QUERY, 'FirstCustomers');
    await page.waitForSelector('.privacy-summary[data-purpose="risk_analysis"]');
    const response = JSON.parse((await page.evaluate(RESPONSE_TEXT)) as string) as { extensions: { privacy: { purpose: string } } };
    expect(response.extensions.privacy.purpose).toBe('risk_analysis');
    await page.close();
  });

  it('explains a refusal with what to ask instead', async () => {
    const { page } = await open();
    await signInAs(page, 'sales');
    await runOperation(page, 'query Everything { customers(first: 1000) { edges { node { idNumber phone name email address } } } }', 'Everything');
    await page.waitForSelector('.privacy-refusal[data-code="EXPOSURE_LIMIT"]');
    const text = (await page.$eval('.privacy-refusal', (el) => el.textContent)) as string;
    expect(text).toMatch(/Ask instead: Ask for at most 2000 sensitive values per request/);
    await page.screenshot({ path: path.join(shots, 'graphiql-refusal.png') });
    await page.close();
  });

  it('takes a pasted token too: the caller, the role’s usual purpose and the schema as soon as the token is in the headers', async () => {
    const { page, problems } = await open();
    const token = await server.token({ role: 'service' });
    await setEditor(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2));
    await page.waitForSelector('.privacy-caller[data-role="service"]');
    await page.waitForSelector('.privacy-panel[data-schema="loaded"]');
    // The purpose the role usually declares, written into the headers where it can be seen and changed.
    await page.waitForFunction(`document.querySelector(${JSON.stringify(`${HEADERS_EDITOR} .CodeMirror`)}).CodeMirror.getValue().includes('complaint_handling')`);
    const options = await page.$$eval('.privacy-purpose-select option', (list) => list.map((o) => (o as unknown as { value: string }).value));
    expect(options).toContain('complaint_handling');
    // Docs works at once, with this caller's schema: no re-fetch button to find.
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForFunction(`document.querySelector('.graphiql-doc-explorer')?.textContent.includes('Root Types')`);
    expect(await page.$eval('.graphiql-doc-explorer', (el) => el.textContent)).not.toMatch(/Error fetching schema/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says why a token signed by another server is refused and how to get one, and fetches no schema with it', async () => {
    const { page, problems } = await open();
    const elsewhere = await issueDevToken({ ...server.config, auth: { ...server.config.auth, secret: 'another-secret-that-is-long-enough-for-hs256-xyz' } }, { role: 'manager', sub: 'someone' });
    await setEditor(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${elsewhere}` }, null, 2));
    await page.waitForSelector('.privacy-caller-error');
    const text = (await page.$eval('.privacy-caller-error', (el) => el.textContent)) as string;
    expect(text).toMatch(/not signed with this server’s secret/);
    expect(text).toMatch(/npm run token -- --role <role>/);
    expect(await page.$eval('.privacy-panel', (el) => (el as unknown as WithDataset).dataset.schema)).not.toBe('loaded');
    expect(await page.evaluate(RESPONSE_TEXT)).toBe('');
    // The check itself was the one 401: nothing else failed.
    expect(problems.filter((p) => !p.includes('/graphql') && !p.includes('status of 401'))).toEqual([]);
    await page.close();
  });

  it('keeps the signed-in token nowhere in the browser after a reload, and asks to sign in again', async () => {
    const { page } = await open();
    await signInAs(page, 'manager');
    const token = /Bearer (\S+?)"/.exec(await editorText(page, HEADERS_EDITOR))?.[1];
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await runOperation(page, QUERY, 'FirstCustomers');
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    await page.waitForSelector('[data-sign-in-as="manager"]');
    const state = await browserState(page, browser);
    expect(state['localStorage graphiql:queries']).toContain('FirstCustomers');
    const [, , signature] = token!.split('.');
    const holding = Object.entries(state)
      .filter(([, text]) => text.includes(token!) || text.includes(signature) || text.includes('Bearer') || /"headers":"[^"]/.test(text))
      .map(([where]) => where);
    expect(holding).toEqual([]);
    expect(await editorText(page, HEADERS_EDITOR)).not.toContain(token!);
    expect(await page.$('.privacy-caller')).toBeNull();
    await page.close();
  });
});
