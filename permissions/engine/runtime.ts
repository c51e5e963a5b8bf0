/**
 * The per-request side of the policy: the operation's plan, per-record decisions for the
 * fields whose outcome depends on a relationship, and the tally the explanation reports.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { PolicyContext } from './policy-context';
import type { DecisionKind, Reason } from '../vocabulary';
import type { MaskStrategy } from '../masks';
import type { Outcome, PlannedRule } from './compile';
import type { PlannedField, PrivacyPlan } from './plan';
import { createRelationLoaders, holds, type RelationLoaders } from './relations';

export interface OutcomeTally {
  path: string;
  field: string;
  decision: DecisionKind;
  strategy?: MaskStrategy;
  reason: Reason;
  /** The clear-access grant that released these values (reason GRANT). */
  grantId?: string;
  count: number;
}

export interface PrivacyState {
  plan: PrivacyPlan;
  relations: RelationLoaders;
  tally: Map<string, OutcomeTally>;
  /** Customers whose sensitive values this response carries clear / masked (the access register lists them). */
  customers: { clear: Set<string>; masked: Set<string> };
  /** Non-null sensitive values the response carries clear / masked (a null reveals nothing). */
  values: { clear: number; masked: number };
  /** Sites of the values met so far (see siteOf): per row object, per collapsed row path, at the root. */
  rows: Map<ResponsePath, ParentSite>;
  parents: Map<string, ParentSite>;
  root: ParentSite;
  /** One outcome object per (planned outcome, grant): tallies are keyed by outcome identity. */
  granted: Map<Outcome, Map<string, Outcome>>;
}

export function createPrivacyState(plan: PrivacyPlan, ctx: PolicyContext): PrivacyState {
  return {
    plan,
    relations: createRelationLoaders(ctx),
    tally: new Map(),
    customers: { clear: new Set(), masked: new Set() },
    values: { clear: 0, masked: 0 },
    rows: new Map(),
    parents: new Map(),
    root: { path: '', fields: new Map() },
    granted: new Map(),
  };
}

/** The customer a record belongs to: the customer itself, or the owner of a contact, transaction, complaint. */
function customerOf(typeName: string, row: unknown): string | undefined {
  const r = row as { id?: unknown; customerId?: unknown; complaintCustomerId?: unknown } | null | undefined;
  // A timeline event is about its complaint's customer (read with it: schema/complaint/complaint.service.ts complaintEventColumns).
  const id = typeName === 'Customer' ? r?.id : typeName === 'ComplaintEvent' ? r?.complaintCustomerId : r?.customerId;
  return typeof id === 'string' ? id : undefined;
}

const NOT_PLANNED: Outcome = { decision: { kind: 'REMOVE' }, reason: 'NOT_PLANNED' };

type ResponsePath = GraphQLResolveInfo['path'];

/** `customers.edges.3.node.phone` → `customers.edges.node.phone`. */
export function collapsedPath(path: ResponsePath): string {
  let collapsed = '';
  for (let p: ResponsePath | undefined = path; p; p = p.prev) {
    if (typeof p.key === 'string') collapsed = collapsed ? `${p.key}.${collapsed}` : p.key;
  }
  return collapsed;
}

/** A field at one collapsed path: what the plan says of it, and its tally entries. */
export interface FieldSite {
  path: string;
  planned: PlannedField | undefined;
  tallies: Map<Outcome, OutcomeTally>;
}

interface ParentSite {
  path: string;
  fields: Map<string, FieldSite>;
}

/**
 * The site of a value. Its row's collapsed path is computed once per row and every row of a
 * list shares one site per field, so the thousands of values of a page cost a lookup each, not
 * a path built, hashed and looked up in the plan each.
 */
export function siteOf(ctx: PolicyContext, info: GraphQLResolveInfo): FieldSite {
  const state = ctx.privacy;
  const path = info.path;
  if (!state) return { path: collapsedPath(path), planned: undefined, tallies: new Map() };
  let parent = path.prev ? state.rows.get(path.prev) : state.root;
  if (!parent) {
    const parentPath = collapsedPath(path.prev!);
    parent = state.parents.get(parentPath);
    if (!parent) state.parents.set(parentPath, (parent = { path: parentPath, fields: new Map() }));
    state.rows.set(path.prev!, parent);
  }
  const key = String(path.key);
  let site = parent.fields.get(key);
  if (!site) {
    const full = typeof path.key !== 'string' ? parent.path : parent.path ? `${parent.path}.${key}` : key;
    parent.fields.set(key, (site = { path: full, planned: state.plan.fields.get(full), tallies: new Map() }));
  }
  return site;
}

/** The outcome `planned` as released by one grant: the same object for every value of that grant. */
function byGrant(state: PrivacyState, planned: Outcome, grantId: string): Outcome {
  let grants = state.granted.get(planned);
  if (!grants) state.granted.set(planned, (grants = new Map()));
  let outcome = grants.get(grantId);
  if (!outcome) grants.set(grantId, (outcome = { ...planned, grantId }));
  return outcome;
}

function chosen(rule: Extract<PlannedRule, { relations: unknown }>, results: (boolean | string)[], ctx: PolicyContext, state: PrivacyState, typeName: string, row: Record<string, unknown>, coordinate: string): Outcome | Promise<Outcome> {
  const held = results.every(Boolean);
  const next = resolveRule(held ? rule.then : rule.otherwise, ctx, state, typeName, row, coordinate);
  const grantId = held ? results.find((r): r is string => typeof r === 'string') : undefined;
  if (!grantId) return next;
  // A value a grant released names the grant (access register, extensions.privacy).
  return next instanceof Promise ? next.then((o) => (o.reason === 'GRANT' ? byGrant(state, o, grantId) : o)) : next.reason === 'GRANT' ? byGrant(state, next, grantId) : next;
}

function resolveRule(rule: PlannedRule, ctx: PolicyContext, state: PrivacyState, typeName: string, row: Record<string, unknown>, coordinate: string): Outcome | Promise<Outcome> {
  if ('fixed' in rule) return rule.fixed;
  const checks = rule.relations.map((r) => holds(r, ctx, state.relations, typeName, row, coordinate));
  if (checks.every((c) => typeof c === 'boolean' || typeof c === 'string')) {
    return chosen(rule, checks as (boolean | string)[], ctx, state, typeName, row, coordinate);
  }
  return Promise.all(checks).then((results) => chosen(rule, results, ctx, state, typeName, row, coordinate));
}

/**
 * The decision for every value at this path when the plan settled it for the whole operation
 * (most fields: role, purpose and exposure decide); null when it depends on the record.
 */
export function plannedOutcome(ctx: PolicyContext, site: FieldSite): Outcome | null {
  if (!ctx.privacy || !site.planned) return NOT_PLANNED;
  return 'fixed' in site.planned.rule ? site.planned.rule.fixed : null;
}

/**
 * Customers a lookup on a sensitive field matched (a probe at this response path): the answer tells
 * the caller whose value it is even when it carries none of their values (`{ edges { node { id } } }`,
 * a count), so they are registered as received — masked, or clear when the role probes a field it
 * reads clear — and an incident's notification list and the customer's access history name them.
 * Every matched row counts, whatever the selection (fail closed).
 */
export function recordProbeMatches(ctx: PolicyContext, info: GraphQLResolveInfo, customerIds: readonly string[]): void {
  const state = ctx.privacy;
  if (!state || customerIds.length === 0 || state.plan.probes.length === 0) return;
  const path = collapsedPath(info.path);
  const probes = state.plan.probes.filter((p) => p.path === path);
  if (probes.length === 0) return;
  const received = probes.some((p) => p.decision === 'CLEAR') ? state.customers.clear : state.customers.masked;
  for (const id of customerIds) received.add(id);
}

/** The decision for one value: fail closed when there is no plan or the path is not in it. */
export function decide(ctx: PolicyContext, info: GraphQLResolveInfo, row: unknown, site = siteOf(ctx, info)): Outcome | Promise<Outcome> {
  const state = ctx.privacy;
  if (!state || !site.planned) return NOT_PLANNED;
  return resolveRule(site.planned.rule, ctx, state, info.parentType.name, (row ?? {}) as Record<string, unknown>, site.planned.coordinate);
}

export function record(ctx: PolicyContext, info: GraphQLResolveInfo, outcome: Outcome, row: unknown, value: unknown, site = siteOf(ctx, info)): void {
  const state = ctx.privacy;
  if (!state) return;
  let entry = site.tallies.get(outcome);
  if (!entry) site.tallies.set(outcome, (entry = tallyEntry(state, site.path, `${info.parentType.name}.${info.fieldName}`, outcome)));
  countValue(state, entry, outcome, customerOf(info.parentType.name, row), value);
}

/**
 * The order the explanation and the access register list tallies in: by path, decision and reason —
 * the tally's key, so the order never depends on which value an executor happened to meet first
 * (a restricted customer's REMOVE before or after another's ERASED one).
 */
export function compareTallies(a: OutcomeTally, b: OutcomeTally): number {
  return a.path.localeCompare(b.path) || a.decision.localeCompare(b.decision) || a.reason.localeCompare(b.reason);
}

/** The tally entry of one path and outcome (two outcome objects that read alike share one). */
export function tallyEntry(state: PrivacyState, path: string, field: string, outcome: Outcome): OutcomeTally {
  const kind = outcome.decision.kind;
  // A grant's values are tallied apart from others of the path: the register names the grant.
  const key = `${path}|${kind}|${outcome.reason}|${outcome.grantId ?? ''}`;
  let entry = state.tally.get(key);
  if (!entry) {
    entry = {
      path,
      field,
      decision: kind,
      ...(outcome.decision.kind === 'MASK' ? { strategy: outcome.decision.strategy } : {}),
      reason: outcome.reason,
      ...(outcome.grantId ? { grantId: outcome.grantId } : {}),
      count: 0,
    };
    state.tally.set(key, entry);
  }
  return entry;
}

/** One value served at a tallied path: counted, and — when it carries something — its customer noted. */
export function countValue(state: PrivacyState, entry: OutcomeTally, outcome: Outcome, customerId: string | undefined, value: unknown): void {
  const kind = outcome.decision.kind;
  if (kind !== 'REMOVE' && value !== null && value !== undefined) {
    state.values[kind === 'CLEAR' ? 'clear' : 'masked'] += 1;
    if (customerId) (kind === 'CLEAR' ? state.customers.clear : state.customers.masked).add(customerId);
  }
  entry.count += 1;
}

/**
 * What storage needs to read for the values at a path, as the plan settled it: nothing (removed
 * for the whole operation), the stored default masked form, or more; undefined: the path is not a
 * sensitive field of the plan; null: no plan (the caller reads everything and the policy decides).
 */
export function storageOutcome(ctx: PolicyContext, path: string): { kind: 'REMOVE' | 'MASK_DEFAULT' | 'OTHER' } | undefined | null {
  if (!ctx.privacy) return null;
  const planned = ctx.privacy.plan.fields.get(path);
  if (!planned) return undefined;
  if (!('fixed' in planned.rule)) return { kind: 'OTHER' };
  const { decision } = planned.rule.fixed;
  if (decision.kind === 'REMOVE') return { kind: 'REMOVE' };
  return { kind: decision.kind === 'MASK' && decision.strategy === planned.cls?.mask ? 'MASK_DEFAULT' : 'OTHER' };
}
