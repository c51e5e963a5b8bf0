/**
 * Bearer JWT verification with jose: HS256 with the local secret, or RS256/ES256 keys from an
 * identity provider's JWKS. `exp`, `sub` and a known `role` are required; `alg: none` and
 * algorithm confusion are refused because the accepted algorithms are fixed per key type.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AppConfig } from '../config';
import { isRole, type Principal } from './principal';
import { loadSigningSecret } from './secret';
import type { Pool } from 'pg';

export class AuthenticationError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/** A partner token's stored record (by `jti`), or null when none was issued with that id. */
export interface StoredPartnerToken {
  partnerId: string;
  scopes: string[];
  expiresAt: Date;
  revoked: boolean;
  partnerActive: boolean;
  allowListOnly: boolean;
}

export type PartnerTokenLookup = (tokenId: string) => Promise<StoredPartnerToken | null>;

/** Looked up on every request, so a revocation takes effect on the very next one. */
export function partnerTokenLookup(pool: Pool): PartnerTokenLookup {
  return async (tokenId) => {
    if (!/^[0-9a-f-]{36}$/i.test(tokenId)) return null;
    const { rows } = await pool.query<StoredPartnerToken>(
      `SELECT t.partner_id AS "partnerId", t.scopes, t.expires_at AS "expiresAt", t.revoked_at IS NOT NULL AS revoked, p.active AS "partnerActive",
              p.allow_list_only AS "allowListOnly"
       FROM partner_tokens t JOIN partners p ON p.id = t.partner_id WHERE t.id = $1`,
      [tokenId],
    );
    return rows[0] ?? null;
  };
}

/** A partner token counts only as issued: known id, same partner, not revoked or expired; its scopes are the stored ones. */
async function checkPartnerToken(principal: Principal, lookup: PartnerTokenLookup | undefined): Promise<Principal> {
  if (principal.role !== 'partner') return principal;
  if (!lookup || !principal.tokenId) throw new AuthenticationError('partner token not issued by this server');
  const stored = await lookup(principal.tokenId);
  if (!stored || stored.partnerId !== principal.partnerId) throw new AuthenticationError('partner token not issued by this server');
  if (stored.revoked) throw new AuthenticationError('token revoked');
  if (!stored.partnerActive) throw new AuthenticationError('partner deactivated');
  if (stored.expiresAt.getTime() <= Date.now()) throw new AuthenticationError('token expired');
  return { ...principal, scopes: stored.scopes, registeredOperationsOnly: stored.allowListOnly };
}

function principalFromClaims(payload: JWTPayload): Principal {
  const role = payload.role;
  if (!isRole(role)) throw new AuthenticationError('token has no known role');
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthenticationError('token has no subject');
  const scopes = payload.scopes;
  if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) {
    throw new AuthenticationError('token scopes must be a list of strings');
  }
  const partner = payload.partner;
  return {
    sub: payload.sub,
    role,
    scopes: (scopes as string[] | undefined) ?? [],
    partnerId: typeof partner === 'string' ? partner : null,
    tokenId: typeof payload.jti === 'string' ? payload.jti : null,
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
}

export function createTokenVerifier(config: AppConfig, partnerTokens?: PartnerTokenLookup): TokenVerifier {
  const { jwksUrl, issuer, audience } = config.auth;
  const options = {
    issuer,
    audience,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: 5,
  };
  const verifyWith = jwksUrl
    ? ((keys: JWTVerifyGetKey) => (token: string) => jwtVerify(token, keys, { ...options, algorithms: ['RS256', 'ES256'] }))(
        createRemoteJWKSet(new URL(jwksUrl)),
      )
    : ((secret: Uint8Array) => (token: string) => jwtVerify(token, secret, { ...options, algorithms: ['HS256'] }))(
        loadSigningSecret(config.auth.secret, config.dataDir),
      );

  return async (token: string) => {
    try {
      const { payload } = await verifyWith(token);
      return await checkPartnerToken(principalFromClaims(payload), partnerTokens);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (error instanceof errors.JWTExpired) throw new AuthenticationError('token expired');
      if (error instanceof errors.JOSEError) throw new AuthenticationError('token invalid');
      throw error;
    }
  };
}

/** The token from an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
