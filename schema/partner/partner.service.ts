/**
 * Partners and their tokens (admin), registered operations, and consents (staff). A token is a
 * signed JWT shown once; only its id, scopes and lifetime are stored, so revocation takes effect
 * on the very next request (the verifier looks the id up every time).
 */
import { requireAgreementInForce } from '../governance/partner-governance.service';
import { createHash, randomUUID } from 'node:crypto';
import { parse } from 'graphql';
import type { RequestContext } from '../../src/context';
import type { TransactionDb } from '../../src/db/pool';
import { SCOPES, unknownScopes } from '../../permissions/scopes';
import { ROLE_POLICIES } from '../../permissions/policy';
import { forbidden } from '../../permissions/engine/errors';
import { InputProblems, notFound, requireUuid } from '../../src/input-errors';
import { evidenceProblem, EVIDENCE_FORMATS, LEGACY_EVIDENCE_KIND } from './consent-evidence';
import type { Consent, IssuedPartnerToken, IssuePartnerTokenInput, Partner, PartnerOperation, PartnerToken, RecordConsentInput, RegisterPartnerInput, RegisterPartnerOperationInput } from './partner.types';

const PARTNER_ID = /^[a-z0-9][a-z0-9-]{1,39}$/;
const DEFAULT_TOKEN_DAYS = 90;
const MAX_TOKEN_DAYS = 365;
/** Consent must be renewed (seed 000): at most three years at a time. */
const MAX_CONSENT_DAYS = 3 * 366;
const DAY_MS = 86_400_000;

/** A partner row in its GraphQL shape (shared with the directory's activation). */
export const partnerColumns = `p.id, p.name, p.purposes, p.allow_list_only AS "allowListOnly", p.active, p.created_at AS "createdAt"`;
const tokenColumns = `t.id, t.partner_id AS "partnerId", t.scopes, t.issued_at AS "issuedAt", t.expires_at AS "expiresAt", t.issued_by AS "issuedBy", t.revoked_at AS "revokedAt", t.replaces`;
const consentColumns = `cs.id, cs.customer_id AS "customerId", cs.partner_id AS "partnerId", cs.purpose, cs.field_groups AS "fieldGroups",
  cs.granted_at AS "grantedAt", cs.expires_at AS "expiresAt", cs.revoked_at AS "revokedAt", NULLIF(cs.evidence_kind, '${LEGACY_EVIDENCE_KIND}') AS "evidenceKind",
  cs.evidence_ref AS "evidenceRef", cs.recorded_by AS "recordedBy", cs.recorded_at AS "recordedAt", cs.revoked_by AS "revokedBy", cs.revoke_reason AS "revokeReason",
  (cs.revoked_at IS NULL AND cs.granted_at <= now() AND cs.expires_at > now()) AS active`;

const PARTNER_PURPOSES = ROLE_POLICIES.partner.purposes.allowed as readonly string[];

export function listPartners(ctx: RequestContext): Promise<Partner[]> {
  return ctx.db.rows<Partner>(`SELECT ${partnerColumns} FROM partners p ORDER BY p.id`);
}

async function requirePartner(tx: Pick<TransactionDb, 'rows'>, partnerId: string, field = 'partnerId'): Promise<Partner> {
  const [partner] = await tx.rows<Partner>(`SELECT ${partnerColumns} FROM partners p WHERE p.id = $1 FOR UPDATE`, [partnerId]);
  if (!partner) throw notFound('partner', field);
  return partner;
}

export function registerPartner(ctx: RequestContext, input: RegisterPartnerInput): Promise<Partner> {
  const problems = new InputProblems();
  problems.check('input.id', PARTNER_ID.test(input.id), 'must be 2–40 characters: a-z, 0-9 and -, starting with a letter or digit');
  problems.check('input.name', input.name.trim().length > 0 && input.name.length <= 200, 'must be 1–200 characters');
  problems.check('input.purposes', input.purposes.length > 0 && input.purposes.every((p) => PARTNER_PURPOSES.includes(p)), `must be one or more of: ${PARTNER_PURPOSES.join(', ')}`);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const [exists] = await tx.rows(`SELECT 1 FROM partners WHERE id = $1`, [input.id]);
    if (exists) {
      problems.add('input.id', 'a partner with this id already exists');
      problems.throwIfAny();
    }
    const [partner] = await tx.rows<Partner>(
      `INSERT INTO partners AS p (id, name, purposes, allow_list_only, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${partnerColumns}`,
      [input.id, input.name.trim(), [...new Set(input.purposes)], input.allowListOnly ?? false, ctx.principal.sub],
    );
    tx.changed({ entity: 'Partner', entityId: partner.id, customerId: null, action: 'CREATE', before: null, after: partner as never });
    return partner;
  });
}

export async function setPartnerAllowList(ctx: RequestContext, partnerId: string, allowListOnly: boolean): Promise<Partner> {
  return ctx.db.transaction(async (tx) => {
    const before = await requirePartner(tx, partnerId);
    const [partner] = await tx.rows<Partner>(`UPDATE partners AS p SET allow_list_only = $2 WHERE p.id = $1 RETURNING ${partnerColumns}`, [partnerId, allowListOnly]);
    tx.changed({ entity: 'Partner', entityId: partner.id, customerId: null, action: 'UPDATE', before: before as never, after: partner as never });
    return partner;
  });
}

async function issue(ctx: RequestContext, tx: TransactionDb, partnerId: string, scopes: string[], expiresAt: Date, replaces: string | null): Promise<IssuedPartnerToken> {
  const id = randomUUID();
  const [details] = await tx.rows<PartnerToken>(
    `INSERT INTO partner_tokens AS t (id, partner_id, scopes, expires_at, issued_by, replaces) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${tokenColumns}`,
    [id, partnerId, scopes, expiresAt, ctx.principal.sub, replaces],
  );
  tx.changed({ entity: 'PartnerToken', entityId: id, customerId: null, action: 'CREATE', before: null, after: details as never });
  const token = await ctx.services.signToken({ role: 'partner', sub: `partner:${partnerId}`, partner: partnerId, jti: id, scopes, expires: expiresAt });
  return { token, details };
}

export function issuePartnerToken(ctx: RequestContext, input: IssuePartnerTokenInput): Promise<IssuedPartnerToken> {
  const problems = new InputProblems();
  const unknown = unknownScopes(input.scopes);
  // Unknown scope names are caller text: counted, not echoed.
  problems.check('input.scopes', input.scopes.length > 0 && unknown.length === 0, `${unknown.length ? `${unknown.length} unknown scope(s); ` : ''}known scopes: ${Object.keys(SCOPES).join(', ')}`);
  const days = input.expiresInDays ?? DEFAULT_TOKEN_DAYS;
  problems.check('input.expiresInDays', Number.isInteger(days) && days >= 1 && days <= MAX_TOKEN_DAYS, `must be 1–${MAX_TOKEN_DAYS}`);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const partner = await requirePartner(tx, input.partnerId, 'input.partnerId');
    if (!partner.active) {
      problems.add('input.partnerId', 'the partner is not active');
      problems.throwIfAny();
    }
    // Assessed and bound by an approved agreement before any token (issue 18; permissions/governance.ts).
    await requireAgreementInForce(tx, partner.id, new Date(), 'input.partnerId');
    return issue(ctx, tx, partner.id, [...new Set(input.scopes)].sort(), new Date(Date.now() + days * DAY_MS), null);
  });
}

async function lockToken(tx: TransactionDb, id: string): Promise<PartnerToken> {
  const [token] = await tx.rows<PartnerToken>(`SELECT ${tokenColumns} FROM partner_tokens t WHERE t.id = $1 FOR UPDATE`, [requireUuid(id, 'id')]);
  if (!token) throw notFound('partner token');
  return token;
}

async function revoke(ctx: RequestContext, tx: TransactionDb, token: PartnerToken): Promise<PartnerToken> {
  if (token.revokedAt) return token;
  const [revoked] = await tx.rows<PartnerToken>(
    `UPDATE partner_tokens AS t SET revoked_at = now(), revoked_by = $2 WHERE t.id = $1 RETURNING ${tokenColumns}`,
    [token.id, ctx.principal.sub],
  );
  tx.changed({ entity: 'PartnerToken', entityId: token.id, customerId: null, action: 'UPDATE', before: token as never, after: revoked as never });
  return revoked;
}

export function revokePartnerToken(ctx: RequestContext, id: string): Promise<PartnerToken> {
  return ctx.db.transaction(async (tx) => revoke(ctx, tx, await lockToken(tx, id)));
}

/** A new token with the same scopes and lifetime; the old one stops working at once. */
export function rotatePartnerToken(ctx: RequestContext, id: string): Promise<IssuedPartnerToken> {
  return ctx.db.transaction(async (tx) => {
    const old = await lockToken(tx, id);
    if (old.revokedAt || old.expiresAt.getTime() <= Date.now()) {
      const problems = new InputProblems();
      problems.add('id', 'the token is revoked or expired: issue a new one');
      problems.throwIfAny();
    }
    await requireAgreementInForce(tx, old.partnerId, new Date(), 'id');
    await revoke(ctx, tx, old);
    const lifetime = Math.max(old.expiresAt.getTime() - old.issuedAt.getTime(), DAY_MS);
    return issue(ctx, tx, old.partnerId, old.scopes, new Date(Date.now() + lifetime), old.id);
  });
}

export function listPartnerTokens(ctx: RequestContext, partnerId: string): Promise<PartnerToken[]> {
  return ctx.db.rows<PartnerToken>(`SELECT ${tokenColumns} FROM partner_tokens t WHERE t.partner_id = $1 ORDER BY t.issued_at DESC`, [partnerId]);
}

export function documentHash(document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

export function registerPartnerOperation(ctx: RequestContext, input: RegisterPartnerOperationInput): Promise<PartnerOperation> {
  const problems = new InputProblems();
  let name: string | null = null;
  try {
    const doc = parse(input.document);
    const operations = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
    problems.check('input.document', operations.length === 1, 'must hold exactly one operation');
    name = operations[0] && 'name' in operations[0] ? (operations[0].name?.value ?? null) : null;
  } catch {
    problems.add('input.document', 'is not a GraphQL document');
  }
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    await requirePartner(tx, input.partnerId, 'input.partnerId');
    const [operation] = await tx.rows<PartnerOperation>(
      `INSERT INTO partner_operations (partner_id, hash, name, document, registered_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (partner_id, hash) DO UPDATE SET name = EXCLUDED.name
       RETURNING partner_id AS "partnerId", hash, name, registered_at AS "registeredAt"`,
      [input.partnerId, documentHash(input.document), name, input.document, ctx.principal.sub],
    );
    tx.changed({ entity: 'PartnerOperation', entityId: `${operation.partnerId}/${operation.hash}`, customerId: null, action: 'CREATE', before: null, after: operation as never });
    return operation;
  });
}

export function listPartnerOperations(ctx: RequestContext, partnerId: string): Promise<PartnerOperation[]> {
  return ctx.db.rows<PartnerOperation>(
    `SELECT partner_id AS "partnerId", hash, name, registered_at AS "registeredAt" FROM partner_operations WHERE partner_id = $1 ORDER BY registered_at`,
    [partnerId],
  );
}

/** Refusals of a consent's period, one message per field (the first rule it breaks). */
function checkConsentPeriod(problems: InputProblems, grantedAt: Date, expiresAt: Date, backdateDays: number, now: number): void {
  // A clock 60 s ahead of ours is not a forgery; a consent dated tomorrow is.
  const granted = grantedAt.getTime() > now + 60_000 ? 'must not be in the future'
    : grantedAt.getTime() < now - backdateDays * DAY_MS ? `must be at most ${backdateDays} days ago (record consent when it is given)`
    : null;
  if (granted) problems.add('input.grantedAt', granted);
  const expires = expiresAt.getTime() <= grantedAt.getTime() ? 'must be after grantedAt'
    : expiresAt.getTime() <= now ? 'must be in the future (an expired consent proves nothing)'
    : expiresAt.getTime() - grantedAt.getTime() > MAX_CONSENT_DAYS * DAY_MS ? 'must be at most 3 years after grantedAt (consent is renewed)'
    : null;
  if (expires) problems.add('input.expiresAt', expires);
}

/**
 * Whoever registered the partner or issued any of its tokens administers its access, so they do
 * not also vouch for its customers' consent (separation of duties). Runs under the partner's row lock.
 */
async function requireNotPartnerPrincipal(ctx: RequestContext, tx: Pick<TransactionDb, 'rows'>, partnerId: string): Promise<void> {
  const [row] = await tx.rows<{ principal: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM partners p WHERE p.id = $1 AND lower(p.created_by) = lower($2))
         OR EXISTS (SELECT 1 FROM partner_tokens t WHERE t.partner_id = $1 AND lower(t.issued_by) = lower($2)) AS principal`,
    [partnerId, ctx.principal.sub],
  );
  if (row?.principal) {
    throw forbidden('whoever registered this partner or issued its tokens may not record consent for it', ['Mutation.recordConsent'], { reason: 'PARTNER_PRINCIPAL' });
  }
}

export function recordConsent(ctx: RequestContext, input: RecordConsentInput): Promise<Consent> {
  const problems = new InputProblems();
  const customerId = requireUuid(input.customerId, 'input.customerId');
  const now = Date.now();
  const grantedAt = input.grantedAt ?? new Date(now);
  checkConsentPeriod(problems, grantedAt, input.expiresAt, ctx.services.consentBackdateDays, now);
  const evidence = evidenceProblem(input.evidence.kind, input.evidence.reference, new Date(now));
  if (evidence) problems.add(input.evidence.kind in EVIDENCE_FORMATS ? 'input.evidence.reference' : 'input.evidence.kind', evidence);
  problems.check('input.purpose', PARTNER_PURPOSES.includes(input.purpose), `must be one of: ${PARTNER_PURPOSES.join(', ')}`);
  const groups = input.fieldGroups ?? null;
  problems.check('input.fieldGroups', groups === null || (groups.length > 0 && unknownScopes(groups).length === 0), `must be scopes: ${Object.keys(SCOPES).join(', ')}`);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const partner = await requirePartner(tx, input.partnerId, 'input.partnerId');
    await requireNotPartnerPrincipal(ctx, tx, partner.id);
    problems.check('input.purpose', partner.purposes.includes(input.purpose), `must be one of this partner's purposes: ${partner.purposes.join(', ')}`);
    const [customer] = await tx.rows(`SELECT 1 FROM customers WHERE id = $1 AND status = 'ACTIVE'`, [customerId]);
    problems.check('input.customerId', Boolean(customer), 'no active customer with this id');
    problems.throwIfAny();
    const [consent] = await tx.rows<Consent>(
      `INSERT INTO consents AS cs (customer_id, partner_id, purpose, field_groups, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${consentColumns}`,
      [customerId, partner.id, input.purpose, groups && [...new Set(groups)].sort(), grantedAt, input.expiresAt, input.evidence.kind, input.evidence.reference, ctx.principal.sub],
    );
    tx.changed({ entity: 'Consent', entityId: consent.id, customerId, action: 'CREATE', before: null, after: consent as never });
    return consent;
  });
}

const MAX_REASON = 500;

/** Ends a consent from now on; the record stays (evidence of what was shared while it held). */
export function revokeConsent(ctx: RequestContext, id: string, reason?: string | null): Promise<Consent> {
  const consentId = requireUuid(id, 'id');
  const text = reason == null ? null : reason.trim();
  const problems = new InputProblems();
  problems.check('reason', text === null || (text.length > 0 && text.length <= MAX_REASON), `must be 1–${MAX_REASON} characters when given`);
  problems.throwIfAny();
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx.rows<Consent>(`SELECT ${consentColumns} FROM consents cs WHERE cs.id = $1 FOR UPDATE`, [consentId]);
    if (!before) throw notFound('consent');
    if (before.revokedAt) return before;
    const [consent] = await tx.rows<Consent>(
      `UPDATE consents AS cs SET revoked_at = now(), revoked_by = $2, revoke_reason = $3 WHERE cs.id = $1 RETURNING ${consentColumns}`,
      [before.id, ctx.principal.sub, text],
    );
    tx.changed({ entity: 'Consent', entityId: consent.id, customerId: consent.customerId, action: 'UPDATE', before: before as never, after: consent as never });
    return consent;
  });
}

export function listConsents(ctx: RequestContext, customerId: string): Promise<Consent[]> {
  return ctx.db.rows<Consent>(`SELECT ${consentColumns} FROM consents cs WHERE cs.customer_id = $1 ORDER BY cs.recorded_at DESC`, [requireUuid(customerId, 'customerId')]);
}
