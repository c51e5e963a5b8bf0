/**
 * Unknown directives as one validation error instead of one per use: graphql-js's
 * KnownDirectivesRule reports each `@foo` separately, so a document of a thousand of them costs
 * a thousand error objects (graphql-cop's directive overloading). Apollo always runs graphql-js's
 * rules, so this rule takes over their reports about directives the schema does not define and
 * reports them once, naming a few (shortened) and the count, nothing else the caller wrote.
 */
import { GraphQLError, Kind, type ASTVisitor, type DirectiveNode, type ValidationContext } from 'graphql';

const NAMED = 10;
const NAME_LENGTH = 20;

function shortName(name: string): string {
  return name.length > NAME_LENGTH ? `${name.slice(0, NAME_LENGTH)}…` : name;
}

export function UnknownDirectivesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  const unknown = new Map<string, DirectiveNode>();
  const report = context.reportError.bind(context);
  // Rules share the context; every report about an unknown directive's node comes through here.
  context.reportError = (error: GraphQLError) => {
    const node = error.nodes?.[0];
    if (node?.kind === Kind.DIRECTIVE && !schema.getDirective(node.name.value)) {
      if (!unknown.has(node.name.value)) unknown.set(node.name.value, node);
      return;
    }
    report(error);
  };
  return {
    Document: {
      leave() {
        if (unknown.size === 0) return;
        const names = [...unknown.keys()];
        const listed = names.slice(0, NAMED).map((n) => `@${shortName(n)}`).join(', ');
        const more = names.length > NAMED ? ` and ${names.length - NAMED} more` : '';
        report(new GraphQLError(`Unknown directives: ${listed}${more}`, { nodes: [...unknown.values()][0] }));
      },
    },
  };
}
