import { readFileSync } from 'node:fs';
import { getNamedType, isInputObjectType, isNonNullType, isObjectType, type GraphQLSchema } from 'graphql';
import { buildDeclaredSchema } from '../../schema';
import { CLASSIFICATION, REVEALING_INPUTS } from '../../permissions/classification';
import { renderPolicyDoc } from '../../permissions/docs';
import { guardedFields, isGuarded } from '../../permissions/engine/enforcement';
import { compileRule, outcomesOf } from '../../permissions/engine/compile';
import { isSensitive, ROLE_POLICIES, ruleFor } from '../../permissions/policy';
import { MASKS } from '../../permissions/masks';
import { PURPOSES } from '../../permissions/vocabulary';
import { POLICY_DOC } from '../../src/cli/policy-docs';
import { ROLES, type Role } from '../../src/auth/principal';

function schemaFields(schema: GraphQLSchema) {
  return Object.values(schema.getTypeMap())
    .filter((t) => isObjectType(t) && !t.name.startsWith('__'))
    .flatMap((t) => Object.values((t as import('graphql').GraphQLObjectType).getFields()).map((f) => ({ type: t.name, field: f })));
}

describe('The policy', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildDeclaredSchema();
  });

  it('classifies every field of the schema (an unclassified field fails here)', () => {
    const missing = schemaFields(schema).filter(({ type, field }) => !CLASSIFICATION[type]?.[field.name]).map(({ type, field }) => `${type}.${field.name}`);
    expect(missing).toEqual([]);
  });

  it('classifies only fields the schema has', () => {
    const names = new Set(schemaFields(schema).map(({ type, field }) => `${type}.${field.name}`));
    const stale = Object.entries(CLASSIFICATION).flatMap(([t, fs]) => Object.keys(fs).map((f) => `${t}.${f}`)).filter((c) => !names.has(c));
    expect(stale).toEqual([]);
  });

  it('gives a role policy to every token role, and nothing else', () => {
    expect(Object.keys(ROLE_POLICIES).sort()).toEqual([...ROLES].sort());
  });

  it.each(ROLES)('names only known fields, purposes, masks and operations for %s', (role) => {
    const policy = ROLE_POLICIES[role];
    expect(policy.purposes.allowed).toContain(policy.purposes.default);
    for (const p of policy.purposes.allowed) expect(PURPOSES).toContain(p);
    for (const coordinate of [...Object.keys(policy.fields), ...policy.lookups]) {
      const [t, f] = coordinate.split('.');
      expect({ coordinate, sensitive: isSensitive(CLASSIFICATION[t]?.[f]) }).toEqual({ coordinate, sensitive: true });
    }
    for (const op of policy.operations) expect(CLASSIFICATION[op.split('.')[0]]?.[op.split('.')[1]]).toBeDefined();
    for (const rule of Object.values(policy.fields)) {
      for (const purpose of policy.purposes.allowed) {
        for (const { decision } of outcomesOf(compileRule(rule, purpose))) if (decision.kind === 'MASK') expect(Object.keys(MASKS)).toContain(decision.strategy);
      }
    }
  });

  it('grants writes only of input fields that exist, on mutations the role may call', () => {
    const mutation = schema.getMutationType()!.getFields();
    for (const role of ROLES) {
      for (const [name, grant] of Object.entries(ROLE_POLICIES[role].writes)) {
        expect(ROLE_POLICIES[role].operations).toContain(`Mutation.${name}`);
        const input = mutation[name].args.find((a) => a.name === 'input');
        const fields = input ? Object.keys((getNamedType(input.type) as import('graphql').GraphQLInputObjectType).getFields()) : [];
        for (const f of grant.fields) expect({ role, name, field: f, exists: fields.includes(f) }).toEqual({ role, name, field: f, exists: true });
      }
    }
  });

  it('maps every revealing filter and sort input to an existing argument and field', () => {
    const query = schema.getQueryType()!;
    for (const [coordinate, inputs] of Object.entries(REVEALING_INPUTS)) {
      const [t, f] = coordinate.split('.');
      const field = (schema.getType(t) as typeof query).getFields()[f];
      expect(field).toBeDefined();
      for (const [input, revealed] of Object.entries(inputs)) {
        const [argName, key] = input.split('.');
        const arg = field.args.find((a) => a.name === argName)!;
        const argType = getNamedType(arg.type);
        if (argName === 'filter' && isInputObjectType(argType)) expect(Object.keys(argType.getFields())).toContain(key);
        const [rt, rf] = revealed.split('.');
        expect(CLASSIFICATION[rt][rf]).toBeDefined();
      }
    }
  });

  it('guards every sensitive field and every root field, and nothing else (no shield on the hot path)', () => {
    const guarded = new Set(guardedFields(schema).map((g) => `${g.typeName}.${g.fieldName}`));
    for (const { type, field } of schemaFields(schema)) {
      const coordinate = `${type}.${field.name}`;
      const mustGuard = type === 'Query' || type === 'Mutation' || isSensitive(CLASSIFICATION[type]?.[field.name]);
      expect({ coordinate, guarded: guarded.has(coordinate) }).toEqual({ coordinate, guarded: mustGuard });
    }
    expect(isGuarded('Customer', 'aFieldNobodyClassified')).toBe(true);
  });

  it('keeps nullable every field that any role may get removed, so removal never nulls a parent (shield #97)', () => {
    for (const { type, field } of schemaFields(schema)) {
      if (type === 'Query' || type === 'Mutation') continue;
      const removable = ROLES.some((role: Role) => {
        const rule = ruleFor(role, type, field.name);
        return ROLE_POLICIES[role].purposes.allowed.some((p) => outcomesOf(compileRule(rule, p)).some((o) => o.decision.kind === 'REMOVE'));
      });
      if (removable && isSensitive(CLASSIFICATION[type][field.name])) {
        expect({ coordinate: `${type}.${field.name}`, nonNull: isNonNullType(field.type) }).toEqual({ coordinate: `${type}.${field.name}`, nonNull: false });
      }
    }
  });

  it('denies by default: an unclassified field or an unknown role gets nothing', () => {
    expect(ruleFor('admin', 'Customer', 'notInThePolicy')).toEqual({ kind: 'REMOVE' });
    expect(ruleFor('nobody' as Role, 'Customer', 'id')).toEqual({ kind: 'REMOVE' });
    expect(ruleFor('partner', 'Query', 'auditLog')).toEqual({ kind: 'REMOVE' });
  });

  it('is documented: docs/policy.md matches the policy (npm run policy:docs)', () => {
    expect(readFileSync(POLICY_DOC, 'utf8')).toBe(renderPolicyDoc());
  });
});
