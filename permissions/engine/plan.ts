/**
 * The query plan: once per operation, before execution, the decision for every field path the
 * operation selects — from role, purpose and exposure — and the refusals that must stop the
 * request before any SQL runs. Walks aliases, fragments, inline fragments, @include/@skip and
 * variables exactly as execution will.
 */
import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  typeFromAST,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Role } from '../vocabulary';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/paging/page';
import { CLASSIFICATION, REVEALING_INPUTS } from '../classification';
import { classify, isSensitive, ROLE_POLICIES, ruleFor } from '../policy';
import { mask, type FieldClass, type Purpose } from '../vocabulary';
import { alwaysRemoved, canBeClear, compileRule, downgraded, type KnownFalse, type PlannedRule } from './compile';
import { badDirectiveArgument, forbidden, exposureLimit, queryLimit } from './errors';
import { fieldGroupOf, scopesAllow, scopesOpening } from '../scopes';

/** Rows assumed for a plain list the classification gives no estimate for. */
const DEFAULT_LIST_ESTIMATE = 10;

export interface PlannedField {
  /** Response path with list indices left out: `customers.edges.node.phone`. */
  path: string;
  /** The record the field belongs to: `customers.edges.node`. */
  recordPath: string;
  coordinate: string;
  cls: FieldClass | undefined;
  /** How many values this path can return (page sizes multiplied along the path). */
  rows: number;
  rule: PlannedRule;
}

export interface Exposure {
  /** Sensitive values the operation can return, clear or masked. */
  volume: number;
  /** Of those, the ones that can come back clear (after downgrades). */
  clearVolume: number;
  /** Most distinct identifying fields asked of one record. */
  breadth: number;
  clearBudget: number;
  clearBreadth: number;
  hardLimit: number;
}

/**
 * A probe: an argument whose answer depends on a sensitive value — an exact lookup or filter, a
 * uniqueness check — is a read of that value for every row it can match, a count included.
 */
export interface PlannedProbe {
  /** The response path of the field that takes the argument: `a3` (an alias), `customers`. */
  path: string;
  /** `filter.idNumber`, `input.idNumber`. */
  argument: string;
  /** The field it reads: `Customer.idNumber`. */
  field: string;
  /** Rows it can match: the page size, at least one. */
  rows: number;
  /** CLEAR when the role reads the field clear, MASK when it probes under an exact-lookup grant or a uniqueness check. */
  decision: 'CLEAR' | 'MASK';
}

export interface PrivacyPlan {
  role: Role;
  purpose: Purpose;
  /** Lookups, filters and uniqueness checks on sensitive fields: registered and budgeted as reads. */
  probes: PlannedProbe[];
  /** Sensitive field paths only: everything else is clear (or the plan refused it). */
  fields: Map<string, PlannedField>;
  /** The root fields the operation calls: `Query.customers`, `Mutation.updateCustomer`. */
  roots: string[];
  /** Scoped roles: the field groups (scopes) the operation uses; a consent must cover all of them. */
  fieldGroups: string[];
  exposure: Exposure;
}

interface WalkState {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  seen: Map<string, PlannedField & { args: Record<string, unknown> }>;
  /** Counted as execution will meet them: a fragment spread twice counts twice. */
  shape: { aliases: number; directives: number; depth: number };
}

function clampPage(first: unknown): number {
  if (typeof first !== 'number') return DEFAULT_PAGE_SIZE;
  return Math.min(Math.max(first, 0), MAX_PAGE_SIZE);
}

function isConnectionType(type: GraphQLCompositeType): boolean {
  return isObjectType(type) && type.name.endsWith('Connection') && 'edges' in type.getFields();
}

function included(state: WalkState, node: { directives?: readonly import('graphql').DirectiveNode[] }): boolean {
  if (!node.directives?.length) return true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, state.variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, state.variables)?.if !== false;
  } catch (error) {
    throw badDirectiveArgument(error); // `$v: Boolean = true` sent as null: the caller's mistake, not a 500
  }
}

function applies(state: WalkState, typeCondition: import('graphql').NamedTypeNode | undefined, type: GraphQLObjectType): boolean {
  if (!typeCondition) return true;
  const conditionType = typeFromAST(state.schema, typeCondition);
  if (!conditionType || !isCompositeType(conditionType)) return false;
  return conditionType === type || (!isObjectType(conditionType) && state.schema.isSubType(conditionType, type));
}

function walk(state: WalkState, selectionSet: SelectionSetNode, type: GraphQLObjectType, recordPath: string, rows: number, pageSize: number | undefined): void {
  for (const selection of selectionSet.selections) {
    state.shape.directives += selection.directives?.length ?? 0;
    if (!included(state, selection)) continue;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(state, selection.typeCondition, type)) walk(state, selection.selectionSet, type, recordPath, rows, pageSize);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = state.fragments[selection.name.value];
      if (fragment && applies(state, fragment.typeCondition, type)) walk(state, fragment.selectionSet, type, recordPath, rows, pageSize);
      continue;
    }
    const name = selection.name.value;
    // Every alias counts, on __typename and introspection fields too (graphql-cop overloads with __typename).
    if (selection.alias) state.shape.aliases += 1;
    if (name.startsWith('__')) {
      // __typename, __schema, __type: no customer data, but their aliases and directives count.
      if (selection.selectionSet) countIntrospectionShape(state, selection.selectionSet);
      continue;
    }
    const definition = type.getFields()[name];
    if (!definition) continue; // validation has refused it already
    const key = selection.alias?.value ?? name;
    const path = recordPath ? `${recordPath}.${key}` : key;
    state.shape.depth = Math.max(state.shape.depth, path.split('.').length);
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(definition, selection, state.variables);
    } catch {
      args = { first: MAX_PAGE_SIZE }; // execution reports the bad argument; estimate the worst case meanwhile
    }
    const cls = classify(type.name, name);
    const isList = isListType(getNullableType(definition.type));
    const fieldRows = isList ? rows * (name === 'edges' && pageSize !== undefined ? pageSize : (cls?.listEstimate ?? DEFAULT_LIST_ESTIMATE)) : rows;
    if (!state.seen.has(path)) {
      state.seen.set(path, { path, recordPath, coordinate: `${type.name}.${name}`, cls, rows: fieldRows, rule: { fixed: { decision: { kind: 'REMOVE' }, reason: 'NOT_IN_POLICY' } }, args });
    }
    const named = getNamedType(definition.type);
    if (selection.selectionSet && isObjectType(named)) {
      const childPage = isConnectionType(named) ? clampPage(args.first) : undefined;
      walk(state, selection.selectionSet, named, path, fieldRows, childPage);
    }
  }
}

/** Aliases and directives inside an introspection field, counted as execution meets them (spreads included). */
function countIntrospectionShape(state: WalkState, selectionSet: SelectionSetNode): void {
  for (const selection of selectionSet.selections) {
    state.shape.directives += selection.directives?.length ?? 0;
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = state.fragments[selection.name.value]; // no cycles: validation refused them
      if (fragment) countIntrospectionShape(state, fragment.selectionSet);
      continue;
    }
    if (selection.kind === Kind.FIELD && selection.alias) state.shape.aliases += 1;
    if (selection.selectionSet) countIntrospectionShape(state, selection.selectionSet);
  }
}

/** Filter and sort inputs a role may use: only on fields it reads clear, or holds a lookup grant for. */
function checkRevealingInputs(
  role: Role, purpose: Purpose, scopes: readonly string[], coordinate: string, path: string, args: Record<string, unknown>, refused: string[], probes: PlannedProbe[], knownFalse: KnownFalse,
): void {
  const guards = REVEALING_INPUTS[coordinate];
  if (!guards) return;
  const used: string[] = [];
  const filter = args.filter as Record<string, unknown> | null | undefined;
  if (filter) for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== null) used.push(`filter.${k}`);
  const orderBy = args.orderBy as { field?: string } | null | undefined;
  if (orderBy?.field) used.push(`orderBy.${orderBy.field}`);
  const policy = ROLE_POLICIES[role];
  for (const input of used) {
    const revealed = guards[input];
    if (!revealed) continue;
    const [typeName, fieldName] = revealed.split('.');
    const rule = compileRule(ruleFor(role, typeName, fieldName), purpose, undefined, knownFalse);
    const readsClear = 'fixed' in rule && rule.fixed.decision.kind === 'CLEAR';
    // A scoped caller filters and sorts only by what its scopes open: a filter reads the field it tests.
    if (policy.scoped && !scopesAllow(scopes, revealed)) refused.push(`${coordinate}(${input})`);
    else if (!readsClear && !policy.lookups.includes(revealed)) refused.push(`${coordinate}(${input})`);
    else if (isSensitive(classify(typeName, fieldName))) probes.push({ path, argument: input, field: revealed, rows: Math.max(1, clampPage(args.first)), decision: readsClear ? 'CLEAR' : 'MASK' });
  }
}

/**
 * Uniqueness checks of writes: whether "a customer with this ID number already exists" depends on
 * a sensitive value, so the check is a probe of it (registered and budgeted), whoever writes.
 */
const UNIQUENESS_CHECKS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'Mutation.createCustomer': { 'input.idNumber': 'Customer.idNumber' },
};

function uniquenessProbes(coordinate: string, path: string, args: Record<string, unknown>, probes: PlannedProbe[]): void {
  const checks = UNIQUENESS_CHECKS[coordinate];
  const input = args.input as Record<string, unknown> | undefined;
  if (!checks || !input) return;
  for (const [argument, field] of Object.entries(checks)) {
    if (input[argument.slice('input.'.length)] !== undefined && input[argument.slice('input.'.length)] !== null) probes.push({ path, argument, field, rows: 1, decision: 'MASK' });
  }
}

/** Mass assignment (API3:2023): every input field a mutation sets must be granted to the role. */
function checkWrites(role: Role, mutation: string, args: Record<string, unknown>, refused: string[]): void {
  const grant = ROLE_POLICIES[role].writes[mutation];
  const input = args.input as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(input ?? {})) {
    if (v === undefined) continue;
    if (!grant || !grant.fields.includes(k)) refused.push(`${mutation}(input.${k})`);
  }
}

/** The role's shape limits; cost counts every value the operation can return (fields × rows). */
function checkLimits(role: Role, state: WalkState): void {
  const limits = ROLE_POLICIES[role].limits;
  const actual = {
    depth: state.shape.depth,
    aliases: state.shape.aliases,
    directives: state.shape.directives,
    cost: [...state.seen.values()].reduce((n, f) => n + f.rows, 0),
  };
  for (const limit of ['depth', 'aliases', 'directives', 'cost'] as const) {
    if (actual[limit] > limits[limit]) throw queryLimit(role, limit, actual[limit], limits[limit]);
  }
}

const LEVEL_ORDER = { PUBLIC: 0, INTERNAL: 1, L1: 2, L2: 3, L3: 4 } as const;

function defaultMask(cls: FieldClass | undefined) {
  return cls?.mask ? mask(cls.mask) : undefined;
}

/**
 * Over the clear breadth, the most sensitive identifying fields of a record are downgraded first.
 * Records are grouped by type across the whole operation, not by path: aliases, repeated
 * fragments and nested paths can all reach the same customer, and must not split its breadth.
 */
function applyBreadth(fields: PlannedField[], clearBreadth: number): number {
  const byRecord = new Map<string, PlannedField[]>();
  for (const f of fields) {
    if (!f.cls?.identifying || alwaysRemoved(f.rule)) continue;
    const recordType = f.coordinate.split('.')[0];
    byRecord.set(recordType, [...(byRecord.get(recordType) ?? []), f]);
  }
  let breadth = 0;
  for (const group of byRecord.values()) {
    breadth = Math.max(breadth, new Set(group.map((f) => f.coordinate)).size);
    const clearCoordinates = [...new Set(group.filter((f) => canBeClear(f.rule)).map((f) => f.coordinate))];
    if (clearCoordinates.length <= clearBreadth) continue;
    const order = (c: string) => {
      const [t, n] = c.split('.');
      return LEVEL_ORDER[CLASSIFICATION[t][n].level] * 1000 + Object.keys(CLASSIFICATION[t]).indexOf(n);
    };
    const dropped = new Set(clearCoordinates.sort((a, b) => order(a) - order(b)).slice(clearBreadth));
    for (const f of group) if (dropped.has(f.coordinate)) f.rule = downgraded(f.rule, defaultMask(f.cls), 'COMBINATION');
  }
  return breadth;
}

/** Over the clear budget, clear paths are downgraded to masks, the largest first. */
function applyClearBudget(fields: PlannedField[], clearBudget: number): number {
  const candidates = fields.filter((f) => canBeClear(f.rule)).sort((a, b) => a.rows - b.rows || a.path.localeCompare(b.path));
  let kept = 0;
  for (const f of candidates) {
    if (kept + f.rows <= clearBudget) kept += f.rows;
    else f.rule = downgraded(f.rule, defaultMask(f.cls), 'EXPOSURE_CLEAR_BUDGET');
  }
  return kept;
}

export function planOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  role: Role,
  purpose: Purpose,
  scopes: readonly string[] = [],
  /** Relations that hold for no record of this request (GRANT for a caller holding no clear-access grant): settled here. */
  knownFalse: KnownFalse = [],
): PrivacyPlan {
  const rootType = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'query' ? schema.getQueryType() : null;
  if (!rootType) throw forbidden(`${operation.operation} operations are not served`, []);
  const state: WalkState = { schema, fragments, variables, seen: new Map(), shape: { aliases: 0, directives: operation.directives?.length ?? 0, depth: 0 } };
  walk(state, operation.selectionSet, rootType, '', 1, undefined);
  checkLimits(role, state);

  const policy = ROLE_POLICIES[role];
  const refusedOperations: string[] = [];
  const refusedFields: string[] = [];
  const refusedInputs: string[] = [];
  const unscoped: string[] = [];
  const sensitive: PlannedField[] = [];
  const roots = new Set<string>();
  const fieldGroups = new Set<string>();
  const probes: PlannedProbe[] = [];
  for (const [path, entry] of state.seen) {
    const [typeName, fieldName] = entry.coordinate.split('.');
    const rule = compileRule(ruleFor(role, typeName, fieldName), purpose, undefined, knownFalse);
    const isRoot = typeName === rootType.name;
    if (isRoot) roots.add(entry.coordinate);
    if (policy.scoped && !scopesAllow(scopes, entry.coordinate)) unscoped.push(entry.coordinate);
    const group = policy.scoped ? fieldGroupOf(scopes, entry.coordinate) : null;
    if (group) fieldGroups.add(group);
    if (isRoot && alwaysRemoved(rule)) refusedOperations.push(entry.coordinate);
    else if (!isSensitive(entry.cls) && alwaysRemoved(rule)) refusedFields.push(entry.coordinate);
    if (isRoot && typeName === 'Mutation') checkWrites(role, fieldName, entry.args, refusedInputs);
    checkRevealingInputs(role, purpose, scopes, entry.coordinate, path, entry.args, refusedInputs, probes, knownFalse);
    uniquenessProbes(entry.coordinate, path, entry.args, probes);
    if (isSensitive(entry.cls)) sensitive.push({ ...entry, rule });
  }
  if (unscoped.length) {
    const coordinates = [...new Set(unscoped)];
    const needed = [...new Set(coordinates.flatMap(scopesOpening))];
    throw forbidden(`the token's scopes do not open ${coordinates.join(', ')}${needed.length ? `; scopes that would: ${needed.join(', ')}` : ''}`, coordinates, { reason: 'SCOPE' });
  }
  if (refusedOperations.length) {
    throw forbidden(`role ${role} may not call ${[...new Set(refusedOperations)].join(', ')}`, [...new Set(refusedOperations)]);
  }
  if (refusedFields.length) {
    throw forbidden(`role ${role} may not read ${[...new Set(refusedFields)].join(', ')}`, [...new Set(refusedFields)]);
  }
  if (refusedInputs.length) {
    throw forbidden(
      `role ${role} may not set, filter or sort by ${[...new Set(refusedInputs)].join(', ')}: only by fields it may read clear`,
      [...new Set(refusedInputs)],
    );
  }

  // Each alias is a guess of its own: the role's probes per request (QUERY_LIMIT, before any SQL).
  if (probes.length > policy.limits.probes) throw queryLimit(role, 'probes', probes.length, policy.limits.probes);

  const breadth = applyBreadth(sensitive, policy.exposure.clearBreadth);
  const clearVolume = applyClearBudget(sensitive, policy.exposure.clearBudget);
  const volume = sensitive.filter((f) => !alwaysRemoved(f.rule)).reduce((n, f) => n + f.rows, 0);
  const exposure: Exposure = { volume, clearVolume, breadth, ...policy.exposure };
  if (volume > policy.exposure.hardLimit) throw exposureLimit(exposure, sensitive);
  return { role, purpose, probes, fields: new Map(sensitive.map((f) => [f.path, f])), roots: [...roots], fieldGroups: [...fieldGroups].sort(), exposure };
}
