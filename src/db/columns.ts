/**
 * SELECT lists derived from the entities' TypeORM metadata, aliased to property names, so raw
 * rows already have the GraphQL shape and no column list is written twice.
 */
import { getMetadataArgsStorage } from 'typeorm';
import { sealedSelectList } from '../crypto/sealed-rows';
import { isSealedStorage } from './entities/sealed-columns';
import { SEALED_TABLES } from '../crypto/sealed-fields';
import { CLASSIFICATION } from '../../permissions/classification';

const cache = new Map<string, string>();

function tableOf(entity: Function): string {
  const table = getMetadataArgsStorage().tables.find((t) => t.target === entity);
  return table?.name ?? entity.name;
}

/**
 * `alias.db_name AS "property"` for the entity's columns (those in `only`, when given), cached;
 * sealed fields as their ciphertext, stored masked form and key reference (src/crypto/sealed-rows).
 */
function columnList(entity: Function, alias: string, only: readonly string[] | null): string {
  const key = `${entity.name}:${alias}:${only?.join(',') ?? '*'}`;
  let list = cache.get(key);
  if (list === undefined) {
    const wanted = only && new Set(only);
    const plain = getMetadataArgsStorage()
      .columns.filter((column) => column.target === entity && !isSealedStorage(column.propertyName) && (!wanted || wanted.has(column.propertyName)))
      .map((column) => `${alias}.${column.options.name ?? column.propertyName} AS "${column.propertyName}"`);
    list = [...plain, ...sealedSelectList(tableOf(entity), alias, wanted)].join(', ');
    cache.set(key, list);
  }
  return list;
}

/**
 * Every plain column (relationship rules read them), but of the sealed fields only those a
 * selection names (and the fields its generalisations are computed from): a sealed column not
 * asked for is neither read nor parsed.
 */
export function selectColumnsFor(entity: Function, alias: string, selected: readonly string[]): string {
  const table = tableOf(entity);
  const typeFields = CLASSIFICATION[SEALED_TABLES[table]?.typeName ?? ''] ?? {};
  const wanted = new Set<string>();
  for (const field of selected) {
    wanted.add(field);
    const source = typeFields[field]?.generalises;
    if (source) wanted.add(source);
  }
  const key = `${entity.name}:${alias}:for:${[...wanted].sort().join(',')}`;
  let list = cache.get(key);
  if (list === undefined) {
    const plain = getMetadataArgsStorage()
      .columns.filter((column) => column.target === entity && !isSealedStorage(column.propertyName))
      .map((column) => `${alias}.${column.options.name ?? column.propertyName} AS "${column.propertyName}"`);
    list = [...plain, ...sealedSelectList(table, alias, wanted)].join(', ');
    cache.set(key, list);
  }
  return list;
}

export function selectColumns(entity: Function, alias: string): string {
  return columnList(entity, alias, null);
}

/**
 * The SELECT list for some properties only (unknown names, e.g. relation fields, are skipped);
 * `properties` null: every column.
 */
export function selectSomeColumns(entity: Function, alias: string, properties: readonly string[] | null): string {
  return columnList(entity, alias, properties);
}

/** The database column behind an entity property (for INSERT/UPDATE built from inputs). */
export function columnName(entity: Function, property: string): string {
  if (isSealedStorage(property)) throw new Error(`${entity.name}.${property} is storage of a sealed field`);
  const column = getMetadataArgsStorage().columns.find((c) => c.target === entity && c.propertyName === property);
  if (!column) throw new Error(`${entity.name}.${property} is not a column`);
  return column.options.name ?? column.propertyName;
}
