/**
 * Keyset paging for top-level lists and, batched through DataLoader, for nested lists: one
 * statement fetches a page of children for every parent in the batch (LATERAL ... LIMIT).
 */
import DataLoader from 'dataloader';
import { selectSomeColumns } from '../db/columns';
import type { RequestDb } from '../db/pool';
import { pageSize, toPage, type Page, type PageRequest } from '../paging/page';
import { decodeCursor, encodeCursor } from '../paging/cursor';
import { badUserInput } from '../input-errors';
import { afterCondition, orderByClause, SqlParams, whereClause, type KeysetOrder } from '../db/sql';

export interface ListSpec {
  /** Tag written into cursors so a cursor from another list is refused. */
  list: string;
  table: string;
  alias: string;
  columns: string;
}

/** Adds the filter's conditions (values as parameters) for one list. */
export type ConditionBuilder<F> = (filter: F | null | undefined, params: SqlParams) => string[];

export async function fetchPage<T extends { id: string }>(
  db: RequestDb,
  spec: ListSpec,
  order: KeysetOrder,
  args: PageRequest,
  filterConditions: string[],
  params: SqlParams,
  /** The SELECT list when not every column is wanted (e.g. `selectColumnsFor` the selection). */
  columns: string = spec.columns,
): Promise<Page<T>> {
  const size = pageSize(args.first, db.maxPageSize);
  const afterId = args.after ? decodeCursor(spec.list, args.after) : null;
  // Rows the caller may not see are left out of the page and of the count alike.
  const conditions = db.restricted(filterConditions, spec.table, spec.alias, params);
  const countSql = `SELECT count(*)::int AS n FROM ${spec.table} ${spec.alias} ${whereClause(conditions)}`;
  const countValues = [...params.values];
  const where = [...conditions];
  if (afterId) where.push(afterCondition(spec.table, spec.alias, order, params.add(afterId), db.visible(spec.table, 'cur', params)));
  const rows = await db.rows<T>(
    `SELECT ${columns} FROM ${spec.table} ${spec.alias} ${whereClause(where)}
     ORDER BY ${orderByClause(spec.alias, order)} LIMIT ${params.add(size + 1)}`,
    params.values,
  );
  if (afterId && rows.length === 0) await requireCursorRow(db, spec, afterId);
  return toPage(rows, size, afterId !== null, (id) => encodeCursor(spec.list, id), async () => {
    const [{ n }] = await db.rows<{ n: number }>(countSql, countValues);
    return n;
  });
}

/**
 * An empty page after a cursor is either the end of the list or a cursor whose record was
 * deleted; the second must not pass for the first (the caller would stop paging silently).
 */
async function requireCursorRow(db: RequestDb, spec: Pick<ListSpec, 'table' | 'alias'>, id: string): Promise<void> {
  const params = new SqlParams();
  const conditions = db.restricted([`${spec.alias}.id = ${params.add(id)}`], spec.table, spec.alias, params);
  const found = await db.rows(`SELECT 1 FROM ${spec.table} ${spec.alias} ${whereClause(conditions)}`, params.values);
  if (found.length === 0) throw badUserInput('after', 'the record this cursor points at no longer exists; page again from the start');
}

export interface ChildListSpec extends ListSpec {
  /** Column holding the parent's id, e.g. customer_id. */
  parentColumn: string;
  /** The row property that column is selected as, e.g. customerId (rows are grouped by it). */
  parentProperty: string;
  /** For pages of the asked-for columns only (plus id and the parent key, which every row needs). */
  entity?: Function;
  order: KeysetOrder;
}

export interface ChildPageKey<F> {
  parentId: string;
  first?: number | null;
  after?: string | null;
  filter?: F | null;
  /** Node fields the operation asks for (selection.ts); absent: every column. */
  fields?: readonly string[];
}

const argsKeys = new WeakMap<object, string>();

/** The key's page arguments as text, once per key object (it is asked for several times per load). */
function argsKey<F>(key: ChildPageKey<F>): string {
  let text = argsKeys.get(key);
  if (text === undefined) argsKeys.set(key, (text = JSON.stringify([key.first ?? null, key.after ?? null, key.filter ?? null, key.fields ?? null])));
  return text;
}

function groupByArgs<F>(keys: readonly ChildPageKey<F>[]): Map<string, ChildPageKey<F>[]> {
  const groups = new Map<string, ChildPageKey<F>[]>();
  for (const key of keys) {
    const k = argsKey(key);
    const group = groups.get(k);
    if (group) group.push(key);
    else groups.set(k, [key]);
  }
  return groups;
}

/** Child pages with their counts; clearAll() forgets both (after a write in the same request). */
export class ChildPageLoader<T, F> extends DataLoader<ChildPageKey<F>, Page<T>, string> {
  constructor(
    batch: DataLoader.BatchLoadFn<ChildPageKey<F>, Page<T>>,
    private readonly counts: DataLoader<ChildPageKey<F>, number, string>,
  ) {
    super(batch, { cacheKeyFn: (k) => `${k.parentId}|${argsKey(k)}` });
  }

  override clearAll(): this {
    this.counts.clearAll();
    return super.clearAll();
  }
}

/** Per-request loaders of child pages and their counts, one statement per distinct argument set. */
export function createChildPageLoader<T extends { id: string }, F>(
  db: RequestDb,
  spec: ChildListSpec,
  buildConditions: ConditionBuilder<F>,
): ChildPageLoader<T, F> {
  const counts = new DataLoader<ChildPageKey<F>, number, string>(
    async (keys) => {
      const totals = new Map<string, number>();
      for (const group of groupByArgs(keys).values()) {
        const params = new SqlParams();
        const parents = params.add(group.map((k) => k.parentId));
        const conditions = db.restricted([`${spec.alias}.${spec.parentColumn} = ANY(${parents}::uuid[])`, ...buildConditions(group[0].filter, params)], spec.table, spec.alias, params);
        const rows = await db.rows<{ parent: string; n: number }>(
          `SELECT ${spec.alias}.${spec.parentColumn} AS parent, count(*)::int AS n
           FROM ${spec.table} ${spec.alias} ${whereClause(conditions)} GROUP BY 1`,
          params.values,
        );
        for (const row of rows) totals.set(`${row.parent}|${argsKey(group[0])}`, row.n);
      }
      return keys.map((k) => totals.get(`${k.parentId}|${argsKey(k)}`) ?? 0);
    },
    { cacheKeyFn: (k) => `${k.parentId}|${argsKey(k)}` },
  );

  return new ChildPageLoader<T, F>(
    async (keys) => {
      const pages = new Map<string, Page<T>>();
      await Promise.all(
        [...groupByArgs(keys).values()].map(async (group) => {
          const { first, after, filter, fields } = group[0];
          const columns = fields && spec.entity ? selectSomeColumns(spec.entity, spec.alias, [...new Set([...fields, 'id', spec.parentProperty])].sort()) : spec.columns;
          const size = pageSize(first, db.maxPageSize);
          const afterId = after ? decodeCursor(spec.list, after) : null;
          const params = new SqlParams();
          const parents = params.add(group.map((k) => k.parentId));
          const conditions = db.restricted([`${spec.alias}.${spec.parentColumn} = p.parent_id`, ...buildConditions(filter, params)], spec.table, spec.alias, params);
          if (afterId) conditions.push(afterCondition(spec.table, spec.alias, spec.order, params.add(afterId), db.visible(spec.table, 'cur', params)));
          const rows = await db.rows<T>(
            `SELECT x.* FROM unnest(${parents}::uuid[]) AS p(parent_id)
             CROSS JOIN LATERAL (
               SELECT ${columns} FROM ${spec.table} ${spec.alias} ${whereClause(conditions)}
               ORDER BY ${orderByClause(spec.alias, spec.order)} LIMIT ${params.add(size + 1)}
             ) x`,
            params.values,
          );
          if (afterId && rows.length === 0) await requireCursorRow(db, spec, afterId);
          const byParent = new Map<string, T[]>();
          for (const row of rows) {
            const parent = (row as Record<string, unknown>)[spec.parentProperty] as string;
            const list = byParent.get(parent);
            if (list) list.push(row);
            else byParent.set(parent, [row]);
          }
          for (const key of group) {
            pages.set(
              `${key.parentId}|${argsKey(key)}`,
              toPage(byParent.get(key.parentId) ?? [], size, afterId !== null, (id) => encodeCursor(spec.list, id), () => counts.load(key)),
            );
          }
        }),
      );
      return keys.map((k) => pages.get(`${k.parentId}|${argsKey(k)}`)!);
    },
    counts,
  );
}

/** Per-request loader of rows by id (`WHERE id = ANY($1)`), null for unknown ids. */
export function createByIdLoader<T extends { id: string }>(db: RequestDb, spec: Pick<ListSpec, 'table' | 'alias' | 'columns'>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const params = new SqlParams();
    const conditions = db.restricted([`${spec.alias}.id = ANY(${params.add(ids)}::uuid[])`], spec.table, spec.alias, params);
    const rows = await db.rows<T>(`SELECT ${spec.columns} FROM ${spec.table} ${spec.alias} ${whereClause(conditions)}`, params.values);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Per-request loader of all children of each parent (small lists such as a complaint's timeline). */
export function createChildrenLoader<T>(db: RequestDb, spec: Pick<ListSpec, 'table' | 'alias' | 'columns'> & { parentColumn: string; orderBy: string }) {
  return new DataLoader<string, T[]>(async (parentIds) => {
    const rows = await db.rows<T & { __parent: string }>(
      `SELECT ${spec.alias}.${spec.parentColumn} AS "__parent", ${spec.columns} FROM ${spec.table} ${spec.alias}
       WHERE ${spec.alias}.${spec.parentColumn} = ANY($1::uuid[]) ORDER BY ${spec.orderBy}`,
      [parentIds],
    );
    const byParent = new Map<string, T[]>();
    for (const { __parent, ...row } of rows) {
      const list = byParent.get(__parent) ?? [];
      list.push(row as unknown as T);
      byParent.set(__parent, list);
    }
    return parentIds.map((id) => byParent.get(id) ?? []);
  });
}

/**
 * Checks page arguments and the filter up front, so a bad argument fails only its own field,
 * with an error naming the argument, instead of failing every field of the DataLoader batch.
 */
export function checkPageArgs<F>(db: RequestDb, list: string, args: { first?: number | null; after?: string | null; filter?: F | null }, conditions?: ConditionBuilder<F>): void {
  pageSize(args.first, db.maxPageSize);
  if (args.after) decodeCursor(list, args.after);
  conditions?.(args.filter, new SqlParams());
}
