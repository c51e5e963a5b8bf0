/** Tiny helpers for parameterised SQL (core: the db layer, the loaders, the engine and the features share them): values always travel as $n parameters, never inline. */

export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export type Direction = 'ASC' | 'DESC';

export interface KeysetOrder {
  /** Column (with alias) to sort by; ties broken by the id column. */
  column: string;
  direction: Direction;
}

/**
 * Keyset condition "rows after the row with id X": the sort value is looked up from X's row,
 * so cursors carry only the key. `visibleCursorRow` restricts that lookup to rows the caller may
 * see (alias `cur`): a cursor naming a hidden row then matches nothing, like an unknown one.
 */
export function afterCondition(table: string, alias: string, order: KeysetOrder, afterIdParam: string, visibleCursorRow: string | null = null): string {
  const bareColumn = order.column.slice(order.column.indexOf('.') + 1);
  const op = order.direction === 'DESC' ? '<' : '>';
  const visible = visibleCursorRow ? ` AND ${visibleCursorRow}` : '';
  return `(${order.column}, ${alias}.id) ${op} (SELECT cur.${bareColumn}, cur.id FROM ${table} cur WHERE cur.id = ${afterIdParam}${visible})`;
}

export function orderByClause(alias: string, order: KeysetOrder): string {
  return `${order.column} ${order.direction}, ${alias}.id ${order.direction}`;
}

export function whereClause(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}
