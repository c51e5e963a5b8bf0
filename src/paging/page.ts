/** Pages of a list (plain TypeScript, no GraphQL types): the page size asked for and a page built from rows fetched with LIMIT size + 1. */
import { badUserInput } from '../input-errors';

export const DEFAULT_PAGE_SIZE = 20;
/** The ceiling for every caller; each role's own (permissions/roles, `limits.pageSize`) is at most this. */
export const MAX_PAGE_SIZE = 1000;

/** What a page request carries (schema/common/connection.ts `PageArgs` declares it in the schema). */
export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

/** A page's bounds (schema/common/connection.ts `PageInfo` declares them in the schema). */
export interface PageInfoValues {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
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
  pageInfo: PageInfoValues;
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
