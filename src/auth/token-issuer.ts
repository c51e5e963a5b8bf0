/** Signs HS256 development tokens with the server's own secret (`npm run token`, tests). */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AppConfig } from '../config';
import type { Role } from './principal';
import { loadSigningSecret } from './secret';

export interface TokenRequest {
  role: Role;
  sub?: string;
  /** Lifetime like "8h", "15m", "30s" or "2d". */
  ttl?: string;
  partner?: string;
  scopes?: string[];
}

export async function issueDevToken(config: AppConfig, request: TokenRequest): Promise<string> {
  if (config.auth.jwksUrl) {
    throw new Error('AUTH_JWKS_URL is set: tokens come from the identity provider, not from this CLI');
  }
  const secret = loadSigningSecret(config.auth.secret, config.dataDir);
  const claims: Record<string, unknown> = { role: request.role, scopes: request.scopes ?? [] };
  if (request.partner) claims.partner = request.partner;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub ?? (request.partner ? `partner:${request.partner}` : `dev-${request.role}`))
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(request.ttl ?? '8h');
  if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
  if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
  return jwt.sign(secret);
}
