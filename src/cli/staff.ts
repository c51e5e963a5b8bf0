/**
 * `npm run staff -- <command> --as <admin username>`: the staff directory from the command line (an
 * employee leaves, an account is compromised), through the same services and change history as the
 * admin API, acting as that administrator.
 *   list [--role sales] [--active|--inactive]
 *   deactivate --staff <username|id> --reason "left the company"   every token refused from the next request
 *   activate --staff <username|id> --reason "…"                      served again; older tokens stay refused
 *   revoke-tokens --staff <username|id> --reason "…"                 every token issued until now refused
 *   designate --staff <username|id> --designation INFORMATION_MANAGEMENT_HEAD --reason "…"   a duty on top of the role (a manager); never oneself
 *   undesignate --staff <username|id> --designation INFORMATION_MANAGEMENT_HEAD --reason "…"
 */
import { parseArgs } from 'node:util';
import { isRole } from '../auth/principal';
import { listStaff, revokeStaffTokens, setStaffActive, setStaffDesignations } from '../../schema/staff/directory.service';
import { print, withOperatorContext } from './operator-context';
import { runCli } from './run-cli';

runCli(async (cli) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      staff: { type: 'string' }, role: { type: 'string' }, reason: { type: 'string' }, as: { type: 'string' }, designation: { type: 'string' },
      active: { type: 'boolean', default: false }, inactive: { type: 'boolean', default: false },
    },
  });
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new Error(`--${name} is required`);
    return value;
  };
  await withOperatorContext(cli, `cli:staff:${positionals[0] ?? ''}`, values.as, async (ctx) => {
    switch (positionals[0]) {
      case 'list': {
        if (values.role && (!isRole(values.role) || values.role === 'partner')) throw new Error('--role must be a staff role');
        const members = await listStaff(ctx, { role: values.role ?? null, active: values.active ? true : values.inactive ? false : null });
        return print(members.map(({ id, username, displayName, role, designations, branch, active, tokensValidAfter }) => ({ id, username, displayName, role, designations, branch, active, tokensValidAfter })));
      }
      case 'deactivate':
        return print(await setStaffActive(ctx, need('staff', values.staff), false, need('reason', values.reason)));
      case 'activate':
        return print(await setStaffActive(ctx, need('staff', values.staff), true, need('reason', values.reason)));
      case 'revoke-tokens':
        return print(await revokeStaffTokens(ctx, need('staff', values.staff), need('reason', values.reason)));
      case 'designate':
      case 'undesignate': {
        const [member] = (await listStaff(ctx)).filter((m) => m.username === need('staff', values.staff) || m.id === values.staff);
        if (!member) throw new Error('--staff names no member of the directory');
        const designation = need('designation', values.designation);
        const designations = positionals[0] === 'designate' ? [...member.designations, designation] : member.designations.filter((d) => d !== designation);
        return print(await setStaffDesignations(ctx, member.id, designations, need('reason', values.reason)));
      }
      default:
        throw new Error('usage: staff <list|deactivate|activate|revoke-tokens|designate|undesignate> (see src/cli/staff.ts)');
    }
  });
});
