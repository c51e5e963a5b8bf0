/**
 * `npm run access-review -- <command> --as <username>`: the periodic access review from the command
 * line, through the same services as the API (seed 003 二(二)2, 四(四)1).
 *   list [--csv]                      one line per staff member and partner, unused ones first (an auditor or administrator)
 *   decide --kind STAFF|PARTNER --principal <id|username> --decision KEEP|REVOKE|CHANGE [--role <new role>] --note "…"   (an administrator)
 *   decisions                         the decisions taken, newest first
 */
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import { accessReview, decideAccessReview, listAccessReviewDecisions } from '../../schema/governance/access-review.service';
import { AccessReviewDecisionKind, ReviewPrincipalKind } from '../../schema/governance/access-review.types';
import { nowOf } from '../../schema/grant/grant.service';
import { StaffRole } from '../db/entities';
import { print, withStaffContext } from './operator-context';
import { runCli } from './run-cli';

const CSV_COLUMNS = ['kind', 'principal', 'name', 'role', 'active', 'unused', 'lastUsed', 'requests', 'clearValues', 'grantsUsed', 'customersManaged', 'openComplaints', 'activeTokens', 'consents', 'anomalies', 'lastDecision'] as const;

runCli(async (cli) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      as: { type: 'string' }, kind: { type: 'string' }, principal: { type: 'string' }, decision: { type: 'string' }, role: { type: 'string' }, note: { type: 'string' },
      csv: { type: 'boolean', default: false },
    },
  });
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new Error(`--${name} is required`);
    return value;
  };
  const command = positionals[0] ?? 'list';
  await withStaffContext(cli, `cli:access-review:${command}`, values.as, async (ctx) => {
    switch (command) {
      case 'list': {
        if (!['auditor', 'admin'].includes(ctx.principal.role)) throw new Error('the access review is read by auditors and administrators');
        const lines = await accessReview(ctx.db, nowOf(ctx));
        if (!values.csv) return print(lines);
        process.stdout.write(stringify(lines.map((l) => CSV_COLUMNS.map((c) => (l[c] instanceof Date ? (l[c] as Date).toISOString() : String(l[c] ?? '')))), { header: true, columns: [...CSV_COLUMNS] }));
        return;
      }
      case 'decide': {
        const kind = need('kind', values.kind) as ReviewPrincipalKind;
        const decision = need('decision', values.decision) as AccessReviewDecisionKind;
        if (!Object.values(ReviewPrincipalKind).includes(kind)) throw new Error('--kind must be STAFF or PARTNER');
        if (!Object.values(AccessReviewDecisionKind).includes(decision)) throw new Error('--decision must be KEEP, REVOKE or CHANGE');
        if (values.role && !Object.values(StaffRole).includes(values.role as StaffRole)) throw new Error('--role must be a staff role');
        return print(await decideAccessReview(ctx, { principalKind: kind, principal: need('principal', values.principal), decision, newRole: (values.role as StaffRole | undefined) ?? null, note: need('note', values.note) }));
      }
      case 'decisions':
        return print(await listAccessReviewDecisions(ctx));
      default:
        throw new Error('usage: access-review <list|decide|decisions> (see src/cli/access-review.ts)');
    }
  }, { register: true });
});
