/**
 * GraphiQL in a real headless Chromium: a bearer token put into the Headers editor works for the
 * session's requests and is stored nowhere in the browser (issue 14, item 8).
 * Needs Debian's `chromium` (`.ci/run` installs it) or CHROMIUM_PATH; without one the test fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startTestServer, type TestServer } from '../harness/server';

const STEP_TIMEOUT_MS = 20_000;
/** The text of GraphiQL's response pane (a CodeMirror 5 editor), evaluated in the page. */
const RESPONSE_TEXT = `(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '')`;

/** CHROMIUM_PATH, else `chromium` on PATH; otherwise why there is none. */
function findChromium(): { path: string } | { missing: string } {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { missing: `CHROMIUM_PATH=${fromEnv} does not exist` };
  try {
    const found = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
    if (found && existsSync(found)) return { path: found };
  } catch {
    // `which` exits 1 when nothing is found
  }
  return { missing: 'no `chromium` on PATH and no CHROMIUM_PATH' };
}

/** Sets a GraphiQL editor's text through its CodeMirror instance, as typing would (change events fire). */
async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForSelector(`${selector} .CodeMirror`, { visible: true });
  await page.evaluate(
    `document.querySelector(${JSON.stringify(`${selector} .CodeMirror`)}).CodeMirror.setValue(${JSON.stringify(text)})`,
  );
}

/** Everything the page's origin keeps in the browser, by where it is kept (one entry per storage key). */
async function browserState(page: Page, browser: Browser): Promise<Record<string, string>> {
  const local = JSON.parse((await page.evaluate('JSON.stringify(localStorage)')) as string) as Record<string, string>;
  const session = JSON.parse((await page.evaluate('JSON.stringify(sessionStorage)')) as string) as Record<string, string>;
  return {
    ...Object.fromEntries(Object.entries(local).map(([key, value]) => [`localStorage ${key}`, `${key}=${value}`])),
    ...Object.fromEntries(Object.entries(session).map(([key, value]) => [`sessionStorage ${key}`, `${key}=${value}`])),
    'document.cookie': (await page.evaluate('document.cookie')) as string,
    'browser cookies': JSON.stringify(await browser.cookies()),
    'IndexedDB names': (await page.evaluate('indexedDB.databases().then((list) => JSON.stringify(list.map((d) => d.name)))')) as string,
    'Cache Storage names': (await page.evaluate('caches.keys().then((keys) => JSON.stringify(keys))')) as string,
  };
}

describe('GraphiQL in a real browser', () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let userDataDir: string | undefined;

  beforeAll(async () => {
    const chromium = findChromium();
    if ('missing' in chromium) {
      throw new Error(
        `Chromium not found (${chromium.missing}): install Debian's chromium (\`apt-get install -y --no-install-recommends chromium\`, as .ci/run does) or set CHROMIUM_PATH`,
      );
    }
    const executablePath = chromium.path;
    server = await startTestServer();
    userDataDir = mkdtempSync(path.join(os.tmpdir(), 'cr-chromium-'));
    browser = await puppeteer.launch({
      executablePath,
      userDataDir,
      headless: true,
      timeout: STEP_TIMEOUT_MS,
      protocolTimeout: STEP_TIMEOUT_MS,
      // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('runs a query with the token put into the Headers editor, and keeps that token nowhere after a reload', async () => {
    const token = await server!.token({ role: 'manager' });
    const page = await browser!.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));

    await page.goto(`${server!.url}/graphiql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    await setEditor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2));
    await setEditor(page, '.graphiql-query-editor', 'query WhoAmI { me { role } }');
    // GraphiQL reads the operation name from the editor 100 ms after an edit (a debounce): run
    // only once it has, or it sends the default query's name with the new text.
    await page.waitForFunction(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.operationName === 'WhoAmI'`);
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))');
    await page.click('.graphiql-execute-button');
    await page
      .waitForFunction(`${RESPONSE_TEXT}.includes('MANAGER')`)
      .catch(async (error: unknown) => {
        throw new Error(`${String(error)}; the response pane shows: ${String(await page.evaluate(RESPONSE_TEXT))}`);
      });
    expect(JSON.parse((await page.evaluate(RESPONSE_TEXT)) as string)).toEqual({ data: { me: { role: 'MANAGER' } } });

    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    const state = await browserState(page, browser!);

    // The run did reach GraphiQL's history, so the search below looks where a token would be.
    expect(state['localStorage graphiql:queries']).toContain('WhoAmI');
    const [, , signature] = token.split('.');
    const holdingSecrets = Object.entries(state)
      .filter(([, text]) => text.includes(token) || text.includes(signature) || text.includes('Bearer') || /"headers":"[^"]/.test(text))
      .map(([where]) => where);
    expect(holdingSecrets).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('scrubs headers an earlier GraphiQL page left in localStorage, keeping the history itself', async () => {
    const token = await server!.token({ role: 'manager' });
    const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
    const page = await browser!.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(`${server!.url}/graphiql`, { waitUntil: 'load' });
    // What GraphiQL stored before this fix: the history entry with its headers, and (when
    // persisting headers had been switched on) the Headers editor's text.
    const leftBehind = {
      'graphiql:queries': JSON.stringify({ queries: [{ query: 'query Earlier { me { role } }', variables: '', headers, operationName: 'Earlier' }] }),
      'graphiql:favorites': JSON.stringify({ favorites: [{ query: '{ me { role } }', variables: '', headers, favorite: true }] }),
      'graphiql:headers': headers,
      'graphiql:shouldPersistHeaders': 'true',
    };
    await page.evaluate(`Object.entries(${JSON.stringify(leftBehind)}).forEach(([key, value]) => localStorage.setItem(key, value))`);

    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    const state = await browserState(page, browser!);

    expect(state['localStorage graphiql:queries']).toContain('Earlier');
    expect(state['localStorage graphiql:headers']).toBeUndefined();
    expect(state['localStorage graphiql:shouldPersistHeaders']).toBe('graphiql:shouldPersistHeaders=false');
    const holdingSecrets = Object.entries(state)
      .filter(([, text]) => text.includes(token) || text.includes('Bearer'))
      .map(([where]) => where);
    expect(holdingSecrets).toEqual([]);
    await page.close();
  });
});
