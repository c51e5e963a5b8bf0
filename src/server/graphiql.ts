/**
 * GraphiQL from local assets only (npm packages graphiql 3, react 18): nothing is fetched from
 * the internet, and the Content-Security-Policy forbids the page to try. Besides the page:
 * - `policy.json`: the policy's words (reasons, mask strategies, each role's purposes, exposure
 *   limits and daily budgets) that the privacy panel shows next to a response's codes — what
 *   docs/policy.md publishes, nothing about any customer or caller;
 * - `demo/identities`, `demo/sign-in`: "sign in as" a demo staff member of each role or the demo
 *   partner, a short-lived token minted here (only with `config.demoSignIn`: the embedded demo
 *   database, see AppConfig.demoSignIn).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import type { Pool } from 'pg';
import { projectRoot } from '../project-root';
import type { AppConfig } from '../config';
import { ROLES, type Role } from '../auth/principal';
import { issueDevToken } from '../auth/token-issuer';
import { issueRegisteredPartnerToken } from '../auth/partner-dev-token';
import { POLICY_VERSION, ROLE_POLICIES } from '../../permissions/policy';
import { REASONS } from '../../permissions/vocabulary';
import { MASK_DESCRIPTIONS } from '../../permissions/masks';
import { recordConsent } from '../../schema/partner/partner.service';
import type { RecordConsentInput } from '../../schema/partner/partner.types';
import { ConsentEvidenceKind } from '../../schema/partner/consent-evidence';
import { operatorContext } from '../cli/operator-context';
import type { Logger } from '../logger';

const PAGE_DIR = path.join(projectRoot(), 'src', 'server', 'graphiql');

/** A file inside an installed package (its `exports` map hides the UMD builds from require). */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** This project's own page code: revalidated on every load, so a fix reaches browsers at once. */
const OWN_ASSETS = new Set(['start.js', 'privacy-panel.js', 'privacy-panel.css']);

const ASSETS = new Map<string, string>(Object.entries({
  'graphiql.min.css': packageFile('graphiql', 'graphiql.min.css'),
  'graphiql.min.js': packageFile('graphiql', 'graphiql.min.js'),
  'react.production.min.js': packageFile('react', 'umd/react.production.min.js'),
  'react-dom.production.min.js': packageFile('react-dom', 'umd/react-dom.production.min.js'),
  ...Object.fromEntries([...OWN_ASSETS].map((name) => [name, path.join(PAGE_DIR, name)])),
}));

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Lifetime of a demo sign-in token: long enough to explore, short enough to be worthless later. */
export const DEMO_TOKEN_TTL = '30m';
/** The demo partner: created on first sign-in with every partner purpose. */
export const DEMO_PARTNER = 'demo-partner';
/** What the demo partner's tokens open: customers, contact data and identity, masked by the partner role. */
export const DEMO_PARTNER_SCOPES = ['customers:read', 'customers.contact:read', 'customers.identity:read-masked'];

/** The policy's words for the panel, by code (the same as docs/policy.md). */
export function policyVocabulary() {
  return {
    policyVersion: POLICY_VERSION,
    reasons: REASONS,
    strategies: MASK_DESCRIPTIONS,
    roles: Object.fromEntries(
      ROLES.map((role) => {
        const policy = ROLE_POLICIES[role];
        return [role, { description: policy.description, purposes: policy.purposes, exposure: policy.exposure, budgets: policy.budgets, limits: policy.limits }];
      }),
    ),
  };
}

/** Customers who consent to the demo partner on its first sign-in (a partner sees only consenting customers). */
export const DEMO_PARTNER_CUSTOMERS = 20;

/**
 * The demo partner's consents (demo data, like the seed's): recorded on its first sign-in for the
 * first DEMO_PARTNER_CUSTOMERS active customers, through the same service as the recordConsent
 * mutation — so with its checks and in the change history — acting as the first active demo
 * administrator (not the partner itself: nobody records consent for their own benefit).
 */
async function ensureDemoConsents(pool: Pool, config: AppConfig, log: Logger): Promise<number> {
  const { rows: [held] } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM consents WHERE partner_id = $1 AND revoked_at IS NULL AND expires_at > now()`, [DEMO_PARTNER]);
  if (held.n > 0) return 0;
  const { rows: [admin] } = await pool.query<{ username: string }>(`SELECT username FROM staff WHERE role = 'admin' AND active ORDER BY username LIMIT 1`);
  if (!admin) return 0;
  const { rows: customers } = await pool.query<{ id: string }>(`SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY archive_number LIMIT $1`, [DEMO_PARTNER_CUSTOMERS]);
  const ctx = await operatorContext(pool, config, log, 'DemoPartnerConsents', admin.username);
  const now = new Date();
  const day = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  for (const [i, customer] of customers.entries()) {
    await recordConsent(ctx, {
      customerId: customer.id,
      partnerId: DEMO_PARTNER,
      purpose: ROLE_POLICIES.partner.purposes.default,
      fieldGroups: DEMO_PARTNER_SCOPES,
      expiresAt: new Date(now.getTime() + 90 * 86_400_000),
      evidence: { kind: ConsentEvidenceKind.SIGNED_FORM, reference: `CF-${day}-${String(i + 1).padStart(6, '0')}` },
    } as RecordConsentInput);
  }
  return customers.length;
}

interface DemoIdentity {
  /** What the page sends back to sign in: a role (its first active demo member) or `partner`. */
  as: Role;
  role: Role;
  label: string;
}

/** The first active member of each staff role (as `npm run token -- --role R` picks), and the demo partner. */
async function demoIdentities(pool: Pool): Promise<Array<DemoIdentity & { sub?: string }>> {
  const { rows } = await pool.query<{ id: string; username: string; display_name: string; role: Role }>(
    `SELECT DISTINCT ON (role) id, username, display_name, role FROM staff WHERE active AND role = ANY($1) ORDER BY role, username`,
    [ROLES.filter((r) => r !== 'partner')],
  );
  const byRole = new Map(rows.map((r) => [r.role, r]));
  const staff = ROLES.filter((role) => byRole.has(role)).map((role) => {
    const member = byRole.get(role)!;
    return { as: role, role, sub: member.id, label: `${role} — ${member.username} (${member.display_name})` };
  });
  return [...staff, { as: 'partner', role: 'partner', label: `partner — ${DEMO_PARTNER} (scopes ${DEMO_PARTNER_SCOPES.join(', ')}; ${DEMO_PARTNER_CUSTOMERS} demo customers consent)` }];
}

function demoRouter(config: AppConfig, pool: Pool): Router {
  const router = Router();
  router.get('/identities', async (_req, res, next) => {
    try {
      const identities = await demoIdentities(pool);
      res.set('Cache-Control', 'no-store').json({ ttl: DEMO_TOKEN_TTL, identities: identities.map(({ as, role, label }) => ({ as, role, label })) });
    } catch (error) {
      next(error);
    }
  });
  // JSON only: a cross-site form cannot send it without a preflight this server never answers.
  router.post('/sign-in', express.json({ limit: '1kb' }), async (req: Request, res: Response, next) => {
    try {
      if (!req.is('application/json')) {
        res.status(415).json({ error: 'send {"as": "<role>"} as application/json' });
        return;
      }
      const as = (req.body as { as?: unknown } | undefined)?.as;
      const identity = (await demoIdentities(pool)).find((i) => i.as === as);
      if (!identity) {
        res.status(400).json({ error: `"as" must be one of: ${(await demoIdentities(pool)).map((i) => i.as).join(', ')}` });
        return;
      }
      const token =
        identity.role === 'partner'
          ? await issueRegisteredPartnerToken(pool, config, { partner: DEMO_PARTNER, scopes: DEMO_PARTNER_SCOPES, ttl: DEMO_TOKEN_TTL })
          : await issueDevToken(config, { role: identity.role, sub: identity.sub, ttl: DEMO_TOKEN_TTL });
      if (identity.role === 'partner') {
        const consented = await ensureDemoConsents(pool, config, req.log as unknown as Logger);
        if (consented) req.log.info({ consented }, 'demo sign-in: the demo partner’s consents recorded');
      }
      req.log.info({ demoSignIn: identity.as }, 'demo sign-in: token minted');
      res.set('Cache-Control', 'no-store').json({ token, role: identity.role, label: identity.label, ttl: DEMO_TOKEN_TTL, purposes: ROLE_POLICIES[identity.role].purposes });
    } catch (error) {
      next(error);
    }
  });
  return router;
}

export function graphiqlRouter(config: AppConfig, pool: Pool): Router {
  const page = readFileSync(path.join(PAGE_DIR, 'graphiql.html'), 'utf8');
  const vocabulary = JSON.stringify(policyVocabulary());
  const router = Router();
  router.get('/', (_req, res) => {
    res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY).type('html').send(page);
  });
  router.get('/policy.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('json').send(vocabulary);
  });
  if (config.demoSignIn) router.use('/demo', demoRouter(config, pool));
  else router.use('/demo', (_req, res) => void res.status(404).json({ error: 'demo sign-in is off on this server: paste a bearer token into the Headers tab' }));
  router.get('/assets/:name', (req, res) => {
    const file = ASSETS.get(req.params.name); // a Map: "constructor" or "toString" are not assets
    if (!file) {
      res.status(404).end();
      return;
    }
    // The project's own files (they decide what the browser stores) are revalidated on every load;
    // the packages' files change only with their version.
    res.set('Cache-Control', OWN_ASSETS.has(req.params.name) ? 'no-cache' : 'public, max-age=86400').sendFile(file);
  });
  return router;
}
