import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  GraphQLEnumType,
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  parse,
  type OperationDefinitionNode,
} from 'graphql';
import { jitExecutor } from '../../src/server/jit-executor';

/** A small schema with what graphql-jit gets wrong on its own: enums with internal values, input defaults. */
const Role = new GraphQLEnumType({ name: 'Role', values: { SALES: { value: 'sales' }, ADMIN: { value: 'admin' } } });
const Filter = new GraphQLInputObjectType({
  name: 'Filter',
  fields: { role: { type: new GraphQLNonNull(Role) }, urgency: { type: new GraphQLNonNull(GraphQLString), defaultValue: 'NORMAL' } },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      echo: { type: GraphQLString, args: { filter: { type: new GraphQLNonNull(Filter) } }, resolve: (_r, args) => JSON.stringify(args.filter) },
      roleOf: { type: Role, args: { role: { type: new GraphQLNonNull(Role) } }, resolve: (_r, args) => args.role },
      me: {
        type: new GraphQLObjectType({ name: 'Me', fields: { a: { type: GraphQLString }, b: { type: GraphQLString } } }),
        resolve: () => ({ a: 'A', b: 'B' }),
      },
      refused: {
        type: GraphQLString,
        resolve: () => {
          throw new GraphQLError('no', { extensions: { code: 'BAD_USER_INPUT', field: 'x' } });
        },
      },
    },
  }),
});

async function run(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const request = { document, operation, operationName: null, request: { query, variables }, context: {} } as unknown as GatewayGraphQLRequestContext;
  return jitExecutor(schema)(request);
}

describe('The JIT executor', () => {
  it('gives resolvers variables coerced by graphql-js: input defaults filled, enums as internal values', async () => {
    const result = await run('query ($f: Filter!, $r: Role!) { echo(filter: $f) roleOf(role: $r) }', { f: { role: 'ADMIN' }, r: 'SALES' });
    expect(result.errors).toBeUndefined();
    expect(JSON.parse(result.data!.echo)).toEqual({ role: 'admin', urgency: 'NORMAL' });
    expect(result.data!.roleOf).toBe('SALES');
  });

  it('applies a variable default value of the operation', async () => {
    const result = await run('query ($r: Role! = ADMIN) { roleOf(role: $r) }');
    expect(result.data).toEqual({ roleOf: 'ADMIN' });
  });

  it('refuses bad variables with graphql-js messages and no data', async () => {
    const result = await run('query ($r: Role!) { roleOf(role: $r) }', { r: 'NOBODY' });
    expect(result.data).toBeUndefined();
    expect(result.errors![0]).toBeInstanceOf(GraphQLError);
    expect(result.errors![0].message).toMatch(/^Variable "\$r" got invalid value/);
  });

  it('honours @include and @skip on fields, inline fragments and spreads', async () => {
    const query = 'query ($on: Boolean!) { me { a ... @include(if: $on) { b } c: b @skip(if: $on) ...F @include(if: $on) } } fragment F on Me { f: a }';
    const off = await run(query, { on: false });
    expect(JSON.parse(JSON.stringify(off.data))).toEqual({ me: { a: 'A', c: 'B' } });
    const on = await run(query, { on: true });
    expect(JSON.parse(JSON.stringify(on.data))).toEqual({ me: { a: 'A', b: 'B', f: 'A' } });
  });

  it("returns resolver errors as graphql-js errors Apollo and its plugins can rewrite, extensions kept", async () => {
    const result = await run('{ refused }');
    const [error] = result.errors!;
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'x' });
    expect(error.path).toEqual(['refused']);
    expect(error.locations).toEqual([{ line: 1, column: 3 }]);
    (error as { message: string }).message = 'rewritten'; // graphql-armor does this; graphql-jit's own errors are read-only
    expect(error.message).toBe('rewritten');
  });
});
