/**
 * Enforcement: graphql-shield rules generated from the policy decide allow / remove (null);
 * a masking middleware fed by the same decisions rewrites values before a serializer, cache
 * or log can see them. Only fields the policy has something to decide are wrapped (shield on
 * every field costs 2–8× on large lists: graphql-shield #416, #812, #1522); every other field
 * is clear to every role that may select it, which the plan checks before execution.
 */
import { isObjectType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareFunction } from 'graphql-middleware';
import { rule, shield, type IRule } from 'graphql-shield';
import type { PolicyContext } from './policy-context';
import { applyMask, TYPE_CHANGING_MASKS } from '../masks';
import { storedMaskedForm } from '../../src/crypto/sealed-rows';
import { heldStatus } from '../../src/db/columns';
import { LEGAL_HOLD_PURPOSE, LEGAL_HOLD_ROLES } from '../erasure';
import { classify, isSensitive, ROLE_POLICIES } from '../policy';
import { forbidden } from './errors';
import { decide, plannedOutcome, record, siteOf, type FieldSite } from './runtime';
import type { Outcome } from './compile';

const ROOT_TYPES = new Set(['Query', 'Mutation']);

/** Root fields, sensitive fields, and anything unclassified (deny by default). */
export function isGuarded(typeName: string, fieldName: string): boolean {
  const cls = classify(typeName, fieldName);
  return ROOT_TYPES.has(typeName) || !cls || isSensitive(cls);
}

export function guardedFields(schema: GraphQLSchema): { typeName: string; fieldName: string }[] {
  const guarded: { typeName: string; fieldName: string }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const fieldName of Object.keys(type.getFields())) if (isGuarded(type.name, fieldName)) guarded.push({ typeName: type.name, fieldName });
  }
  return guarded;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `canQueryCustomers`, `canRunCreateCustomer`: the role may call the root field and the operation was planned. */
function rootRule(typeName: string, fieldName: string): IRule {
  const coordinate = `${typeName}.${fieldName}`;
  const name = `can${typeName === 'Mutation' ? 'Run' : 'Query'}${capitalise(fieldName)}`;
  return rule(name, { cache: 'no_cache' })((_parent, _args, ctx: PolicyContext) => {
    if (!ctx.privacy) return forbidden('the operation has no privacy plan', [coordinate]);
    return ROLE_POLICIES[ctx.principal.role]?.operations.includes(coordinate) ? true : forbidden(`role ${ctx.principal.role} may not call ${coordinate}`, [coordinate]);
  });
}

/** `canReadCustomerPhone`: false removes the value (null) — the decision is per record. */
function fieldRule(typeName: string, fieldName: string): IRule {
  return rule(`canRead${typeName}${capitalise(fieldName)}`, { cache: 'no_cache' })(async (parent, _args, ctx: PolicyContext, info: GraphQLResolveInfo) => {
    const outcome = await decide(ctx, info, parent);
    if (outcome.decision.kind !== 'REMOVE') return true;
    record(ctx, info, outcome, parent, null);
    return false;
  });
}

function maskValue(ctx: PolicyContext, info: GraphQLResolveInfo, outcome: Outcome, parent: unknown, value: unknown, site?: FieldSite): unknown {
  record(ctx, info, outcome, parent, value, site);
  if (outcome.decision.kind === 'CLEAR') return value;
  // A mask that is no value of the field's type leaves null here: its generalised field carries it, typed.
  if (outcome.decision.kind === 'MASK') {
    if (outcome.decision.strategy === 'generalised') return value; // computed typed (a year, a range): not text
    return TYPE_CHANGING_MASKS.has(outcome.decision.strategy) ? null : applyMask(outcome.decision.strategy, value);
  }
  return null;
}

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

/**
 * A clear identifying value counts towards the customer's breadth for the caller today: past the
 * role's clear breadth (what one request may show together) it comes masked instead.
 */
function withinBreadth(ctx: PolicyContext, info: GraphQLResolveInfo, parent: unknown, outcome: Outcome, site?: FieldSite): Outcome | Promise<Outcome> {
  if (outcome.decision.kind !== 'CLEAR' || !ctx.breadth) return outcome;
  const cls = site?.planned?.cls;
  const id = (parent as { id?: unknown } | null)?.id;
  if (!cls?.identifying || typeof id !== 'string') return outcome;
  const narrowed: Outcome = { decision: cls.mask ? { kind: 'MASK', strategy: cls.mask } : { kind: 'REMOVE' }, reason: 'BREADTH_TODAY' };
  // Per record, as one request groups them: a customer's fields together, each contact person's apart.
  const admitted = ctx.breadth.admits(`${info.parentType.name}:${id}`, site!.planned!.coordinate);
  return isPromise<boolean>(admitted) ? admitted.then((ok) => (ok ? outcome : narrowed)) : admitted ? outcome : narrowed;
}

/** Resolves, then rewrites the value by `decided` (narrowed by the day's breadth); stays synchronous when it can. */
function resolveAndMask(resolve: Resolve, parent: unknown, args: unknown, ctx: PolicyContext, info: GraphQLResolveInfo, decided: Outcome, site?: FieldSite): unknown {
  const outcome = withinBreadth(ctx, info, parent, decided, site);
  if (isPromise<Outcome>(outcome)) return outcome.then((o) => resolveThenMask(resolve, parent, args, ctx, info, o, site));
  return resolveThenMask(resolve, parent, args, ctx, info, outcome, site);
}

function resolveThenMask(resolve: Resolve, parent: unknown, args: unknown, ctx: PolicyContext, info: GraphQLResolveInfo, outcome: Outcome, site?: FieldSite): unknown {
  // A sealed field masked by its default mask is served from the stored masked form: nothing is decrypted.
  if (outcome.decision.kind === 'MASK' && outcome.decision.strategy === site?.planned?.cls?.mask) {
    const stored = storedMaskedForm(parent, info.fieldName);
    if (stored !== undefined) {
      record(ctx, info, outcome, parent, stored, site);
      return TYPE_CHANGING_MASKS.has(outcome.decision.strategy) ? null : stored;
    }
  }
  const value: unknown = resolve(parent, args, ctx, info);
  return isPromise(value) ? value.then((v) => maskValue(ctx, info, outcome, parent, v, site)) : maskValue(ctx, info, outcome, parent, value, site);
}

const RESTRICTED: Outcome = { decision: { kind: 'REMOVE' }, reason: 'RESTRICTED' };
const ERASED: Outcome = { decision: { kind: 'REMOVE' }, reason: 'ERASED' };

/**
 * A record of a restricted or erased customer (the row's `$hold`, read with it): its sensitive
 * fields are removed for every role, whatever the role's rule — except, for a restricted customer,
 * under the legal_hold purpose, where the role's own rule applies (permissions/erasure.ts).
 */
function withheld(ctx: PolicyContext, row: unknown): Outcome | null {
  const hold = heldStatus(row);
  if (hold === null) return null;
  if (hold === 'RESTRICTED' && ctx.privacy?.plan.purpose === LEGAL_HOLD_PURPOSE && LEGAL_HOLD_ROLES.includes(ctx.principal.role)) return null;
  return hold === 'RESTRICTED' ? RESTRICTED : ERASED;
}

/** The callable form of a graphql-middleware middleware (the package does not export it by name). */
type Middleware = Extract<IMiddlewareFunction, (...args: never[]) => unknown>;
type Resolve = Parameters<Middleware>[0];

/**
 * One guarded field. Where the plan settled the decision for the whole operation, it is applied
 * here without a per-value rule evaluation: removed values are never resolved, the rest are
 * masked or passed as decided. Where it depends on the record (own customer, assigned
 * complaint), the field's graphql-shield rule decides allow / remove first and the value is
 * then masked by the same decision. The rule would return the same answer on the first path
 * (both ask `decide`); evaluating it there cost half the throughput of a 1,000-row page.
 */
function guardedField(shieldRule: Middleware | undefined): Middleware {
  return (resolve, parent, args, ctx: PolicyContext, info) => {
    const site = siteOf(ctx, info);
    const held = withheld(ctx, parent);
    if (held) {
      record(ctx, info, held, parent, null, site);
      return null as never;
    }
    const planned = plannedOutcome(ctx, site);
    if (planned) {
      if (planned.decision.kind === 'REMOVE') {
        record(ctx, info, planned, parent, null, site);
        return null as never;
      }
      // graphql-middleware's type asks for a promise; its runtime (and the executor) pass a plain value through.
      return resolveAndMask(resolve, parent, args, ctx, info, planned, site) as Promise<unknown>;
    }
    const masked: Resolve = (p, a, c, i) => {
      const outcome = decide(c as PolicyContext, i!, p, site);
      if (isPromise<Outcome>(outcome)) return outcome.then((o) => resolveAndMask(resolve, p, a, c as PolicyContext, i!, o, site));
      return resolveAndMask(resolve, p, a, c as PolicyContext, i!, outcome, site);
    };
    if (!shieldRule) return masked(parent, args, ctx, info) as Promise<unknown>;
    return shieldRule(masked, parent, args, ctx, info);
  };
}

export interface EnforcementOptions {
  /** Benchmarks only: leave out the shield layer to measure what it costs (masking stays). */
  shield?: boolean;
}

export function enforcePolicy(schema: GraphQLSchema, options: EnforcementOptions = {}): GraphQLSchema {
  const guarded = guardedFields(schema);
  const ruleTree: Record<string, Record<string, IRule>> = {};
  for (const { typeName, fieldName } of guarded) {
    ruleTree[typeName] ??= {};
    ruleTree[typeName][fieldName] = ROOT_TYPES.has(typeName) ? rootRule(typeName, fieldName) : fieldRule(typeName, fieldName);
  }
  const shieldLayer =
    options.shield === false
      ? undefined
      : (shield(ruleTree, {
          allowExternalErrors: true, // resolvers' own typed errors (BAD_USER_INPUT, NOT_FOUND) pass through
          fallbackError: (thrown: unknown) => (thrown instanceof Error ? thrown : null) as never, // a denied field is removed: null
        }).generate(schema) as Record<string, Record<string, Middleware>>);
  // shield() wraps every field of the schema; only the guarded ones are kept.
  const tree: Record<string, Record<string, Middleware>> = {};
  for (const { typeName, fieldName } of guarded) {
    tree[typeName] ??= {};
    const rule = shieldLayer?.[typeName][fieldName];
    if (ROOT_TYPES.has(typeName)) {
      if (rule) tree[typeName][fieldName] = rule;
    } else {
      tree[typeName][fieldName] = guardedField(rule);
    }
  }
  return applyMiddleware(schema, tree as never);
}
