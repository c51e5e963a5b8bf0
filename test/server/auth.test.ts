import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { createTokenSigner, issueDevToken } from '../../src/auth/token-issuer';
import { createTokenVerifier, principalDirectory } from '../../src/auth/verifier';
import { loadConfig } from '../../src/config';
import { startTestServer, type TestServer } from '../harness/server';

const ME = '{ me { sub role } }';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('Authentication', () => {
  let server: TestServer;
  const secret = () => new TextEncoder().encode(server.config.auth.secret!);

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  async function expectUnauthenticated(token: string | null, headers: Record<string, string> = {}) {
    const { status, body } = await server.gql(`{ customers(first: 1) { edges { node { name idNumber } } } }`, { token, headers });
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    return body.errors![0].message;
  }

  it('accepts a valid token of a directory member and exposes its principal under the member’s id', async () => {
    const [member] = (await server.db.pool.query(`SELECT id FROM staff WHERE username = 'test-analyst'`)).rows;
    const { body } = await server.gql<any>(ME, { role: 'analyst', sub: 'test-analyst' });
    expect(body.data.me).toEqual({ sub: member.id, role: 'ANALYST' });
  });

  it('refuses a request without a token', async () => {
    expect(await expectUnauthenticated(null)).toMatch(/Bearer/);
  });

  it('refuses a malformed Authorization header', async () => {
    await expectUnauthenticated(null, { authorization: 'Basic dXNlcjpwYXNz' });
    await expectUnauthenticated('not.a.jwt');
  });

  it('refuses an expired token', async () => {
    const token = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(secret());
    expect(await expectUnauthenticated(token)).toMatch(/expired/);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-that-is-also-long-enough-0123456789'));
    await expectUnauthenticated(token);
  });

  it('refuses alg "none"', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'x', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    await expectUnauthenticated(token);
  });

  it('refuses an RS256 token even from a key the server does not know (no algorithm confusion)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'RS256' }).setSubject('x').setExpirationTime('1h').sign(privateKey);
    await expectUnauthenticated(token);
  });

  it('refuses a tampered payload', async () => {
    const token = await server.token({ role: 'analyst' });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${base64url({ sub: 'test-analyst', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 })}.${signature}`;
    await expectUnauthenticated(forged);
  });

  it('refuses a token without exp, or with an unknown role', async () => {
    const noExp = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(secret());
    await expectUnauthenticated(noExp);
    const unknownRole = await new SignJWT({ role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(secret());
    expect(await expectUnauthenticated(unknownRole)).toMatch(/role/);
  });

  it('carries scopes and the partner id of a partner token', async () => {
    const token = await server.token({ role: 'partner', partner: 'acme', scopes: ['customers:read'] });
    const { body } = await server.gql<any>(`{ me { sub role scopes partnerId } }`, { token });
    expect(body.data.me).toEqual({ sub: 'partner:acme', role: 'PARTNER', scopes: ['customers:read'], partnerId: 'acme' });
  });
});

describe('Verified signatures are remembered, never trusted beyond what they said', () => {
  let server: TestServer;
  let at: number;
  const clock = () => new Date(at);

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('a remembered token still expires on time, and a deactivated member is refused on the next request', async () => {
    const [member] = (await server.db.pool.query(`SELECT id FROM staff WHERE username = 'test-analyst'`)).rows;
    at = Date.now();
    const verify = createTokenVerifier(server.config, principalDirectory(server.pool), clock);
    const token = await createTokenSigner(server.config)({ role: 'analyst', sub: member.id, jti: randomUUID(), scopes: [], expires: new Date(at + 120_000), issuedAt: new Date(at) });
    expect((await verify(token)).sub).toBe(member.id);
    expect((await verify(token)).sub).toBe(member.id);
    // Deactivated: the directory is asked on every request, remembered signature or not.
    await server.db.pool.query(`UPDATE staff SET active = false WHERE id = $1`, [member.id]);
    try {
      await expect(verify(token)).rejects.toMatchObject({ rule: 'STAFF_INACTIVE' });
    } finally {
      await server.db.pool.query(`UPDATE staff SET active = true WHERE id = $1`, [member.id]);
    }
    expect((await verify(token)).sub).toBe(member.id);
    // Past its expiry (and the 5-second tolerance), the remembered token is refused like any other.
    at += 126_000;
    await expect(verify(token)).rejects.toMatchObject({ rule: 'TOKEN_EXPIRED' });
    // A token changed by one character is a different token: checked, and refused.
    at -= 126_000;
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${signature}`;
    await expect(verify(forged)).rejects.toMatchObject({ rule: 'TOKEN_INVALID' });
  });
});

describe('The generated HS256 secret (no AUTH_SECRET)', () => {
  it('is created once in DATA_DIR (0600), reused by the CLI and the server, and differs per data directory', async () => {
    const dirA = mkdtempSync(path.join(os.tmpdir(), 'customer-records-secret-'));
    const dirB = mkdtempSync(path.join(os.tmpdir(), 'customer-records-secret-'));
    try {
      const configA = { ...loadConfig(), dataDir: dirA, auth: { secret: undefined, jwksUrl: undefined, issuer: undefined, audience: undefined } };
      const token = await issueDevToken(configA, { role: 'auditor', sub: 'auditor01' });
      const file = path.join(dirA, 'auth-secret');
      expect(statSync(file).mode & 0o077).toBe(0);
      const secret = readFileSync(file, 'utf8');
      expect(secret.length).toBeGreaterThanOrEqual(43);
      const directory = { partnerToken: async () => null, staffMember: async () => ({ id: 'a-staff-id', role: 'auditor', active: true, tokensValidAfter: null }) };
      expect((await createTokenVerifier(configA, directory)(token)).role).toBe('auditor');
      expect(readFileSync(file, 'utf8')).toBe(secret);
      await expect(createTokenVerifier({ ...configA, dataDir: dirB }, directory)(token)).rejects.toThrow(/token invalid/);
      // No directory, no service: fail closed.
      await expect(createTokenVerifier(configA)(token)).rejects.toThrow(/no principal directory/);
    } finally {
      rmSync(dirA, { recursive: true, force: true });
      rmSync(dirB, { recursive: true, force: true });
    }
  });
});

describe('Authentication with an identity provider (JWKS, RS256/ES256)', () => {
  it('verifies tokens against the JWKS and enforces issuer and audience', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const rsa = await generateKeyPair('RS256');
    const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
    const jwks = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk, rsaJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const port = (jwks.address() as AddressInfo).port;
    const server = await startTestServer({
      auth: { secret: undefined, jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: 'https://idp.example', audience: 'customer-records' },
    });
    try {
      // The identity provider's subjects are the directory's usernames.
      const u1 = await server.member('auditor', 'u1');
      const u2 = await server.member('manager', 'u2');
      const sign = (issuer: string, audience: string, subject = 'u1') =>
        new SignJWT({ role: 'auditor' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject(subject)
          .setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('10m').sign(privateKey);
      const ok = await server.gql<any>(ME, { token: await sign('https://idp.example', 'customer-records') });
      expect(ok.body.data.me).toEqual({ sub: u1, role: 'AUDITOR' });
      const rs256 = await new SignJWT({ role: 'manager' }).setProtectedHeader({ alg: 'RS256', kid: 'k2' }).setSubject('u2')
        .setIssuer('https://idp.example').setAudience('customer-records').setIssuedAt().setExpirationTime('10m').sign(rsa.privateKey);
      expect((await server.gql<any>(ME, { token: rs256 })).body.data.me).toEqual({ sub: u2, role: 'MANAGER' });
      // A genuine token of the provider for someone the directory does not know is refused.
      expect((await server.gql(ME, { token: await sign('https://idp.example', 'customer-records', 'someone-else') })).status).toBe(401);
      const wrongIssuer = await server.gql(ME, { token: await sign('https://evil.example', 'customer-records') });
      expect(wrongIssuer.status).toBe(401);
      const wrongAudience = await server.gql(ME, { token: await sign('https://idp.example', 'another-api') });
      expect(wrongAudience.status).toBe(401);
      // An HS256 token signed with anything is refused when keys come from the JWKS.
      const hs = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('https://idp.example')
        .setAudience('customer-records').setExpirationTime('1h').sign(new TextEncoder().encode(JSON.stringify(jwk)));
      expect((await server.gql(ME, { token: hs })).status).toBe(401);
    } finally {
      await server.stop();
      jwks.close();
    }
  });
});
