/**
 * Which fields of a connection's nodes an operation asks for, so a child page selects only those
 * columns (a 100-customer page with their last 10 transactions parsed 13 columns of 1,000 rows
 * to return 4). A superset is always safe: @skip/@include are ignored, fragments expanded.
 */
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

function collect(selectionSet: SelectionSetNode, info: GraphQLResolveInfo, into: (name: string, node: SelectionSetNode | undefined) => void): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) into(selection.name.value, selection.selectionSet);
    else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet, info, into);
    else {
      const fragment = info.fragments[selection.name.value];
      if (fragment) collect(fragment.selectionSet, info, into);
    }
  }
}

/** Per field occurrence (the executor hands every parent the same fieldNodes array). */
const memo = new WeakMap<GraphQLResolveInfo['fieldNodes'], string[]>();

/** The field names selected under `edges { node { … } }` of this connection field, sorted; always with id. */
export function selectedNodeFields(info: GraphQLResolveInfo): string[] {
  let fields = memo.get(info.fieldNodes);
  if (!fields) memo.set(info.fieldNodes, (fields = collectNodeFields(info)));
  return fields;
}

function collectNodeFields(info: GraphQLResolveInfo): string[] {
  const edges: SelectionSetNode[] = [];
  const nodes: SelectionSetNode[] = [];
  const fields = new Set<string>(['id']);
  for (const fieldNode of info.fieldNodes) if (fieldNode.selectionSet) collect(fieldNode.selectionSet, info, (name, set) => name === 'edges' && set && edges.push(set));
  for (const set of edges) collect(set, info, (name, node) => name === 'node' && node && nodes.push(node));
  for (const set of nodes) collect(set, info, (name) => fields.add(name));
  return [...fields].sort();
}
