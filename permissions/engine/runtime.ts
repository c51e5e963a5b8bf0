/**
 * The per-request side of the policy: the operation's plan, per-record decisions for the
 * fields whose outcome depends on a relationship, and the tally the explanation reports.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../../src/context';
import type { DecisionKind, Reason } from '../vocabulary';
import type { MaskStrategy } from '../masks';
import type { Outcome, PlannedRule } from './compile';
import type { PrivacyPlan } from './plan';
import { createRelationLoaders, holds, type RelationLoaders } from './relations';

export interface OutcomeTally {
  path: string;
  field: string;
  decision: DecisionKind;
  strategy?: MaskStrategy;
  reason: Reason;
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
}

export function createPrivacyState(plan: PrivacyPlan, ctx: RequestContext): PrivacyState {
  return { plan, relations: createRelationLoaders(ctx), tally: new Map(), customers: { clear: new Set(), masked: new Set() }, values: { clear: 0, masked: 0 } };
}

/** The customer a record belongs to: the customer itself, or the owner of a contact, transaction, complaint. */
function customerOf(typeName: string, row: unknown): string | undefined {
  const r = row as { id?: unknown; customerId?: unknown } | null | undefined;
  const id = typeName === 'Customer' ? r?.id : r?.customerId;
  return typeof id === 'string' ? id : undefined;
}

const NOT_PLANNED: Outcome = { decision: { kind: 'REMOVE' }, reason: 'NOT_PLANNED' };

type ResponsePath = GraphQLResolveInfo['path'];

function collapse(path: ResponsePath): string {
  const keys: string[] = [];
  for (let p: ResponsePath | undefined = path; p; p = p.prev) if (typeof p.key === 'string') keys.push(p.key);
  return keys.reverse().join('.');
}

/** Collapsed paths of parents, asked for by every guarded field of a row (and twice per value). */
const collapsedParents = new WeakMap<ResponsePath, string>();

/** `customers.edges.3.node.phone` → `customers.edges.node.phone`. */
export function collapsedPath(path: ResponsePath): string {
  if (!path.prev) return typeof path.key === 'string' ? path.key : '';
  let parent = collapsedParents.get(path.prev);
  if (parent === undefined) collapsedParents.set(path.prev, (parent = collapse(path.prev)));
  if (typeof path.key !== 'string') return parent;
  return parent ? `${parent}.${path.key}` : path.key;
}

function resolveRule(rule: PlannedRule, ctx: RequestContext, state: PrivacyState, typeName: string, row: Record<string, unknown>): Outcome | Promise<Outcome> {
  if ('fixed' in rule) return rule.fixed;
  const checks = rule.relations.map((r) => holds(r, ctx, state.relations, typeName, row));
  if (checks.every((c) => typeof c === 'boolean')) {
    return resolveRule(checks.every(Boolean) ? rule.then : rule.otherwise, ctx, state, typeName, row);
  }
  return Promise.all(checks).then((results) => resolveRule(results.every(Boolean) ? rule.then : rule.otherwise, ctx, state, typeName, row));
}

/**
 * The decision for every value at this path when the plan settled it for the whole operation
 * (most fields: role, purpose and exposure decide); null when it depends on the record.
 */
export function plannedOutcome(ctx: RequestContext, info: GraphQLResolveInfo): Outcome | null {
  const state = ctx.privacy;
  if (!state) return NOT_PLANNED;
  const planned = state.plan.fields.get(collapsedPath(info.path));
  if (!planned) return NOT_PLANNED;
  return 'fixed' in planned.rule ? planned.rule.fixed : null;
}

/** The decision for one value: fail closed when there is no plan or the path is not in it. */
export function decide(ctx: RequestContext, info: GraphQLResolveInfo, row: unknown): Outcome | Promise<Outcome> {
  const state = ctx.privacy;
  if (!state) return NOT_PLANNED;
  const planned = state.plan.fields.get(collapsedPath(info.path));
  if (!planned) return NOT_PLANNED;
  return resolveRule(planned.rule, ctx, state, info.parentType.name, (row ?? {}) as Record<string, unknown>);
}

export function record(ctx: RequestContext, info: GraphQLResolveInfo, outcome: Outcome, row: unknown, value: unknown): void {
  const state = ctx.privacy;
  if (!state) return;
  const tally = state.tally;
  const kind = outcome.decision.kind;
  if (kind !== 'REMOVE' && value !== null && value !== undefined) {
    state.values[kind === 'CLEAR' ? 'clear' : 'masked'] += 1;
    const customerId = customerOf(info.parentType.name, row);
    if (customerId) (kind === 'CLEAR' ? state.customers.clear : state.customers.masked).add(customerId);
  }
  const path = collapsedPath(info.path);
  const key = `${path}|${outcome.decision.kind}|${outcome.reason}`;
  const entry = tally.get(key);
  if (entry) entry.count += 1;
  else {
    tally.set(key, {
      path,
      field: `${info.parentType.name}.${info.fieldName}`,
      decision: outcome.decision.kind,
      ...(outcome.decision.kind === 'MASK' ? { strategy: outcome.decision.strategy } : {}),
      reason: outcome.reason,
      count: 1,
    });
  }
}
