/** Who is calling: the verified claims of a bearer token. */

export const ROLES = ['admin', 'manager', 'sales', 'service', 'analyst', 'auditor', 'partner'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface Principal {
  /** Staff id for staff roles; partner client id for partners. */
  sub: string;
  role: Role;
  scopes: string[];
  partnerId: string | null;
  /** The token's `jti`, when it has one (revocation and audit use it). */
  tokenId: string | null;
  /** Partners on an allow-list: only their registered operations are served. */
  registeredOperationsOnly?: boolean;
  expiresAt: Date;
}
