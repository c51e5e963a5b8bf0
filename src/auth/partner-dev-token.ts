/**
 * Development and test partner tokens (`npm run token -- --role partner --partner acme --scopes …`):
 * registered like any issued token (a partner token the database does not know is refused),
 * the partner created on first use with every partner purpose.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { AppConfig } from '../config';
import { ROLE_POLICIES } from '../../permissions/policy';
import { unknownScopes } from '../../permissions/scopes';
import { createTokenSigner } from './token-issuer';
import { approvedReviewDue, reviewState } from '../governance/partners';

const TTL = /^(\d+)([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export async function issueRegisteredPartnerToken(
  pool: Pool,
  config: AppConfig,
  request: {
    partner: string;
    scopes: string[];
    ttl?: string;
    /**
     * `npm run token`: a partner registered through the API (an administrator's) keeps its own governance —
     * no development agreement is made up for it, and no token is issued while it is inactive or has no
     * approved agreement in force (issue 18: never a token without one). Tests leave it off.
     */
    registeredPartnersGoverned?: boolean;
  },
): Promise<string> {
  const unknown = unknownScopes(request.scopes);
  if (unknown.length) throw new Error(`unknown scopes: ${unknown.join(', ')}`);
  const ttl = TTL.exec(request.ttl ?? '8h');
  if (!ttl) throw new Error('ttl must look like 30m, 8h or 2d');
  const expiresAt = new Date(Date.now() + Number(ttl[1]) * UNIT_MS[ttl[2] as keyof typeof UNIT_MS]);
  await pool.query(
    `INSERT INTO partners (id, name, purposes, created_by) VALUES ($1, $1, $2, 'dev-token') ON CONFLICT (id) DO NOTHING`,
    [request.partner, ROLE_POLICIES.partner.purposes.allowed],
  );
  if (request.registeredPartnersGoverned) {
    const { rows: [partner] } = await pool.query<{ createdBy: string; active: boolean }>(`SELECT created_by AS "createdBy", active FROM partners WHERE id = $1`, [request.partner]);
    if (partner.createdBy !== 'dev-token') {
      if (!partner.active) throw new Error(`partner ${request.partner} is not active`);
      const state = reviewState(await approvedReviewDue({ rows: async (text, values) => (await pool.query(text, values as unknown[])).rows }, request.partner), new Date());
      if (state === 'NO_AGREEMENT' || state === 'OVERDUE') {
        throw new Error(`partner ${request.partner} has no approved agreement in force (${state}): record one and have it approved (npm run partner -- agreement / approve-agreement), then npm run partner -- issue`);
      }
    }
  }
  // Development and tests only: a partner this tool created is taken as bound by an agreement (issue 18: an issued token needs an approved one).
  await pool.query(
    `INSERT INTO partner_agreements (partner_id, agreement_ref, risk_assessed_on, next_review_on, status, recorded_by, recorded_at, decided_by, decided_at)
     SELECT $1, 'DEV-TOKEN (development only)', current_date, current_date + 365, 'APPROVED', 'dev-token', now(), 'dev-token-approval', now()
     WHERE NOT EXISTS (SELECT 1 FROM partner_agreements WHERE partner_id = $1 AND status = 'APPROVED') ON CONFLICT DO NOTHING`,
    [request.partner],
  );
  const id = randomUUID();
  await pool.query(`INSERT INTO partner_tokens (id, partner_id, scopes, expires_at, issued_by) VALUES ($1, $2, $3, $4, 'dev-token')`, [id, request.partner, request.scopes, expiresAt]);
  return createTokenSigner(config)({ role: 'partner', sub: `partner:${request.partner}`, partner: request.partner, jti: id, scopes: request.scopes, expires: expiresAt });
}
