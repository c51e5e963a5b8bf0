/**
 * `npm run incident -- <command> --as <auditor or admin username>`: incident response from the
 * command line, through the same services, timeline and change history as the API.
 *   declare --kind STAFF|PARTNER|TOKEN --principal <id|username> --from <ISO time> [--to <ISO time>] [--summary "…"]
 *   contain --id <incident> --kind … --principal … --from … [--to …]     an incident in triage (a PRIVACY complaint)
 *   list [--status TRIAGE|CONTAINED|NOTIFIED|CLOSED]
 *   notifications --id <incident> [--csv]                                  every customer the principal received (CSV on stdout with --csv)
 *   notified --id <incident> --reference "outbox batch …"
 *   close --id <incident> --note "…"
 */
import { parseArgs } from 'node:util';
import { closeIncident, containIncident, declareIncident, incidentNotificationList, incidentTimeline, listIncidents, recordIncidentNotified } from '../../schema/governance/incident.service';
import { IncidentPrincipalKind, IncidentStatus, type DeclareIncidentInput } from '../../schema/governance/incident.types';
import { print, withStaffContext } from './operator-context';
import { runCli } from './run-cli';

runCli(async (cli) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      as: { type: 'string' }, id: { type: 'string' }, kind: { type: 'string' }, principal: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
      summary: { type: 'string' }, status: { type: 'string' }, reference: { type: 'string' }, note: { type: 'string' }, csv: { type: 'boolean', default: false },
    },
  });
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new Error(`--${name} is required`);
    return value;
  };
  const time = (name: string, value: string | undefined): Date => {
    const at = new Date(need(name, value));
    if (Number.isNaN(at.getTime())) throw new Error(`--${name} must be an ISO time`);
    return at;
  };
  const target = (): DeclareIncidentInput => {
    const kind = need('kind', values.kind) as IncidentPrincipalKind;
    if (!Object.values(IncidentPrincipalKind).includes(kind)) throw new Error(`--kind must be one of ${Object.values(IncidentPrincipalKind).join(', ')}`);
    return { principalKind: kind, principal: need('principal', values.principal), from: time('from', values.from), to: values.to ? time('to', values.to) : null, summary: values.summary ?? null };
  };
  await withStaffContext(cli, `cli:incident:${positionals[0] ?? ''}`, values.as, async (ctx) => {
    const withTimeline = async (incident: { id: string }) => ({ ...incident, timeline: await incidentTimeline(ctx, incident.id) });
    switch (positionals[0]) {
      case 'declare':
        return print(await withTimeline(await declareIncident(ctx, target())));
      case 'contain':
        return print(await withTimeline(await containIncident(ctx, need('id', values.id), target())));
      case 'list': {
        const status = (values.status ?? null) as IncidentStatus | null;
        if (status && !Object.values(IncidentStatus).includes(status)) throw new Error(`--status must be one of ${Object.values(IncidentStatus).join(', ')}`);
        return print(await listIncidents(ctx, status));
      }
      case 'notifications': {
        const list = await incidentNotificationList(ctx, need('id', values.id));
        if (values.csv) {
          process.stdout.write(list.csv);
          return;
        }
        return print(list.customers);
      }
      case 'notified':
        return print(await withTimeline(await recordIncidentNotified(ctx, need('id', values.id), need('reference', values.reference))));
      case 'close':
        return print(await withTimeline(await closeIncident(ctx, need('id', values.id), need('note', values.note))));
      default:
        throw new Error('usage: incident <declare|contain|list|notifications|notified|close> (see src/cli/incident.ts)');
    }
  }, { register: true });
});
