/**
 * Execution by graphql-jit: each distinct operation is compiled once into a JavaScript function
 * instead of graphql-js walking the document for every field of every row (on a 100-customer
 * page that walk, with its per-field argument coercion and promise bookkeeping, was most of the
 * request). Apollo Server 5 has no executor option; its gateway interface is the supported way
 * to hand it one. Parsing, validation, plugins (the policy plan among them) and error formatting
 * stay Apollo's; only execution changes.
 */
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { getVariableValues, GraphQLError, GraphQLScalarType, GraphQLSchema, Kind, specifiedScalarTypes, visit, type DocumentNode, type ExecutionResult, type TypeNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

type Compiled = CompiledQuery | ExecutionResult;

/** Stands in for every variable's type in what graphql-jit compiles: the values come coerced already. */
const COERCED = new GraphQLScalarType({ name: 'JitCoercedVariable', serialize: (v) => v, parseValue: (v) => v });

/**
 * The document graphql-jit compiles: variables typed as COERCED, defaults dropped (built-in
 * scalars stay as written). graphql-js
 * coerces the variables (as the policy plan saw them, same messages as ever); graphql-jit's own
 * coercion skips input fields' default values, fails on enums whose internal value is not their
 * name, and echoes submitted values in its messages.
 */
function withCoercedVariables(document: DocumentNode): DocumentNode {
  return visit(document, {
    VariableDefinition: (node) =>
      // Built-in scalars coerce to themselves and keep their definition as written: graphql-jit
      // checks them against @skip/@include, where `$v: Boolean = true` is allowed for its default.
      BUILT_IN_SCALARS.has(namedTypeOf(node.type))
        ? node
        : { ...node, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: COERCED.name } }, defaultValue: undefined },
  });
}

const BUILT_IN_SCALARS = new Set(specifiedScalarTypes.map((t) => t.name));

function namedTypeOf(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);
}

/**
 * Compiled operations per parsed document. Apollo keeps parsed documents in its own bounded
 * cache and hands back the same object for the same text, so a WeakMap follows its eviction.
 */
function compiledOperations(served: GraphQLSchema) {
  // The same types and resolvers, plus the stand-in scalar (never introspected: Apollo serves `served`).
  const config = served.toConfig();
  const schema = new GraphQLSchema({ ...config, types: [...config.types, COERCED] });
  const cache = new WeakMap<DocumentNode, Map<string, Compiled>>();
  return (document: DocumentNode, operationName: string | undefined): Compiled => {
    let byName = cache.get(document);
    if (!byName) cache.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let compiled = byName.get(key);
    if (!compiled) {
      // Path-based @skip/@include: the default drops the directive on inline fragments and spreads.
      compiled = compileQuery(schema, withCoercedVariables(document), operationName, { useExperimentalPathBasedSkipInclude: true }) as Compiled;
      byName.set(key, compiled);
    }
    return compiled;
  };
}

/**
 * graphql-jit's errors have read-only properties and no `extensions` when the cause had none;
 * Apollo, its plugins (armor rewrites messages) and our error hygiene expect graphql-js errors.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const copy = new GraphQLError(error.message, { path: error.path, originalError: error.originalError, extensions: error.extensions });
  (copy as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return copy;
}

/** The executor Apollo calls after parsing, validation and `didResolveOperation`. */
export function jitExecutor(schema: GraphQLSchema): GatewayExecutor {
  const compile = compiledOperations(schema);
  return async (request) => {
    const compiled = compile(request.document, request.operationName ?? request.request.operationName ?? undefined);
    if (!isCompiledQuery(compiled as CompiledQuery)) return withGraphQLJsErrors(compiled as ExecutionResult);
    const variables = getVariableValues(schema, request.operation?.variableDefinitions ?? [], request.request.variables ?? {}, { maxErrors: 50 });
    if (variables.errors) return { errors: variables.errors };
    return withGraphQLJsErrors(await (compiled as CompiledQuery).query(undefined, request.context, variables.coerced));
  };
}

function withGraphQLJsErrors(result: ExecutionResult): ExecutionResult {
  return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
}

/** A "gateway" that serves one fixed schema with the JIT executor. */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return { executor: jitExecutor(schema) };
    },
    async stop() {},
  };
}
