/**
 * A real headless Chromium for the GraphiQL tests: Debian's `chromium` (`.ci/run` installs it) or
 * CHROMIUM_PATH; without one the tests fail, saying how to get one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const STEP_TIMEOUT_MS = 20_000;
/** The text of GraphiQL's response pane (a CodeMirror 5 editor), evaluated in the page. */
export const RESPONSE_TEXT = `(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '')`;
/** The Headers editor (the visible one of the editor tools). */
export const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';

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

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches Chromium with a profile of its own in the temporary directory (removed on close). */
export async function launchBrowser(): Promise<TestBrowser> {
  const chromium = findChromium();
  if ('missing' in chromium) {
    throw new Error(
      `Chromium not found (${chromium.missing}): install Debian's chromium (\`apt-get install -y --no-install-recommends chromium\`, as .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'cr-chromium-'));
  try {
    const browser = await puppeteer.launch({
      executablePath: chromium.path,
      userDataDir,
      headless: true,
      timeout: STEP_TIMEOUT_MS,
      protocolTimeout: STEP_TIMEOUT_MS,
      // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    return {
      browser,
      async close() {
        await browser.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Sets a GraphiQL editor's text through its CodeMirror instance, as typing would (change events fire). */
export async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForSelector(`${selector} .CodeMirror`, { visible: true });
  await page.evaluate(
    `document.querySelector(${JSON.stringify(`${selector} .CodeMirror`)}).CodeMirror.setValue(${JSON.stringify(text)})`,
  );
}

/** A GraphiQL editor's text. */
export async function editorText(page: Page, selector: string): Promise<string> {
  return (await page.evaluate(`document.querySelector(${JSON.stringify(`${selector} .CodeMirror`)}).CodeMirror.getValue()`)) as string;
}

/**
 * Puts an operation into the query editor and runs it. GraphiQL reads the operation name from the
 * editor 100 ms after an edit (a debounce): it runs only once it has, or it sends the old name.
 */
export async function runOperation(page: Page, query: string, operationName: string): Promise<void> {
  await setEditor(page, '.graphiql-query-editor', query);
  await page.waitForFunction(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.operationName === ${JSON.stringify(operationName)}`);
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))');
  await page.evaluate(`document.querySelector('.graphiql-response .CodeMirror').CodeMirror.setValue('')`);
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(`${RESPONSE_TEXT}.trim().startsWith('{')`).catch(async (error: unknown) => {
    throw new Error(`${String(error)}; the response pane shows: ${String(await page.evaluate(RESPONSE_TEXT))}`);
  });
}

/** Everything the page's origin keeps in the browser, by where it is kept (one entry per storage key). */
export async function browserState(page: Page, browser: Browser): Promise<Record<string, string>> {
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
