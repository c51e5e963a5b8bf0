/**
 * A schema per scope set: what a partner's introspection shows and what `npm run schema --
 * --scopes …` prints for onboarding — only the root fields and fields its scopes open, and the
 * types still reachable. Partners' introspection is answered from it; an operation that mixes
 * introspection with data is refused, so the full schema never answers a partner's `__schema`.
 */
import { filterSchema, pruneSchema } from '@graphql-tools/utils';
import { execute, getVariableValues, GraphQLError, Kind, visit, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { sanitiseErrorMessage } from '../../src/error-hygiene';
import type { PolicyContext } from './policy-context';
import type { PipelineStage } from '../../src/request-stage';
import { scopesAllow } from '../scopes';

const cache = new WeakMap<GraphQLSchema, Map<string, GraphQLSchema>>();

export function schemaForScopes(schema: GraphQLSchema, scopes: readonly string[]): GraphQLSchema {
  const key = [...new Set(scopes)].sort().join(',');
  let perSchema = cache.get(schema);
  if (!perSchema) cache.set(schema, (perSchema = new Map()));
  let scoped = perSchema.get(key);
  if (!scoped) {
    scoped = pruneSchema(
      filterSchema({
        schema,
        rootFieldFilter: (operation, fieldName) => scopesAllow(scopes, `${operation}.${fieldName}`),
        // Output fields only: filter and input types stay whole (the plan refuses revealing filters).
        objectFieldFilter: (typeName, fieldName) => scopesAllow(scopes, `${typeName}.${fieldName}`),
      }),
    );
    perSchema.set(key, scoped);
  }
  return scoped;
}

function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}

/** Every root selection is `__schema`, `__type` or `__typename` (no fragments at the root). */
function onlyIntrospection(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}

export const scopedIntrospectionPlugin: PipelineStage<PolicyContext> = {
  async requestDidStart() {
    return {
      // Refusals belong here: Apollo turns errors thrown in responseForOperation into a 500.
      async didResolveOperation({ contextValue, document, operation, schema, request }) {
        if (contextValue.principal.role !== 'partner' || !operation || !usesIntrospection(document)) return;
        if (!onlyIntrospection(operation)) {
          throw new GraphQLError('Forbidden: ask for introspection in an operation of its own', {
            extensions: { code: 'FORBIDDEN', reason: 'INTROSPECTION_MIXED', http: { status: 403 } },
          });
        }
        // Variables are checked here, against the schema that will answer (no value echoed).
        const coerced = getVariableValues(schemaForScopes(schema, contextValue.principal.scopes), operation.variableDefinitions ?? [], request.variables ?? {});
        if (coerced.errors) {
          throw new GraphQLError(sanitiseErrorMessage(coerced.errors[0].message).message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
        }
      },
      async responseForOperation({ contextValue, document, operation, schema, request }) {
        const { principal } = contextValue;
        if (principal.role !== 'partner' || !operation || !usesIntrospection(document) || !onlyIntrospection(operation)) return null;
        const result = await execute({
          schema: schemaForScopes(schema, principal.scopes),
          document,
          operationName: request.operationName,
          variableValues: request.variables,
          contextValue,
        });
        const errors = result.errors?.map((e) => ({ message: sanitiseErrorMessage(e.message).message, path: e.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } }));
        return { http: { status: undefined, headers: new Map() }, body: { kind: 'single', singleResult: { data: result.data, errors } } } as never;
      },
    };
  },
};
