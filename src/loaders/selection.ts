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

/** What a page must read of a sealed field: its stored masked form only, or the ciphertext too. */
export type SealedNeed = 'masked' | 'sealed';

/**
 * The node fields this connection selects, each with what its values need as the operation's plan
 * settled it: a field removed at every place it is selected is not read at all; one served by its
 * default mask at every place reads only the stored masked form; anything else (clear, decided per
 * record, another mask, no plan) reads the ciphertext too. Paths as the plan writes them (response keys).
 */
export function plannedNodeNeeds(info: GraphQLResolveInfo, plannedAt: (path: string) => PlannedOutcome | undefined | null): Map<string, SealedNeed | null> {
  const needs = new Map<string, SealedNeed | null>([['id', 'sealed']]);
  const connectionPath = responsePath(info.path);
  const note = (name: string, need: SealedNeed | null) => {
    const before = needs.get(name);
    needs.set(name, before === 'sealed' || need === 'sealed' ? 'sealed' : before === 'masked' || need === 'masked' ? 'masked' : null);
  };
  for (const fieldNode of info.fieldNodes) {
    if (!fieldNode.selectionSet) continue;
    collectKeyed(fieldNode.selectionSet, info, (edgesName, edgesKey, edgesSet) => {
      if (edgesName !== 'edges' || !edgesSet) return;
      collectKeyed(edgesSet, info, (nodeName, nodeKey, nodeSet) => {
        if (nodeName !== 'node' || !nodeSet) return;
        collectKeyed(nodeSet, info, (name, key) => {
          const planned = plannedAt(`${connectionPath}.${edgesKey}.${nodeKey}.${key}`);
          if (planned === null) return note(name, 'sealed'); // no plan: fail towards reading, the policy still decides
          if (!planned) return note(name, 'sealed'); // not sensitive: a plain column (or a field not sealed)
          if (planned.kind === 'REMOVE') return note(name, null);
          note(name, planned.kind === 'MASK_DEFAULT' ? 'masked' : 'sealed');
        });
      });
    });
  }
  return needs;
}

/** A field's planned outcome, as far as storage cares; undefined: not in the plan (not sensitive). */
export interface PlannedOutcome {
  kind: 'REMOVE' | 'MASK_DEFAULT' | 'OTHER';
}

function collectKeyed(selectionSet: SelectionSetNode, info: GraphQLResolveInfo, into: (name: string, key: string, node: SelectionSetNode | undefined) => void): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) into(selection.name.value, selection.alias?.value ?? selection.name.value, selection.selectionSet);
    else if (selection.kind === Kind.INLINE_FRAGMENT) collectKeyed(selection.selectionSet, info, into);
    else {
      const fragment = info.fragments[selection.name.value];
      if (fragment) collectKeyed(fragment.selectionSet, info, into);
    }
  }
}

/** `a.b.c` from the executor's path, list indices left out (as the plan writes paths). */
function responsePath(path: GraphQLResolveInfo['path'] | undefined): string {
  const keys: string[] = [];
  for (let p = path; p; p = p.prev) if (typeof p.key === 'string') keys.unshift(p.key);
  return keys.join('.');
}
