/**
 * `npm run erasure -- <command> --as <username> …`: the erasure flow from the command line (seeds
 * 000 二(五), 003 二(四), 001 五(四)), through the same services, policy checks, change history and
 * access register as the API, acting as the directory member `--as` names.
 *   request --customer <id> --basis CUSTOMER_REQUEST|END_OF_RELATIONSHIP --reason "…"   a service agent or a manager
 *   approve --request <id>             the approval it waits for: a department head (manager), then the information-management head
 *   reject --request <id> --reason "…" instead of that approval
 *   cancel --request <id>              its requester, before execution
 *   execute --request <id>             an administrator who took no other step
 *   list [--status S] [--customer <id>] [--first N]                                      managers, auditors, administrators
 *   records [--customer <id>] [--first N]                                                deletion records: auditors
 */
import { parseArgs } from 'node:util';
import { forbidden } from '../../permissions/engine/errors';
import { ROLE_POLICIES } from '../../permissions/policy';
import { approvePending, cancelErasure, executeErasure, findDeletionRecords, findErasureRequests, rejectErasure, requestErasure } from '../../schema/erasure/erasure.service';
import { ErasureBasis, ErasureStatus } from '../../schema/erasure/erasure.types';
import type { RequestContext } from '../context';
import { print, withStaffContext } from './operator-context';
import { runCli } from './run-cli';

/** The CLI has no query plan: the root fields a role may call are checked here, as the plan does. */
function requireOperation(ctx: RequestContext, coordinate: string): void {
  if (!ROLE_POLICIES[ctx.principal.role]?.operations.includes(coordinate)) throw forbidden(`role ${ctx.principal.role} may not call ${coordinate}`, [coordinate]);
}

runCli(async (cli) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      as: { type: 'string' }, customer: { type: 'string' }, basis: { type: 'string' }, reason: { type: 'string' }, request: { type: 'string' },
      status: { type: 'string' }, first: { type: 'string' },
    },
  });
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new Error(`--${name} is required`);
    return value;
  };
  const first = values.first === undefined ? null : Number(values.first);
  const command = positionals[0] ?? '';
  await withStaffContext(cli, `cli:erasure:${command}`, values.as, async (ctx) => {
    switch (command) {
      case 'request':
        requireOperation(ctx, 'Mutation.requestErasure');
        return print(await requestErasure(ctx, { customerId: need('customer', values.customer), basis: need('basis', values.basis) as ErasureBasis, reason: need('reason', values.reason) }));
      case 'approve':
        requireOperation(ctx, 'Mutation.approveErasure');
        return print(await approvePending(ctx, need('request', values.request)));
      case 'reject':
        requireOperation(ctx, 'Mutation.rejectErasure');
        return print(await rejectErasure(ctx, need('request', values.request), need('reason', values.reason)));
      case 'cancel':
        requireOperation(ctx, 'Mutation.cancelErasure');
        return print(await cancelErasure(ctx, need('request', values.request)));
      case 'execute':
        requireOperation(ctx, 'Mutation.executeErasure');
        return print(await executeErasure(ctx, need('request', values.request)));
      case 'list': {
        requireOperation(ctx, 'Query.erasureRequests');
        if (values.status && !Object.values(ErasureStatus).includes(values.status as ErasureStatus)) throw new Error(`--status must be one of ${Object.values(ErasureStatus).join(', ')}`);
        const page = await findErasureRequests(ctx, { status: (values.status as ErasureStatus | undefined) ?? null, customerId: values.customer ?? null, first });
        return print(page.edges.map((e) => e.node));
      }
      case 'records': {
        requireOperation(ctx, 'Query.deletionRecords');
        const page = await findDeletionRecords(ctx, { customerId: values.customer ?? null, first });
        return print(page.edges.map((e) => e.node));
      }
      default:
        throw new Error('usage: erasure <request|approve|reject|cancel|execute|list|records> --as <username> (see src/cli/erasure.ts)');
    }
  }, { register: true });
});
