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
}

export interface TokenClaims {
  role: Role;
  sub: string;
  jti: string;
  scopes: string[];
  partner?: string;
  /** A lifetime ("8h") or an instant. */
  expires: string | Date;
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
      .setIssuedAt()
      .setExpirationTime(claims.expires);
    if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
    if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
    return jwt.sign(secret);
  };
}

/** A development token that no database knows of (staff roles; partner tokens must be registered to be accepted). */
export function issueDevToken(config: AppConfig, request: TokenRequest): Promise<string> {
  return createTokenSigner(config)({
    role: request.role,
    sub: request.sub ?? (request.partner ? `partner:${request.partner}` : `dev-${request.role}`),
    jti: randomUUID(),
    scopes: request.scopes ?? [],
    partner: request.partner,
    expires: request.ttl ?? '8h',
  });
}
