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
import type { RequestContext } from '../../src/context';
import { applyMask } from '../masks';
import { classify, isSensitive, ROLE_POLICIES } from '../policy';
import { forbidden } from './errors';
import { decide, record } from './runtime';
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
  return rule(name, { cache: 'no_cache' })((_parent, _args, ctx: RequestContext) => {
    if (!ctx.privacy) return forbidden('the operation has no privacy plan', [coordinate]);
    return ROLE_POLICIES[ctx.principal.role]?.operations.includes(coordinate) ? true : forbidden(`role ${ctx.principal.role} may not call ${coordinate}`, [coordinate]);
  });
}

/** `canReadCustomerPhone`: false removes the value (null) — the decision is per record. */
function fieldRule(typeName: string, fieldName: string): IRule {
  return rule(`canRead${typeName}${capitalise(fieldName)}`, { cache: 'no_cache' })(async (parent, _args, ctx: RequestContext, info: GraphQLResolveInfo) => {
    const outcome = await decide(ctx, info, parent);
    if (outcome.decision.kind !== 'REMOVE') return true;
    record(ctx, info, outcome, parent, null);
    return false;
  });
}

function maskValue(ctx: RequestContext, info: GraphQLResolveInfo, outcome: Outcome, parent: unknown, value: unknown): unknown {
  record(ctx, info, outcome, parent, value);
  if (outcome.decision.kind === 'CLEAR') return value;
  if (outcome.decision.kind === 'MASK') return applyMask(outcome.decision.strategy, value);
  return null;
}

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

/**
 * Rewrites the resolved value by the same decision the shield rule allowed. Stays synchronous
 * when both the value and the decision are (most fields): no promise per value on large lists.
 */
const maskingMiddleware: IMiddlewareFunction = (resolve, parent, args, ctx: RequestContext, info) => {
  const value: unknown = resolve(parent, args, ctx, info);
  const outcome = decide(ctx, info, parent);
  if (isPromise(value) || isPromise(outcome)) {
    return Promise.all([value, outcome]).then(([v, o]) => maskValue(ctx, info, o as Outcome, parent, v));
  }
  // graphql-middleware's type asks for a promise; its runtime (and graphql-js) pass a plain value through.
  return maskValue(ctx, info, outcome as Outcome, parent, value) as Promise<unknown>;
};

export interface EnforcementOptions {
  /** Benchmarks only: leave out the shield layer to measure what it costs (masking stays). */
  shield?: boolean;
}

export function enforcePolicy(schema: GraphQLSchema, options: EnforcementOptions = {}): GraphQLSchema {
  const guarded = guardedFields(schema);
  const ruleTree: Record<string, Record<string, IRule>> = {};
  const maskTree: Record<string, Record<string, IMiddlewareFunction>> = {};
  for (const { typeName, fieldName } of guarded) {
    ruleTree[typeName] ??= {};
    ruleTree[typeName][fieldName] = ROOT_TYPES.has(typeName) ? rootRule(typeName, fieldName) : fieldRule(typeName, fieldName);
    if (!ROOT_TYPES.has(typeName)) {
      maskTree[typeName] ??= {};
      maskTree[typeName][fieldName] = maskingMiddleware;
    }
  }
  const layers = [];
  if (options.shield !== false) {
    const generated = shield(ruleTree, {
      allowExternalErrors: true, // resolvers' own typed errors (BAD_USER_INPUT, NOT_FOUND) pass through
      fallbackError: (thrown: unknown) => (thrown instanceof Error ? thrown : null) as never, // a denied field is removed: null
    }).generate(schema) as Record<string, Record<string, unknown>>;
    // shield() wraps every field of the schema; keep only the guarded ones.
    const filtered: Record<string, Record<string, unknown>> = {};
    for (const [typeName, fields] of Object.entries(ruleTree)) {
      filtered[typeName] = Object.fromEntries(Object.keys(fields).map((f) => [f, generated[typeName][f]]));
    }
    layers.push(filtered);
  }
  layers.push(maskTree);
  return applyMiddleware(schema, ...(layers as never[]));
}

