/**
 * `npm run partner -- <command> --as <admin username>`: partner onboarding from the command line,
 * through the same services (and change history) as the admin API, acting as that administrator.
 *   register --id acme --name "ACME Insurance" --purposes partner_service[,credit_assessment]
 *   issue --partner acme --scopes customers:read,customers.contact:read [--days 90]   (prints the token once)
 *   revoke --token <token id> | rotate --token <token id>
 *   list [--partner acme]                     partners, or a partner's tokens (never the tokens)
 *   allow-list --partner acme --on|--off
 *   register-operation --partner acme --file operation.graphql
 *   deactivate|activate --partner acme --reason "…"   every token refused / served again from the next request
 *   agreement --partner acme --ref AGR-2026-01 --assessed 2026-11-20 --review 2027-11-20   a PENDING agreement (no token until approved)
 *   agreements [--partner acme]
 *   approve-agreement|reject-agreement --id <agreement id> --as <the information-management head>   (a designated manager, not an admin)
 *   terminate --partner acme --reason "…"             deactivated for good, every token revoked, every consent ended
 *   supervision [--from <ISO time>] [--to <ISO time>]  per partner: volume, refusals, values, budget, alerts, review state (default: last 30 days)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  issuePartnerToken, listPartners, listPartnerTokens, registerPartner, registerPartnerOperation, revokePartnerToken, rotatePartnerToken, setPartnerAllowList,
} from '../../schema/partner/partner.service';
import { setPartnerActive } from '../../schema/staff/directory.service';
import { decidePartnerAgreement, listPartnerAgreements, partnerSupervisionReport, recordPartnerAgreement, terminatePartner } from '../../schema/governance/partner-governance.service';
import { print, withOperatorContext, withStaffContext } from './operator-context';
import { runCli } from './run-cli';

runCli(async (cli) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string' }, name: { type: 'string' }, purposes: { type: 'string' }, partner: { type: 'string' },
      scopes: { type: 'string' }, days: { type: 'string' }, token: { type: 'string' }, file: { type: 'string' },
      on: { type: 'boolean', default: false }, off: { type: 'boolean', default: false }, reason: { type: 'string' }, as: { type: 'string' },
      ref: { type: 'string' }, assessed: { type: 'string' }, review: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    },
  });
  const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new Error(`--${name} is required`);
    return value;
  };
  // The information-management head is a manager, not an administrator: these two run as the member --as names.
  if (positionals[0] === 'approve-agreement' || positionals[0] === 'reject-agreement') {
    await withStaffContext(cli, `cli:partner:${positionals[0]}`, values.as, async (ctx) => print(await decidePartnerAgreement(ctx, need('id', values.id), positionals[0] === 'approve-agreement')));
    return;
  }
  await withOperatorContext(cli, `cli:partner:${positionals[0] ?? ''}`, values.as, async (ctx) => {
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
      case 'deactivate':
        return print(await setPartnerActive(ctx, need('partner', values.partner), false, need('reason', values.reason)));
      case 'activate':
        return print(await setPartnerActive(ctx, need('partner', values.partner), true, need('reason', values.reason)));
      case 'agreement':
        return print(await recordPartnerAgreement(ctx, { partnerId: need('partner', values.partner), agreementRef: need('ref', values.ref), riskAssessedOn: need('assessed', values.assessed), nextReviewOn: need('review', values.review) }));
      case 'agreements':
        return print(await listPartnerAgreements(ctx, values.partner ?? null));
      case 'terminate':
        return print(await terminatePartner(ctx, need('partner', values.partner), need('reason', values.reason)));
      case 'supervision': {
        const to = values.to ? new Date(values.to) : new Date();
        const from = values.from ? new Date(values.from) : new Date(to.getTime() - 30 * 86_400_000);
        if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('--from and --to must be ISO times');
        return print(await partnerSupervisionReport(ctx, from, to));
      }
      default:
        throw new Error('usage: partner <register|issue|revoke|rotate|list|allow-list|register-operation|deactivate|activate|agreement|agreements|approve-agreement|reject-agreement|terminate|supervision> (see src/cli/partner.ts)');
    }
  });
});
