/**
 * SELECT lists derived from the entities' TypeORM metadata, aliased to property names, so raw
 * rows already have the GraphQL shape and no column list is written twice.
 */
import { getMetadataArgsStorage } from 'typeorm';

const cache = new Map<string, string>();

export function selectColumns(entity: Function, alias: string): string {
  const key = `${entity.name}:${alias}`;
  let list = cache.get(key);
  if (list === undefined) {
    list = getMetadataArgsStorage()
      .columns.filter((column) => column.target === entity)
      .map((column) => {
        const dbName = column.options.name ?? column.propertyName;
        return `${alias}.${dbName} AS "${column.propertyName}"`;
      })
      .join(', ');
    cache.set(key, list);
  }
  return list;
}

/**
 * The SELECT list for some properties only (unknown names, e.g. relation fields, are skipped);
 * `properties` null: every column.
 */
export function selectSomeColumns(entity: Function, alias: string, properties: readonly string[] | null): string {
  if (properties === null) return selectColumns(entity, alias);
  const key = `${entity.name}:${alias}:${properties.join(',')}`;
  let list = cache.get(key);
  if (list === undefined) {
    const wanted = new Set(properties);
    list = getMetadataArgsStorage()
      .columns.filter((column) => column.target === entity && wanted.has(column.propertyName))
      .map((column) => `${alias}.${column.options.name ?? column.propertyName} AS "${column.propertyName}"`)
      .join(', ');
    cache.set(key, list);
  }
  return list;
}

/** The database column behind an entity property (for INSERT/UPDATE built from inputs). */
export function columnName(entity: Function, property: string): string {
  const column = getMetadataArgsStorage().columns.find((c) => c.target === entity && c.propertyName === property);
  if (!column) throw new Error(`${entity.name}.${property} is not a column`);
  return column.options.name ?? column.propertyName;
}
