/**
 * Bearer JWT verification with jose: HS256 with the local secret, or RS256/ES256 keys from an
 * identity provider's JWKS. `exp`, `sub` and a known `role` are required; `alg: none` and
 * algorithm confusion are refused because the accepted algorithms are fixed per key type.
 * A token only says who claims to call: the directory decides who is served — a staff token's
 * subject must be an active member of `staff` with that role, a partner token must be issued
 * and unrevoked — looked up on every request, so a change takes effect on the very next one.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AppConfig } from '../config';
import { isRole, type Principal } from './principal';
import { loadSigningSecret } from './secret';
import { PARTNER_GOVERNANCE } from '../../permissions/governance';
import type { Pool } from 'pg';

/** Why a token is not served: `rule` is the machine-readable code clients see as `extensions.reason`. */
export type AuthRule =
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_REVOKED'
  | 'UNKNOWN_STAFF_MEMBER'
  | 'STAFF_INACTIVE'
  | 'ROLE_MISMATCH'
  | 'PARTNER_TOKEN_UNKNOWN'
  | 'PARTNER_INACTIVE'
  | 'PARTNER_NO_AGREEMENT'
  | 'PARTNER_REVIEW_OVERDUE';

/** 401: the token does not identify a caller; 403: it does, and the directory refuses that caller. */
const FORBIDDING_RULES: ReadonlySet<AuthRule> = new Set(['STAFF_INACTIVE', 'ROLE_MISMATCH', 'PARTNER_INACTIVE', 'PARTNER_NO_AGREEMENT', 'PARTNER_REVIEW_OVERDUE']);

/** Who a genuine token said it was, when the directory then refused it (for the security event; never the token). */
export interface ClaimedPrincipal {
  sub: string;
  role: string;
  tokenId: string | null;
  partnerId: string | null;
}

export class AuthenticationError extends Error {
  /** Set when the signature held and the directory refused the holder. */
  claimed: ClaimedPrincipal | null = null;

  constructor(
    readonly reason: string,
    readonly rule: AuthRule = 'TOKEN_INVALID',
  ) {
    super(reason);
  }

  get status(): 401 | 403 {
    return FORBIDDING_RULES.has(this.rule) ? 403 : 401;
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
  /** The next review date of the partner's approved agreement (null: none approved; permissions/governance.ts). */
  reviewDue?: Date | null;
}

/** A staff member as the directory knows them. */
export interface DirectoryStaffMember {
  id: string;
  role: string;
  active: boolean;
  /** Tokens issued before this instant are revoked (`npm run staff -- revoke-tokens`); null: none. */
  tokensValidAfter: Date | null;
  /**
   * Whether the member may hold a clear-access grant in force (an approved one not long expired):
   * without one, the policy settles "grant" to false for the whole request — no per-record lookup.
   */
  holdsGrants?: boolean;
}

/** Who may be served: looked up on every request (one indexed row each). */
export interface PrincipalDirectory {
  partnerToken(tokenId: string): Promise<StoredPartnerToken | null>;
  /** By staff id (a uuid) or, for an identity provider's subjects, by username. */
  staffMember(subject: string): Promise<DirectoryStaffMember | null>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function principalDirectory(pool: Pool): PrincipalDirectory {
  return {
    async partnerToken(tokenId) {
      if (!UUID.test(tokenId)) return null;
      const { rows } = await pool.query<StoredPartnerToken>(
        `SELECT t.partner_id AS "partnerId", t.scopes, t.expires_at AS "expiresAt", t.revoked_at IS NOT NULL AS revoked, p.active AS "partnerActive",
                p.allow_list_only AS "allowListOnly",
                (SELECT a.next_review_on::timestamptz FROM partner_agreements a WHERE a.partner_id = p.id AND a.status = 'APPROVED') AS "reviewDue"
         FROM partner_tokens t JOIN partners p ON p.id = t.partner_id WHERE t.id = $1`,
        [tokenId],
      );
      return rows[0] ?? null;
    },
    async staffMember(subject) {
      const { rows } = await pool.query<DirectoryStaffMember>(
        // holdsGrants: a day's slack past expiry, so that no clock skew ever hides a grant in force (the policy decides per record).
        `SELECT id, role, active,
                EXISTS (SELECT 1 FROM clear_access_grants g WHERE g.grantee_id = staff.id AND g.status = 'APPROVED' AND g.expires_at > now() - interval '1 day') AS "holdsGrants",
                tokens_valid_after AS "tokensValidAfter" FROM staff WHERE ${UUID.test(subject) ? 'id = $1::uuid' : 'username = $1'}`,
        [subject],
      );
      return rows[0] ?? null;
    },
  };
}

/** A partner token counts only as issued: known id, same partner, not revoked or expired; its scopes are the stored ones. */
async function checkPartnerToken(principal: Principal, directory: PrincipalDirectory): Promise<Principal> {
  if (!principal.tokenId) throw new AuthenticationError('partner token not issued by this server', 'PARTNER_TOKEN_UNKNOWN');
  const stored = await directory.partnerToken(principal.tokenId);
  if (!stored || stored.partnerId !== principal.partnerId) throw new AuthenticationError('partner token not issued by this server', 'PARTNER_TOKEN_UNKNOWN');
  if (stored.revoked) throw new AuthenticationError('token revoked', 'TOKEN_REVOKED');
  if (!stored.partnerActive) throw new AuthenticationError('partner deactivated', 'PARTNER_INACTIVE');
  // Bound by an approved agreement, reviewed on time (a grace period past the review date, then refused).
  if (!stored.reviewDue) throw new AuthenticationError('the partner has no approved agreement', 'PARTNER_NO_AGREEMENT');
  if (stored.reviewDue.getTime() + (PARTNER_GOVERNANCE.graceDays + 1) * 86_400_000 <= Date.now()) {
    throw new AuthenticationError('the partner’s review is overdue past the grace period', 'PARTNER_REVIEW_OVERDUE');
  }
  if (stored.expiresAt.getTime() <= Date.now()) throw new AuthenticationError('token expired', 'TOKEN_EXPIRED');
  return { ...principal, scopes: stored.scopes, registeredOperationsOnly: stored.allowListOnly };
}

/**
 * A staff token is served only for an active member of the directory, in the role the directory
 * gives them, and only if issued after the member's last token revocation. The principal's
 * subject becomes the member's id, whatever the token called them (relationships point at ids).
 */
async function checkStaffMember(principal: Principal, directory: PrincipalDirectory, ownTokens: boolean): Promise<Principal> {
  // Our own tokens always name themselves (audit); an identity provider's may not, but must say when they were issued.
  if (ownTokens && !principal.tokenId) throw new AuthenticationError('staff tokens must carry a token id (jti)', 'TOKEN_INVALID');
  if (!principal.issuedAt) throw new AuthenticationError('staff tokens must carry their issue time (iat)', 'TOKEN_INVALID');
  const member = await directory.staffMember(principal.sub);
  if (!member) throw new AuthenticationError('the token’s subject is not a member of the staff directory', 'UNKNOWN_STAFF_MEMBER');
  if (!member.active) throw new AuthenticationError('the staff member is deactivated', 'STAFF_INACTIVE');
  if (member.role !== principal.role) {
    throw new AuthenticationError(`the token’s role ${principal.role} is not the staff member’s role in the directory`, 'ROLE_MISMATCH');
  }
  // Whole seconds (iat) against an instant: a token from the same second as the revocation is refused too (fail closed).
  if (member.tokensValidAfter && principal.issuedAt.getTime() <= member.tokensValidAfter.getTime()) {
    throw new AuthenticationError('token revoked', 'TOKEN_REVOKED');
  }
  return { ...principal, sub: member.id, staffId: member.id, partnerId: null, scopes: [], holdsGrants: member.holdsGrants === true };
}

/** Directory checks by kind of caller: partners by token, staff by membership. */
function checkDirectory(principal: Principal, directory: PrincipalDirectory | undefined, ownTokens: boolean): Promise<Principal> {
  // Fail closed: without a directory no token is served.
  if (!directory) throw new AuthenticationError('no principal directory to check the token against', principal.role === 'partner' ? 'PARTNER_TOKEN_UNKNOWN' : 'UNKNOWN_STAFF_MEMBER');
  return principal.role === 'partner' ? checkPartnerToken(principal, directory) : checkStaffMember(principal, directory, ownTokens);
}

function principalFromClaims(payload: JWTPayload): Principal {
  const role = payload.role;
  if (!isRole(role)) throw new AuthenticationError('token has no known role');
  if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 200) throw new AuthenticationError('token has no subject');
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
    staffId: null,
    issuedAt: typeof payload.iat === 'number' ? new Date(payload.iat * 1000) : null,
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
}

/** The 401 for a token signed with another secret: how to mint one for this server. */
export const SIGNED_ELSEWHERE =
  'token invalid: it is not signed with this server’s secret (minted for another server, DATA_DIR or AUTH_SECRET?); ' +
  'mint one for this server with `npm run token -- --role <role>` run in the server’s environment (same DATA_DIR or AUTH_SECRET), ' +
  'or sign in as a demo user at /graphiql when the server offers it';
export const SIGNED_ELSEWHERE_JWKS = 'token invalid: it is not signed by the identity provider this server trusts (AUTH_JWKS_URL); get a token from that provider';


/** Tokens whose signature held, with their claims: at most this many, each for at most this long. */
const VERIFIED_CACHE_SIZE = 10_000;
const VERIFIED_CACHE_MS = 60_000;

/**
 * Signatures already checked, per process: a caller sends the same token request after request,
 * and checking its HMAC again each time was a visible share of a small read (issue 16's S1
 * profile). Only the signature's verdict is kept — expiry is checked on every use, the directory
 * (revocation, deactivation) is still asked on every request — and for at most a minute, so an
 * identity provider's key removed from its JWKS stops being honoured soon after.
 */
function verifiedClaimsCache(now: () => number) {
  const entries = new Map<string, { payload: JWTPayload; until: number }>();
  return {
    get(token: string): JWTPayload | null {
      const entry = entries.get(token);
      if (!entry) return null;
      const at = now();
      if (at >= entry.until || at >= (entry.payload.exp ?? 0) * 1000) {
        entries.delete(token);
        return null;
      }
      return entry.payload;
    },
    set(token: string, payload: JWTPayload): void {
      if (entries.size >= VERIFIED_CACHE_SIZE) entries.delete(entries.keys().next().value!); // the oldest
      entries.set(token, { payload, until: now() + VERIFIED_CACHE_MS });
    },
  };
}

/** `now`: the verifier's clock (expiry), real time unless a test moves it. */
export function createTokenVerifier(config: AppConfig, directory?: PrincipalDirectory, now: () => Date = () => new Date()): TokenVerifier {
  const { jwksUrl, issuer, audience } = config.auth;
  const options = {
    issuer,
    audience,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: 5,
    get currentDate() {
      return now();
    },
  };
  const verifyWith = jwksUrl
    ? ((keys: JWTVerifyGetKey) => (token: string) => jwtVerify(token, keys, { ...options, algorithms: ['RS256', 'ES256'] }))(
        createRemoteJWKSet(new URL(jwksUrl)),
      )
    : ((secret: Uint8Array) => (token: string) => jwtVerify(token, secret, { ...options, algorithms: ['HS256'] }))(
        loadSigningSecret(config.auth.secret, config.dataDir),
      );

  const verified = verifiedClaimsCache(() => now().getTime());
  return async (token: string) => {
    try {
      let payload = verified.get(token);
      if (!payload) {
        payload = (await verifyWith(token)).payload;
        verified.set(token, payload);
      }
      const principal = principalFromClaims(payload);
      try {
        return await checkDirectory(principal, directory, !jwksUrl);
      } catch (error) {
        if (error instanceof AuthenticationError) error.claimed = { sub: principal.sub, role: principal.role, tokenId: principal.tokenId, partnerId: principal.partnerId };
        throw error;
      }
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (error instanceof errors.JWTExpired) throw new AuthenticationError('token expired', 'TOKEN_EXPIRED');
      // Well formed, signed by another key: most often a token minted for another server (another
      // DATA_DIR or AUTH_SECRET). Say how to get one for this server; nothing about the keys.
      if (error instanceof errors.JWSSignatureVerificationFailed) throw new AuthenticationError(jwksUrl ? SIGNED_ELSEWHERE_JWKS : SIGNED_ELSEWHERE);
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
