/** Who is calling: the verified claims of a bearer token. */

import type { Role } from '../../permissions/vocabulary';

// The roles are policy data (permissions/ imports nothing from src/): re-exported for the core.
export { ROLES, isRole, type Role } from '../../permissions/vocabulary';

export interface Principal {
  /** Staff id (from the directory) for staff roles; `partner:<id>` for partners. */
  sub: string;
  role: Role;
  scopes: string[];
  partnerId: string | null;
  /** The token's `jti`, when it has one (revocation and audit use it). */
  tokenId: string | null;
  /** The staff member the directory matched the token to; null for partners. */
  staffId: string | null;
  /** The token's `iat`: a revocation of a member's tokens refuses every token issued before it. */
  issuedAt: Date | null;
  /** Staff: whether the directory shows a clear-access grant that may be in force (else the plan settles "grant" to false). */
  holdsGrants?: boolean;
  /** Partners on an allow-list: only their registered operations are served. */
  registeredOperationsOnly?: boolean;
  expiresAt: Date;
}
