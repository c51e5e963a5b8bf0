/** Relay connections: edges, pageInfo and a totalCount computed only when asked for. */
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { badUserInput } from '../../src/input-errors';

export const DEFAULT_PAGE_SIZE = 20;
/** The ceiling for every caller; each role's own (permissions/roles, `limits.pageSize`) is at most this. */
export const MAX_PAGE_SIZE = 1000;

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size (default ${DEFAULT_PAGE_SIZE}); at most 100 for most roles, ${MAX_PAGE_SIZE} for de-identified bulk reads (docs/policy.md)` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of the previous page' })
  after?: string | null;
}

/** The page size asked for, refused (naming `first`) outside 0…max — max being the caller's role's limit. */
export function pageSize(first: number | null | undefined, max: number): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (size < 0 || size > max) {
    throw badUserInput('first', `page size must be between 0 and ${max}; page through larger lists with 'after'`);
  }
  return size;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  /** A getter in practice: the COUNT runs only when a query selects totalCount. */
  readonly totalCount: Promise<number> | number;
}

/** Builds a page from rows fetched with LIMIT size + 1 (the extra row only says "there is more"). */
export function toPage<T extends { id: string }>(
  rows: T[],
  size: number,
  hadCursor: boolean,
  cursorOf: (id: string) => string,
  count: () => Promise<number>,
): Page<T> {
  const nodes = rows.slice(0, size);
  // Cursors are encrypted: made only for the edges a query asks the cursor of (most ask none).
  const edges = nodes.map((node) => {
    let cursor: string | undefined;
    return {
      node,
      get cursor() {
        cursor ??= cursorOf(node.id);
        return cursor;
      },
    };
  });
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hadCursor,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? null;
      },
    },
    get totalCount() {
      counted ??= count();
      return counted;
    },
  };
}

export function connectionType<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'All records matching the filter, ignoring paging' })
    totalCount!: number;
  }

  return ConnectionType;
}
