/**
 * Text PostgreSQL cannot store (a NUL character) is refused up front, naming the argument or
 * variable, instead of failing deep in SQL as an internal error.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type ASTNode } from 'graphql';
import type { RequestContext } from '../context';

function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = nulPath(value[i], `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = nulPath(inner, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

function refuse(field: string): GraphQLError {
  return new GraphQLError(`${field}: text may not contain a NUL character`, { extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } } });
}

export const inputGuardPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document }) {
        const inVariables = nulPath(request.variables ?? {}, '$');
        if (inVariables) throw refuse(inVariables.replace(/^\$\./, '$'));
        let inLiteral: string | null = null;
        visit(document, {
          StringValue(node, _key, _parent, _path, ancestors) {
            if (inLiteral || !node.value.includes('\u0000')) return;
            const argument = [...ancestors].reverse().find((a): a is ASTNode & { kind: Kind.ARGUMENT; name: { value: string } } => (a as ASTNode).kind === Kind.ARGUMENT);
            inLiteral = argument ? argument.name.value : 'a text literal';
          },
        });
        if (inLiteral) throw refuse(inLiteral);
      },
    };
  },
};
