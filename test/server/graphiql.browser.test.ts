/**
 * GraphiQL in a real headless Chromium: a bearer token put into the Headers editor works for the
 * session's requests and is stored nowhere in the browser (issue 14, item 8).
 * Needs Debian's `chromium` (`.ci/run` installs it) or CHROMIUM_PATH; without one the test fails.
 */
import type { Browser, Page } from 'puppeteer-core';
import { startTestServer, type TestServer } from '../harness/server';
import { browserState, HEADERS_EDITOR, launchBrowser, RESPONSE_TEXT, setEditor, STEP_TIMEOUT_MS, type TestBrowser } from '../harness/browser';

describe('GraphiQL in a real browser', () => {
  let server: TestServer | undefined;
  let chromium: TestBrowser | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    // The Headers tab as it is wherever demo sign-in is off (it is on by default with the embedded test database).
    server = await startTestServer({ demoSignIn: false });
    chromium = await launchBrowser();
    browser = chromium.browser;
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it('runs a query with the token put into the Headers editor, and keeps that token nowhere after a reload', async () => {
    const token = await server!.token({ role: 'manager' });
    const page = await browser!.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));

    await page.goto(`${server!.url}/graphiql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    // No demo sign-in on this server (DATABASE_URL, no DEMO_SIGN_IN): the panel says to paste a token.
    await page.waitForSelector('.privacy-demo-off');
    await setEditor(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2));
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
