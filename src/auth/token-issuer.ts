/** Signs HS256 tokens with the server's own secret: partner tokens, `npm run token`, tests. */
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
  issuedAt?: Date;
}

export interface TokenClaims {
  role: Role;
  sub: string;
  jti: string;
  scopes: string[];
  partner?: string;
  /** A lifetime ("8h") or an instant. */
  expires: string | Date;
  /** `iat`; now when absent (tests place it after a revocation). */
  issuedAt?: Date;
}

export type TokenSigner = (claims: TokenClaims) => Promise<string>;

export function createTokenSigner(config: AppConfig): TokenSigner {
  return async (claims) => {
    if (config.auth.jwksUrl) {
      throw new Error('AUTH_JWKS_URL is set: tokens come from the identity provider, not from this server');
    }
    const secret = loadSigningSecret(config.auth.secret, config.dataDir);
    const body: Record<string, unknown> = { role: claims.role, scopes: claims.scopes };
    if (claims.partner) body.partner = claims.partner;
    let jwt = new SignJWT(body)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setJti(claims.jti)
      .setIssuedAt(claims.issuedAt ?? new Date())
      .setExpirationTime(claims.expires);
    if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
    if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
    return jwt.sign(secret);
  };
}

/**
 * A development token for a staff member (their id or username as `sub`: the server serves it only
 * while the directory has that member active in that role). Partner tokens must be registered.
 */
export function issueDevToken(config: AppConfig, request: TokenRequest): Promise<string> {
  if (!request.sub && !request.partner) throw new Error('a staff token names its staff member (sub): every person has a token of their own');
  return createTokenSigner(config)({
    role: request.role,
    sub: request.sub ?? `partner:${request.partner}`,
    jti: randomUUID(),
    scopes: request.scopes ?? [],
    partner: request.partner,
    expires: request.ttl ?? '8h',
    issuedAt: request.issuedAt,
  });
}
