/** The server as its own process, the code `npm start` runs. */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/**
 * `src/main.ts` as its own process (the code `npm start` runs), with its output collected.
 * `detached`: in a process group of its own, as `npm start` in a terminal is, so a test can
 * signal the whole group (`process.kill(-child.pid, 'SIGINT')`) as Ctrl-C does.
 */
export function spawnServer(overrides: Record<string, string | undefined>, options: { detached?: boolean } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', SEED_CUSTOMERS: '0', LOG_LEVEL: 'info', TS_NODE_PROJECT: 'tsconfig.build.json', ...overrides };
  for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete env[name];
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], { cwd: ROOT, env, detached: options.detached ?? false });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** The URL from the "listening" log line. */
  const listening = () =>
    new Promise<string>((resolve, reject) => {
      // Generous: a loaded CI machine (two test workers and PostgreSQL on two cores) starts ts-node slowly.
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
      const check = () => {
        const match = /"url":"(https?:\/\/[^"]+)"/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(match[1]);
      };
      child.stdout.on('data', check);
      check();
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${output}`));
      });
    });
  return { child, exited, listening, output: () => output };
}

