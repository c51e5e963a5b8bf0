/**
 * Generates docs/policy.md — the role × field table a data-protection officer reviews — from
 * the policy itself, so the document cannot drift from what is enforced (a test compares).
 */
import type { Role } from './vocabulary';
import { CLASSIFICATION, REVEALING_INPUTS } from './classification';
import { MASK_DESCRIPTIONS } from './masks';
import { POLICY_VERSION, ROLE_POLICIES, ruleFor } from './policy';
import { RELATIONSHIP_GRANTS } from './relationship-grants';
import { CLEAR_ACCESS_GRANTS } from './clear-access-grants';
import { ACCESS_REVIEW, ALERT_DELIVERY, ALERT_RULES, INCIDENTS, PARTNER_GOVERNANCE } from './governance';
import { DESIGNATIONS, ERASURE_READS, ERASURE_STEPS, LEGAL_HOLD_PURPOSE, LEGAL_HOLD_ROLES, type ErasureActor, type ErasureStep } from './erasure';
import { RETENTION_PERIODS } from './retention';
import { COMPLAINT_DEADLINES, COMPLAINT_READS, COMPLAINT_STEPS } from './complaint-workflow';
import { DEFAULT_MINIMUM_CUSTOMERS, DIMENSION_SOURCES, REPORT_READERS, STATISTICS_GRANTS } from './statistics';
import { REASONS, SENSITIVE_LEVELS, type Condition, type FieldRule } from './vocabulary';

const ROLES = Object.keys(ROLE_POLICIES) as Role[];

function condition(c: Condition): string {
  if ('relation' in c) return c.relation.toLowerCase().replace(/_/g, ' ');
  if ('purpose' in c) return `purpose ${c.purpose}`;
  return c.all.map(condition).join(' and ');
}

export function describeRule(rule: FieldRule): string {
  if ('kind' in rule) return rule.kind === 'MASK' ? `mask(${rule.strategy})` : rule.kind.toLowerCase();
  return `${describeRule(rule.then)} if ${condition(rule.when)}, else ${describeRule(rule.otherwise)}`;
}

function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

const ACTORS: Record<ErasureActor, string> = {
  requester: 'the requester',
  departmentApprover: 'the department head who approved',
  informationHeadApprover: 'the information-management head who approved',
  executor: 'the executing administrator',
};

function performer(step: ErasureStep): string {
  if (step.roles.length === 0) return 'the job `npm run retention` (no person)';
  if (step.actsAs) return `whoever may take the approval it replaces (${step.actsAs.map((s) => ERASURE_STEPS[s].operation?.split('.')[1]).join(' / ')})`;
  const who = step.roles.join(' or ');
  return step.designation ? `${who} designated ${DESIGNATIONS[step.designation].title}` : who;
}

/** The erasure flow (permissions/erasure.ts, permissions/retention.ts): steps, who takes each, and what holds it back. */
function erasureSection(): string[] {
  const out: string[] = [];
  out.push('## Erasure', '');
  out.push('Deletion on the customer\'s request or at the end of the relationship, unrecoverable, backups included, recorded (seed 000 二(五), seed 003 二(四), seed 001 五(四)). Each step is one mutation (or `npm run erasure`), decided by this table, in the change history (`ErasureRequest`, `DeletionRecord`) and the access register. A step not allowed from the request\'s state is refused `STEP_NOT_ALLOWED` naming both states; a person of the request taking another of its steps is refused `FORBIDDEN` (reason `SAME_PERSON`); the database\'s CHECKs hold the same.', '');
  out.push(row(['step', 'operation', 'from → to', 'taken by', 'never by', 'rule']));
  out.push(row(['---', '---', '---', '---', '---', '---']));
  for (const [name, step] of Object.entries(ERASURE_STEPS)) {
    const never = [...step.notBy.map((a) => ACTORS[a]), ...(step.onlyBy ? [`anyone but ${ACTORS[step.onlyBy]}`] : [])];
    out.push(row([name, step.operation?.split('.')[1] ?? '—', `${step.from.join(', ') || '(new)'} → ${step.to.join(' or ')}`, performer(step), never.join(', ') || '—', step.rule]));
  }
  out.push('');
  out.push(row(['read', 'roles', 'what']));
  out.push(row(['---', '---', '---']));
  for (const [operation, read] of Object.entries(ERASURE_READS)) out.push(row([operation.split('.')[1], read.roles.join(', '), read.what]));
  out.push('');
  out.push('Designations (duties on top of a role, set only through `setStaffDesignations` / `npm run staff -- designate`, never by the member):', '');
  out.push(row(['designation', 'title', 'held by role', 'given by', 'duty']));
  out.push(row(['---', '---', '---', '---', '---']));
  for (const [name, d] of Object.entries(DESIGNATIONS)) out.push(row([name, d.title, d.eligibleRoles.join(', '), d.assignedBy.join(', '), d.duty]));
  out.push('');
  out.push('Execution erases when no legal retention period runs: the customer\'s data and history keys are destroyed, every sealed, masked and blind-index column and every clear personal column of their records is cleared, status `ERASED`; transaction amounts, dates, channel and currency stay on the empty customer row. While a period runs the customer is `RESTRICTED` instead, and `npm run retention` erases them when it ends:', '');
  out.push(row(['records kept', 'years', 'from', 'source']));
  out.push(row(['---', '---', '---', '---']));
  for (const p of RETENTION_PERIODS) out.push(row([p.records, String(p.years), p.runsFrom, p.source]));
  out.push('');
  out.push(`A restricted customer's sensitive fields are removed for every role (reason \`RESTRICTED\`; an erased customer's: \`ERASED\`), except under the purpose \`${LEGAL_HOLD_PURPOSE}\`, allowed to ${LEGAL_HOLD_ROLES.join(' and ')} only: it lifts the restriction and nothing more — the role's own rules above still decide (masked for both), and the read is registered under that purpose.`, '');
  return out;
}

/** Clear access by grant (permissions/clear-access-grants.ts): who may ask for which fields, who approves, for how long. */
function grantSection(): string[] {
  const g = CLEAR_ACCESS_GRANTS;
  const approvers = [...g.approvedBy.roles, ...g.approvedBy.designations.map((d) => `designated ${DESIGNATIONS[d].title}`)].join(' or ');
  const out: string[] = ['## Clear access by grant (break-glass)', ''];
  out.push(`Seed 001 五(二)1: a manager sees the archive masked, and named fields of one customer clear "only after strict approval". A request (\`requestClearAccess\`: customer, fields, purpose, reason) changes nothing; ${approvers} approves it (\`approveClearAccess\`), never ${g.notBy.join(' / ')}; it is in force from the approval for at most ${g.maxMinutes} minutes, only for requests declaring its purpose, and can be revoked (\`revokeClearAccess\`). A request not decided within ${g.pendingMinutes} minutes lapses. The role files decide it as the relation \`grant\` (per record, like own customer); every value it releases is registered with reason \`GRANT\` and the grant's id (\`extensions.privacy.fields[].grantId\`, the access register; \`valuesReleased\` on the grant). For a manager the directory shows holding no approved grant, the relation is settled false for the whole request (reason \`NOT_GRANT\`, nothing looked up per record). The answer of a request, approval or emergency grant never carries customer data. The role's clear budget and breadth still apply.`, '');
  out.push(`Emergency (\`openEmergencyClearAccess\`): ${g.emergency.when}; in force at once for ${g.emergency.maxMinutes} minutes (alert \`EMERGENCY_GRANT\` to every approver). ${g.emergency.blocksNextUntilReviewed ? "Until it is reviewed (`reviewEmergencyClearAccess`, by an approver other than the grantee), the requester's next emergency grant is refused (`FORBIDDEN`, reason `UNREVIEWED_EMERGENCY`)." : ''}`, '');
  out.push(row(['requested by', 'fields a grant may open']));
  out.push(row(['---', '---']));
  for (const [role, fields] of Object.entries(g.requestedBy)) out.push(row([role, (fields ?? []).join(', ')]));
  out.push('');
  return out;
}

/** Incident response (permissions/governance.ts). */
function incidentSection(): string[] {
  const out: string[] = ['## Incidents', ''];
  out.push(`Declared (\`declareIncident\`) by ${INCIDENTS.handledBy.join(' or ')} — never about themselves — about a principal and a time window, and contained in the same transaction; a complaint in ${INCIDENTS.triageCategories.join(', ')} opens one for triage (\`containIncident\` names its principal). The notification list (\`incidentNotificationList\`, GraphQL and CSV) is every customer whose data the principal received in the window according to the access register, clear and masked; each step is on the incident's timeline and in the change history.`, '');
  out.push(row(['principal', 'containment']));
  out.push(row(['---', '---']));
  for (const [kind, what] of Object.entries(INCIDENTS.containment)) out.push(row([kind, what]));
  out.push('');
  const g = PARTNER_GOVERNANCE;
  out.push('## Partner governance', '');
  out.push(`A partner receives and uses tokens only while bound by an approved agreement: its reference, risk assessment date and next review date (at most ${g.maxReviewIntervalDays} days apart) recorded by ${g.recordedBy.join(' or ')} (\`recordPartnerAgreement\`) and approved by the designated ${DESIGNATIONS[g.approvedBy].title}, never by who recorded it (\`approvePartnerAgreement\`). Without one, issuance is refused and every token too (\`PARTNER_NO_AGREEMENT\`); past the next review date the partner works ${g.graceDays} more days, then is refused (\`PARTNER_REVIEW_OVERDUE\`). Termination (\`terminatePartner\`, ${g.recordedBy.join(' or ')}): ${g.termination}. \`partnerSupervisionReport\` shows per partner its volume, refusals, values, customers, budget use, alerts, consents and review state.`, '');
  const r = ACCESS_REVIEW;
  out.push('## Access review', '');
  out.push(`\`npm run access-review\` and \`accessReview\` (${r.readBy.join(', ')}): one line per staff member and partner over the last ${r.periodDays} days — role, designations, tokens, last use, requests, clear values, grants used, relationships held, consents, alerts; those unused for ${r.unusedDays} days first. ${r.decidedBy.join(' or ')} decides each line (\`decideAccessReview\`), never about themselves; the decision is carried out at once and recorded with the line it was taken on:`, '');
  out.push(row(['decision', 'carried out']));
  out.push(row(['---', '---']));
  for (const [d, what] of Object.entries(r.decisions)) out.push(row([d, what]));
  out.push('');
  out.push('## Alerts', '');
  out.push(`Rules over the access register, run by the server every \`ALERTS_INTERVAL_SECONDS\` (one process at a time: an advisory lock); each fires once per principal and day or window (stored in \`alerts\`, read by auditors with the \`alerts\` query; a manager reads those naming them). With \`ALERT_WEBHOOK_URL\` each alert is POSTed as JSON (signed with \`ALERT_WEBHOOK_SECRET\` when set), retried ${ALERT_DELIVERY.maxAttempts} times with a backoff from ${ALERT_DELIVERY.firstRetrySeconds} s, doubling.`, '');
  out.push(row(['rule', 'severity', 'fires on']));
  out.push(row(['---', '---', '---']));
  for (const [name, rule] of Object.entries(ALERT_RULES)) out.push(row([name, rule.severity, rule.what + ('threshold' in rule ? ` (threshold ${rule.threshold})` : '')]));
  out.push('');
  return out;
}

/** The complaint workflow (permissions/complaint-workflow.ts): steps, who takes each, on which complaints. */
function complaintSection(): string[] {
  const out: string[] = [];
  out.push('## Complaint workflow', '');
  out.push(`Seeds 000 四, 002 篇四 第十五–二十七条, 004 四. Each step is one mutation, decided by this table, in the change history (\`Complaint\`) and on the complaint's timeline; a step the complaint's state does not allow is refused \`STEP_NOT_ALLOWED\` naming the state it is in and the states it is taken from; a service agent's step on a complaint not assigned to them is refused \`FORBIDDEN\` (reason \`NOT_ASSIGNED_COMPLAINT\`). A complaint still worked past its due time (${COMPLAINT_DEADLINES.closeWithinDays} days) takes the steps marked "late: delay first" only once its delay is explained (\`DELAY_REASON_REQUIRED\`). Steps that tell the customer write the message to the outbox in their own transaction.`, '');
  out.push(row(['step', 'operation', 'from → to', 'roles', 'condition', 'input fields', 'late: delay first', 'tells the customer', 'rule']));
  out.push(row(['---', '---', '---', '---', '---', '---', '---', '---', '---']));
  for (const [name, step] of Object.entries(COMPLAINT_STEPS)) {
    const condition = Object.entries(step.condition ?? {}).map(([role, relation]) => `${role}: ${relation}`).join(', ');
    out.push(row([name, step.operation.split('.')[1], `${step.from.join(', ') || '(new)'} → ${step.to === 'same' ? '(same)' : step.to}`, step.roles.join(', '), condition || '—', step.fields.join(', '), step.needsDelayExplainedWhenLate ? 'yes' : '', step.tells ?? '', step.rule]));
  }
  out.push('');
  out.push(row(['read', 'roles', 'what']));
  out.push(row(['---', '---', '---']));
  for (const [operation, read] of Object.entries(COMPLAINT_READS)) out.push(row([operation.split('.')[1], read.roles.join(', '), read.what]));
  out.push('');
  out.push(`Deadlines: closed within ${COMPLAINT_DEADLINES.closeWithinDays} days of receipt; first progress within ${COMPLAINT_DEADLINES.interimHours} hours (\`COMPLAINT_INTERIM_HOURS\`); escalated ${COMPLAINT_DEADLINES.escalateBeforeHours} hours before the due time with no progress (\`COMPLAINT_ESCALATE_HOURS\`).`, '');
  return out;
}

/** Aggregates (permissions/statistics.ts): who may group by what, and k. */
function statisticsSection(): string[] {
  const out: string[] = [];
  out.push('## Statistics', '');
  out.push(`\`complaintStatistics\` and \`transactionStatistics\` publish a cell only when it counts at least k = ${DEFAULT_MINIMUM_CUSTOMERS} distinct customers (\`STATISTICS_K\` may raise k, never lower it); when a single cell would be suppressed, the next smallest is suppressed with it, so it cannot be recovered by subtraction within one answer. A role groups only by the dimensions below (others: \`FORBIDDEN\`, reason \`DIMENSION_NOT_GRANTED\`), each read from a field the role reads at least generalised; roles not listed may call neither.`, '');
  out.push(row(['role', 'complaint dimensions', 'transaction dimensions']));
  out.push(row(['---', '---', '---']));
  for (const [role, grant] of Object.entries(STATISTICS_GRANTS)) out.push(row([role, grant!.complaint.join(', ') || '—', grant!.transaction.join(', ') || '—']));
  out.push('');
  out.push(row(['dimension', 'read from']));
  out.push(row(['---', '---']));
  for (const [kind, sources] of Object.entries(DIMENSION_SOURCES)) for (const [dimension, source] of Object.entries(sources)) out.push(row([`${kind} ${dimension}`, source]));
  out.push('');
  out.push(`The monthly complaint report (\`/reports/complaints/<YYYY-MM>\`, \`npm run report -- complaints --month YYYY-MM\`) is drawn from the same suppressed cells; it is served to ${REPORT_READERS.join(', ')} (bearer token as for /graphql).`, '');
  return out;
}

export function renderPolicyDoc(): string {
  const out: string[] = [];
  out.push('<!-- Generated by `npm run policy:docs` from permissions/ — do not edit. -->', '');
  out.push('# Who sees what: the policy', '');
  out.push(`Policy version \`${POLICY_VERSION}\` (every response's \`extensions.privacy.policyVersion\` names the version that decided it).`, '');
  out.push('Deny by default: a field a role is not granted is removed (`null`) when it is sensitive, and refused (`FORBIDDEN`) otherwise; an unclassified field is removed for everyone.', '');

  out.push('## Roles', '');
  out.push(row(['role', 'purposes (default first)', 'clear budget', 'clear breadth', 'hard limit', 'requests / minute', 'daily clear / masked / probes', 'depth / aliases / directives / cost / page size / probes', 'operations', 'exact lookups']));
  out.push(row(['---', '---', '---', '---', '---', '---', '---', '---', '---', '---']));
  for (const role of ROLES) {
    const p = ROLE_POLICIES[role];
    const purposes = [p.purposes.default, ...p.purposes.allowed.filter((x) => x !== p.purposes.default)];
    out.push(row([`**${role}** — ${p.description}`, purposes.join(', '), String(p.exposure.clearBudget), String(p.exposure.clearBreadth), String(p.exposure.hardLimit), String(p.budgets.requestsPerMinute), `${p.budgets.daily.clear} / ${p.budgets.daily.masked} / ${p.budgets.daily.probes}${p.scoped ? ' per partner' : ' per person'}`, `${p.limits.depth} / ${p.limits.aliases} / ${p.limits.directives} / ${p.limits.cost} / ${p.limits.pageSize} / ${p.limits.probes}`, p.operations.map((o) => o.split('.')[1]).join(', '), p.lookups.join(', ') || '—']));
  }
  out.push('', 'Clear budget: clear sensitive values per request before clear fields are downgraded to masks (`EXPOSURE_CLEAR_BUDGET`). Clear breadth: identifying fields of one record clear together (`COMBINATION`). Hard limit: sensitive values (clear + masked) per request; above it the request is refused before any SQL (`EXPOSURE_LIMIT`). Requests a minute and sensitive values a day (China time) are budgets across requests and API processes — per partner (shared by all its tokens) and per staff member (shared by all their tokens) (`RATE_LIMITED`, `EXPOSURE_BUDGET_EXHAUSTED`). Partner tokens are further narrowed by their scopes (permissions/scopes.ts). Depth, aliases, directives and cost (every value the operation can return: fields × page sizes) are shape limits per operation, refused before any SQL (`QUERY_LIMIT`); page size is the largest `first` a list may have (`BAD_USER_INPUT` naming `first`). A probe — an exact lookup, a filter or a uniqueness check on a sensitive field — is a read of that field for every row it can match (a count included): allowed only as the field rule or an exact-lookup grant says, registered (reason `PROBE`), counted per request (every alias; `QUERY_LIMIT` with `limit: probes`) and per day (`EXPOSURE_BUDGET_EXHAUSTED`).', '');

  const withheld = ROLES.filter((r) => ROLE_POLICIES[r].withheld?.length || ROLE_POLICIES[r].pseudonymousIds);
  if (withheld.length) {
    out.push('Stable identifiers kept from de-identified roles:', '');
    for (const r of withheld) {
      const p = ROLE_POLICIES[r];
      out.push(`- **${r}**: ${[...(p.withheld?.length ? [`${p.withheld.join(', ')} refused (and never filtered or sorted by)`] : []), ...(p.pseudonymousIds ? ['customer ids served as keyed pseudonyms, stable for one caller and purpose'] : [])].join('; ')}`);
    }
    out.push('');
  }

  out.push('## Sensitive fields', '');
  out.push(row(['field', 'level', 'identifying', ...ROLES]));
  out.push(row(['---', '---', '---', ...ROLES.map(() => '---')]));
  for (const [type, fields] of Object.entries(CLASSIFICATION)) {
    for (const [field, cls] of Object.entries(fields)) {
      if (!SENSITIVE_LEVELS.includes(cls.level)) continue;
      out.push(row([`${type}.${field}`, cls.level, cls.identifying ? 'yes' : '', ...ROLES.map((r) => describeRule(ruleFor(r, type, field)))]));
    }
  }
  out.push('');

  out.push('## Other fields', '');
  out.push('Clear to every role whose clear levels include the field\'s level; refused to the others.', '');
  out.push(row(['level', 'roles reading it clear', 'fields']));
  out.push(row(['---', '---', '---']));
  for (const level of ['PUBLIC', 'INTERNAL'] as const) {
    const fields = Object.entries(CLASSIFICATION).flatMap(([t, fs]) => Object.entries(fs).filter(([, c]) => c.level === level).map(([f]) => `${t}.${f}`));
    out.push(row([level, ROLES.filter((r) => ROLE_POLICIES[r].clearLevels.includes(level)).join(', '), fields.join(', ')]));
  }
  out.push('');

  out.push('## Filters and sorts that reveal a field', '');
  out.push('Accepted only from roles that read the revealed field clear, or hold an exact-lookup grant for it.', '');
  out.push(row(['argument', 'reveals']));
  out.push(row(['---', '---']));
  for (const [coordinate, inputs] of Object.entries(REVEALING_INPUTS)) {
    for (const [input, revealed] of Object.entries(inputs)) out.push(row([`${coordinate}(${input})`, revealed]));
  }
  out.push('');

  out.push('## Who grants each relationship', '');
  out.push('A relationship that unlocks clear values (for partners: any value) is established by someone other than the person it benefits (a request grants nothing; the granting role decides, never the people in `never by`), and a mutation\'s answer is decided by the relationships as they were before it ran. Every staff request is checked against the staff directory: an active member, in the role the directory gives them, with a token issued after their last revocation.', '');
  out.push(row(['relation', 'established by', 'requested by', 'granted by', 'never by', 'benefits', 'ends when']));
  out.push(row(['---', '---', '---', '---', '---', '---', '---']));
  for (const grant of Object.values(RELATIONSHIP_GRANTS)) {
    out.push(row([grant.relation, grant.establishedBy.join(', '), grant.requestedBy?.join(', ') ?? '—', grant.grantedBy.join(', '), grant.notBy.join(', '), grant.beneficiaries.join(', '), grant.endsWhen]));
  }
  out.push('');

  out.push(...grantSection());
  out.push(...incidentSection());

  out.push(...erasureSection());

  out.push(...complaintSection());

  out.push(...statisticsSection());

  out.push('## Writes', '');
  out.push(row(['role', 'mutation', 'input fields', 'record condition']));
  out.push(row(['---', '---', '---', '---']));
  for (const role of ROLES) {
    for (const [mutation, grant] of Object.entries(ROLE_POLICIES[role].writes)) {
      out.push(row([role, mutation, grant.fields.join(', ') || '—', grant.condition ?? '—']));
    }
  }
  out.push('');

  out.push('## Masks', '');
  out.push(row(['strategy', 'keeps']));
  out.push(row(['---', '---']));
  for (const [name, text] of Object.entries(MASK_DESCRIPTIONS)) out.push(row([name, text]));
  out.push('');

  out.push('## Reason codes', '');
  out.push(row(['code', 'meaning']));
  out.push(row(['---', '---']));
  for (const [code, text] of Object.entries(REASONS)) out.push(row([code, text]));
  out.push('');
  return out.join('\n');
}
