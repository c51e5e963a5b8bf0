import type { GraphQLResolveInfo } from 'graphql';
import { collapsedPath } from '../../permissions/engine/runtime';

type Path = GraphQLResolveInfo['path'];
const at = (prev: Path | undefined, key: string | number): Path => ({ prev, key, typename: undefined });

describe('collapsedPath', () => {
  it('drops list indices and keeps aliases, from the root down', () => {
    const customers = at(undefined, 'customers');
    const node3 = at(at(at(customers, 'edges'), 3), 'node');
    expect(collapsedPath(customers)).toBe('customers');
    expect(collapsedPath(at(node3, 'phone'))).toBe('customers.edges.node.phone');
    expect(collapsedPath(at(node3, 'mobile'))).toBe('customers.edges.node.mobile');
    expect(collapsedPath(at(at(customers, 'edges'), 0))).toBe('customers.edges');
  });

  it('gives fields of different rows and of nested lists their own paths (the parent is remembered per row)', () => {
    const edges = at(at(undefined, 'customers'), 'edges');
    const row = (i: number) => at(at(edges, i), 'node');
    const tx = at(at(at(at(row(1), 'transactions'), 'edges'), 7), 'node');
    expect(collapsedPath(at(row(0), 'name'))).toBe('customers.edges.node.name');
    expect(collapsedPath(at(row(1), 'name'))).toBe('customers.edges.node.name');
    expect(collapsedPath(at(tx, 'accountNumber'))).toBe('customers.edges.node.transactions.edges.node.accountNumber');
    const other = at(at(at(at(at(undefined, 'again'), 'edges'), 0), 'node'), 'name');
    expect(collapsedPath(other)).toBe('again.edges.node.name');
  });
});
