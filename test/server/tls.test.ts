/**
 * TLS on the HTTP hop (tracker issue 15, item 7): HTTPS with TLS_CERT_FILE/TLS_KEY_FILE, HSTS,
 * and no plain HTTP to anything but loopback in production unless a proxy terminates TLS.
 * The certificates come from a CA made in the test; clients trust that CA only.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { assertTransportSecurity, InsecureTransportError, loadConfig } from '../../src/config';
import { issueDevToken } from '../../src/auth/token-issuer';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createServerFor } from '../../src/server/tls';
import { spawnServer } from '../harness/process';
import { startTestServer, type TestServer } from '../harness/server';
import { createTestCa, type ServerCertificate, type TestCa } from '../harness/test-ca';

const HSTS = 'max-age=31536000; includeSubDomains';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over HTTPS that trusts `ca` and nothing else. */
function httpsRequest(url: string, ca: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: options.method ?? 'GET', headers: options.headers, ca, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

function plainHttpRequest(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
  });
}

function graphqlOver(url: string, ca: string, token: string) {
  return httpsRequest(`${url}/graphql`, ca, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'administration' },
    body: JSON.stringify({ query: '{ me { role } }' }),
  });
}

describe('HTTPS with TLS_CERT_FILE and TLS_KEY_FILE', () => {
  let ca: TestCa;
  let certificate: ServerCertificate;
  let server: TestServer;

  beforeAll(async () => {
    ca = await createTestCa('https');
    certificate = await ca.issue('server', { dns: ['localhost'], ip: ['127.0.0.1'] });
    server = await startTestServer({ tls: { certFile: certificate.certFile, keyFile: certificate.keyFile } });
  });

  afterAll(async () => {
    await server?.stop();
    ca?.remove();
  });

  it('answers GraphQL over HTTPS to a client that trusts only the test CA, with HSTS', async () => {
    expect(server.url).toMatch(/^https:\/\//);
    const answer = await graphqlOver(server.url, ca.cert, await server.token({ role: 'admin' }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { me: { role: 'ADMIN' } } });
    expect(answer.headers['strict-transport-security']).toBe(HSTS);
  });

  it('sends HSTS on every response, health checks and errors included', async () => {
    const health = await httpsRequest(`${server.url}/healthz`, ca.cert);
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe(HSTS);
    const missing = await httpsRequest(`${server.url}/no-such-path`, ca.cert);
    expect(missing.status).toBe(404);
    expect(missing.headers['strict-transport-security']).toBe(HSTS);
  });

  it('serves nothing over plain HTTP on the TLS port', async () => {
    await expect(plainHttpRequest(server.url.replace(/^https:/, 'http:') + '/healthz')).rejects.toThrow();
  });

  it('refuses a handshake below TLS 1.2 (the server answers with a protocol_version alert)', async () => {
    const { port } = new URL(server.url);
    const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: ca.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.on('error', resolve);
    });
    expect(failure?.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('names the variable to fix when the certificate or key cannot be read or used, and never quotes the key', async () => {
    const config = loadConfig({});
    const missing = createServerFor({ ...config, tls: { certFile: '/nonexistent/cert.pem', keyFile: certificate.keyFile } }, () => undefined);
    await expect(missing).rejects.toThrow('TLS_CERT_FILE: cannot read /nonexistent/cert.pem (ENOENT)');
    const unrelatedKey = (await ca.issue('unrelated', { dns: ['localhost'] })).keyFile;
    const mismatch = createServerFor({ ...config, tls: { certFile: certificate.certFile, keyFile: unrelatedKey } }, () => undefined);
    await expect(mismatch).rejects.toThrow(/^TLS_CERT_FILE and TLS_KEY_FILE are not a usable certificate and key: /);
    const swapped = await createServerFor({ ...config, tls: { certFile: certificate.keyFile, keyFile: certificate.certFile } }, () => undefined).catch((error: Error) => error);
    expect(swapped).toBeInstanceOf(Error);
    expect((swapped as Error).message).not.toContain(certificate.key.split('\n')[1]);
  });

  it('is not trusted by a client that trusts another CA', async () => {
    const other = await createTestCa('other');
    try {
      await expect(httpsRequest(`${server.url}/healthz`, other.cert)).rejects.toThrow(/certificate/i);
    } finally {
      other.remove();
    }
  });
});

describe('npm start with TLS (the process main.ts runs)', () => {
  let ca: TestCa;
  let db: TestDatabase;

  beforeAll(async () => {
    ca = await createTestCa('start');
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
    ca?.remove();
  });

  it('logs an https URL, answers over HTTPS, and on SIGTERM drains and exits 0', async () => {
    const certificate = await ca.issue('server', { dns: ['localhost'], ip: ['127.0.0.1'] });
    const { child, exited, listening, output } = spawnServer({ DATABASE_URL: db.url, TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile });
    try {
      const url = await listening();
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const token = await issueDevToken(loadConfig(), { role: 'admin', sub: 'admin01' });
      const answer = await graphqlOver(url, ca.cert, token);
      expect(JSON.parse(answer.body)).toEqual({ data: { me: { role: 'ADMIN' } } });
      expect(answer.headers['strict-transport-security']).toBe(HSTS);
      expect((await httpsRequest(`${url}/readyz`, ca.cert)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toMatch(/"msg":"stopped"/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('WORKERS=2: the workers serve HTTPS on the shared port, and SIGTERM stops them all with 0', async () => {
    const certificate = await ca.issue('cluster', { dns: ['localhost'], ip: ['127.0.0.1'] });
    const { child, exited, listening } = spawnServer({ DATABASE_URL: db.url, WORKERS: '2', TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile });
    try {
      const url = await listening();
      expect(url).toMatch(/^https:\/\//);
      const token = await issueDevToken(loadConfig(), { role: 'admin', sub: 'admin01' });
      // A new connection each (agent: false): node:cluster deals them out to the workers.
      const answers = await Promise.all(Array.from({ length: 6 }, () => graphqlOver(url, ca.cert, token)));
      for (const answer of answers) {
        expect(JSON.parse(answer.body)).toEqual({ data: { me: { role: 'ADMIN' } } });
        expect(answer.headers['strict-transport-security']).toBe(HSTS);
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each([
    ['one process', {}],
    ['the cluster primary (WORKERS=2)', { WORKERS: '2' }],
  ])('refuses to start in production on a non-loopback address without TLS, before touching the database: %s', async (_name, extra) => {
    const { child, exited, listening, output } = spawnServer({ DATABASE_URL: db.url, NODE_ENV: 'production', HOST: '0.0.0.0', ...extra });
    try {
      // A listening line would be the failure this test is about; otherwise the process exits.
      const outcome = await listening().then((url) => ({ url }), () => exited.then((code) => ({ code })));
      expect(outcome).toEqual({ code: 1 });
      expect(output()).toMatch(/refusing to serve customer data over plain HTTP on 0\.0\.0\.0/);
      expect(output()).not.toMatch(/"msg":"(listening|cluster primary: workers starting)"/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('HSTS behind a proxy that terminates TLS (TRUSTED_TLS_PROXY)', () => {
  it('sends HSTS over plain HTTP when a trusted proxy terminates TLS, and not otherwise', async () => {
    const proxied = await startTestServer({ trustedTlsProxy: true });
    const plain = await startTestServer({}, undefined, proxied);
    try {
      expect((await fetch(`${proxied.url}/healthz`)).headers.get('strict-transport-security')).toBe(HSTS);
      expect((await fetch(`${plain.url}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    } finally {
      await plain.stop();
      await proxied.stop();
    }
  });
});

describe('The refusal to serve plain HTTP in production', () => {
  const refused = (env: NodeJS.ProcessEnv) => () => assertTransportSecurity(loadConfig(env));
  const message = /refusing to serve customer data over plain HTTP on .+: set TLS_CERT_FILE and TLS_KEY_FILE, or TRUSTED_TLS_PROXY=true when a proxy terminates TLS/;

  it('refuses a non-loopback host in production without TLS files or a trusted TLS proxy', () => {
    for (const HOST of ['0.0.0.0', '::', '', '10.1.2.3', 'api.example.internal', '::ffff:10.0.0.1', '128.0.0.1']) {
      expect(refused({ NODE_ENV: 'production', HOST })).toThrow(InsecureTransportError);
      expect(refused({ NODE_ENV: 'production', HOST })).toThrow(message);
    }
    // NODE_ENV unset is production.
    expect(refused({ HOST: '0.0.0.0' })).toThrow(message);
  });

  it('lets TRUSTED_TLS_PROXY=true or TLS files lift it', () => {
    expect(refused({ NODE_ENV: 'production', HOST: '0.0.0.0', TRUSTED_TLS_PROXY: 'true' })).not.toThrow();
    expect(refused({ NODE_ENV: 'production', HOST: '0.0.0.0', TLS_CERT_FILE: '/etc/tls/cert.pem', TLS_KEY_FILE: '/etc/tls/key.pem' })).not.toThrow();
    expect(refused({ NODE_ENV: 'production', HOST: '0.0.0.0', TRUSTED_TLS_PROXY: 'false' })).toThrow(message);
  });

  it('allows loopback addresses (the default npm start) and non-production environments', () => {
    expect(refused({})).not.toThrow(); // npm start's defaults: production on 127.0.0.1
    for (const HOST of ['127.0.0.1', '127.8.9.10', '::1', 'localhost', '::ffff:127.0.0.1']) {
      expect(refused({ NODE_ENV: 'production', HOST })).not.toThrow();
    }
    expect(refused({ NODE_ENV: 'development', HOST: '0.0.0.0' })).not.toThrow();
    expect(refused({ NODE_ENV: 'test', HOST: '0.0.0.0' })).not.toThrow();
  });

  it('reads TLS_CERT_FILE and TLS_KEY_FILE as a pair and TRUSTED_TLS_PROXY as a boolean', () => {
    expect(loadConfig({})).toMatchObject({ tls: undefined, trustedTlsProxy: false });
    expect(loadConfig({ TLS_CERT_FILE: '/etc/tls/cert.pem', TLS_KEY_FILE: '/etc/tls/key.pem', TRUSTED_TLS_PROXY: '1' })).toMatchObject({
      tls: { certFile: '/etc/tls/cert.pem', keyFile: '/etc/tls/key.pem' },
      trustedTlsProxy: true,
    });
    expect(() => loadConfig({ TLS_CERT_FILE: '/etc/tls/cert.pem' })).toThrow(/TLS_KEY_FILE/);
    expect(() => loadConfig({ TLS_KEY_FILE: '/etc/tls/key.pem' })).toThrow(/TLS_CERT_FILE/);
    expect(() => loadConfig({ TRUSTED_TLS_PROXY: 'yes' })).toThrow(/TRUSTED_TLS_PROXY must be true or false/);
  });
});
