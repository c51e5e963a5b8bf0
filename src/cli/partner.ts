/**
 * `npm run partner -- <command>`: partner onboarding from the command line, through the same
 * services (and change history) as the admin API, acting as `cli:<OS user>` with the admin role.
 *   register --id acme --name "ACME Insurance" --purposes partner_service[,credit_assessment]
 *   issue --partner acme --scopes customers:read,customers.contact:read [--days 90]   (prints the token once)
 *   revoke --token <token id> | rotate --token <token id>
 *   list [--partner acme]                     partners, or a partner's tokens (never the tokens)
 *   allow-list --partner acme --on|--off
 *   register-operation --partner acme --file operation.graphql
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadSigningKey, loadValueHasher } from '../audit/keys';
import { createTokenSigner } from '../auth/token-issuer';
import { createRequestContext, type RequestContext } from '../context';
import { appRoleFor } from '../db/app-role';
import { migrateUp } from '../db/migrate';
import { createPool } from '../db/pool';
import {
  issuePartnerToken, listPartners, listPartnerTokens, registerPartner, registerPartnerOperation, revokePartnerToken, rotatePartnerToken, setPartnerAllowList,
} from '../../schema/partner/partner.service';
import { runCli, withDatabase } from './run-cli';

runCli(async (cli) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string' }, name: { type: 'string' }, purposes: { type: 'string' }, partner: { type: 'string' },
      scopes: { type: 'string' }, days: { type: 'string' }, token: { type: 'string' }, file: { type: 'string' },
      on: { type: 'boolean', default: false }, off: { type: 'boolean', default: false },
    },
  });
  const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new Error(`--${name} is required`);
    return value;
  };
  await withDatabase(cli, async (url) => {
    await migrateUp(url);
    // The app's own role and a context like a request's: same checks, same change history.
    const pool = createPool(url, 2, { role: await appRoleFor(url, cli.log) });
    try {
      loadSigningKey(cli.config); // the audit keys exist before anything is written
      const principal = { sub: `cli:${os.userInfo().username}`, role: 'admin' as const, scopes: [], partnerId: null, tokenId: null, expiresAt: new Date(Date.now() + 3_600_000) };
      const ctx: RequestContext = createRequestContext(pool, principal, { requestId: `cli-${Date.now()}`, clientAddress: null }, cli.log, {
        hashValue: loadValueHasher(cli.config),
        signToken: createTokenSigner(cli.config),
        consentBackdateDays: cli.config.consentBackdateDays,
      });
      ctx.operation.name = `cli:partner:${positionals[0] ?? ''}`;
      const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      switch (positionals[0]) {
        case 'register':
          return print(await registerPartner(ctx, { id: need('id', values.id), name: need('name', values.name), purposes: list(need('purposes', values.purposes)) }));
        case 'issue': {
          const issued = await issuePartnerToken(ctx, { partnerId: need('partner', values.partner), scopes: list(need('scopes', values.scopes)), expiresInDays: values.days ? Number(values.days) : null });
          cli.log.info({ tokenId: issued.details.id, expiresAt: issued.details.expiresAt }, 'token issued: it is printed once, store it now');
          return print(issued);
        }
        case 'revoke':
          return print(await revokePartnerToken(ctx, need('token', values.token)));
        case 'rotate':
          return print(await rotatePartnerToken(ctx, need('token', values.token)));
        case 'list':
          return print(values.partner ? await listPartnerTokens(ctx, values.partner) : await listPartners(ctx));
        case 'allow-list':
          if (values.on === values.off) throw new Error('give exactly one of --on and --off');
          return print(await setPartnerAllowList(ctx, need('partner', values.partner), values.on));
        case 'register-operation':
          return print(await registerPartnerOperation(ctx, { partnerId: need('partner', values.partner), document: readFileSync(need('file', values.file), 'utf8') }));
        default:
          throw new Error('usage: partner <register|issue|revoke|rotate|list|allow-list|register-operation> (see src/cli/partner.ts)');
      }
    } finally {
      await pool.end();
    }
  });
});
